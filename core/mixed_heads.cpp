#include "core/mixed_heads.hpp"

#include <cmath>
#include <string>

#include "core/dense_attention.hpp"
#include "core/metrics.hpp"

namespace hashscope {

std::vector<bool> choose_crypto_heads(int heads, double fraction) {
    if (heads < 1) throw InputError("heads must be at least 1");
    if (!(fraction >= 0 && fraction <= 1)) throw InputError("crypto head fraction " + std::to_string(fraction) + " is outside 0..1");
    std::vector<bool> crypto;
    for (int h = 0; h < heads; ++h) crypto.push_back(std::floor((h + 1) * fraction) > std::floor(h * fraction));
    return crypto;
}

template <class T>
MixedHeadsTrace<T> mixed_head_attention(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k,
                                        const std::vector<Matrix<T>>& v, const std::vector<bool>& crypto,
                                        const CryptoAttentionConfig<T>& config) {
    const std::size_t heads = q.size();
    if (k.size() != heads || v.size() != heads || crypto.size() != heads)
        throw InputError("mixed heads: q, k, v and the head choice disagree on the number of heads");
    MixedHeadsTrace<T> t;
    t.crypto = crypto;
    DenseOptions dense_options;
    dense_options.causal = config.causal;
    for (std::size_t h = 0; h < heads; ++h) {
        const Matrix<T> dense = dense_attention_output(q[h], k[h], v[h], dense_options);
        if (!crypto[h]) {
            t.outputs.push_back(dense);
            t.relative_error.push_back(0.0);
            continue;
        }
        t.traces.push_back(crypto_attention(q[h], k[h], v[h], config));
        t.outputs.push_back(t.traces.back().output);
        t.relative_error.push_back(relative_l2_error(t.outputs.back(), dense));
    }
    return t;
}

template MixedHeadsTrace<float> mixed_head_attention<float>(const std::vector<Matrix<float>>&,
                                                            const std::vector<Matrix<float>>&,
                                                            const std::vector<Matrix<float>>&, const std::vector<bool>&,
                                                            const CryptoAttentionConfig<float>&);
template MixedHeadsTrace<double> mixed_head_attention<double>(const std::vector<Matrix<double>>&,
                                                              const std::vector<Matrix<double>>&,
                                                              const std::vector<Matrix<double>>&,
                                                              const std::vector<bool>&,
                                                              const CryptoAttentionConfig<double>&);

}  // namespace hashscope
