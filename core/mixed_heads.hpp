// Mixing crypto-hash heads with dense heads, the piece's "replacing 50-75% of heads with hash
// attention preserves quality": a chosen fraction of a layer's heads run crypto_attention, the rest
// dense attention, and each head's output is measured against its dense output, over per-head
// operands. In a real model the same choice is `--swap method=crypto;fraction=F`
// (core/model/head_swap.hpp, core/model/crypto_head.hpp), measured by the loss.
#pragma once

#include <vector>

#include "core/crypto_attention.hpp"

namespace hashscope {

// round(fraction * heads) heads marked true, spread evenly: head h is crypto where
// floor((h + 1) * fraction) > floor(h * fraction). fraction in [0, 1].
std::vector<bool> choose_crypto_heads(int heads, double fraction);

template <class T>
struct MixedHeadsTrace {
    std::vector<bool> crypto;                     // [heads]
    std::vector<Matrix<T>> outputs;               // [heads] of [n, dv]
    std::vector<double> relative_error;           // [heads], vs that head's dense output (0 for dense heads)
    std::vector<CryptoAttentionTrace<T>> traces;  // one per crypto head, in head order
};

// q[h], k[h], v[h] are head h's operands; crypto[h] picks its method; `causal` applies to both.
template <class T>
MixedHeadsTrace<T> mixed_head_attention(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k,
                                        const std::vector<Matrix<T>>& v, const std::vector<bool>& crypto,
                                        const CryptoAttentionConfig<T>& config);

}  // namespace hashscope
