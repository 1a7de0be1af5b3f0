#include "core/sparse_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/dense_attention.hpp"

namespace hashscope {

template <class T>
SparseTrace<T> sparse_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                const std::vector<std::vector<std::int32_t>>& selected) {
    check_attention_shapes(q, k, v);
    const Eigen::Index n = q.rows(), m = k.rows();
    if (selected.size() != std::size_t(n))
        throw InputError("sparse attention: " + std::to_string(n) + " queries but " + std::to_string(selected.size()) +
                         " selected key sets");
    SparseTrace<T> t;
    t.weights.resize(std::size_t(n));
    t.logsumexp.resize(n);
    t.output = Matrix<T>::Zero(n, v.cols());
    const T scale = T(1) / std::sqrt(T(q.cols()));
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto& keys = selected[std::size_t(i)];
        if (keys.empty()) throw InputError("sparse attention: query " + std::to_string(i) + " selects no key");
        auto& w = t.weights[std::size_t(i)];
        w.resize(keys.size());
        T peak = -std::numeric_limits<T>::infinity();
        for (std::size_t s = 0; s < keys.size(); ++s) {
            const std::int32_t j = keys[s];
            if (j < 0 || j >= m)
                throw InputError("sparse attention: key " + std::to_string(j) + " selected for query " +
                                 std::to_string(i) + " is outside [0, " + std::to_string(m) + ")");
            w[s] = q.row(i).dot(k.row(j)) * scale;
            peak = std::max(peak, w[s]);
        }
        T sum = 0;
        for (T& x : w) sum += (x = std::exp(x - peak));
        for (std::size_t s = 0; s < keys.size(); ++s) {
            w[s] /= sum;
            t.output.row(i) += w[s] * v.row(keys[s]);
        }
        t.logsumexp(i) = peak + std::log(sum);
    }
    return t;
}

template SparseTrace<float> sparse_attention<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                                    const std::vector<std::vector<std::int32_t>>&);
template SparseTrace<double> sparse_attention<double>(const Matrix<double>&, const Matrix<double>&,
                                                      const Matrix<double>&,
                                                      const std::vector<std::vector<std::int32_t>>&);

}  // namespace hashscope
