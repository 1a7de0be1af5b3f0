// Softmax attention of each query over its own selected keys only: the attention step of top-k
// methods (HashAttention, exact top-k), with the scale of dense_attention (1 / sqrt(d)).
//
//   Q [n, d], K [m, d], V [m, dv], selected[i] = key positions of query i  ->  O [n, dv]
//   O_i = sum_{j in S_i} softmax_{S_i}(q_i . k_j / sqrt(d)) v_j
//
// Masks are the selection's business: a causal selection simply holds no future keys. When every
// query selects every key this is dense attention, and the test checks exactly that.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

template <class T>
struct SparseTrace {
    std::vector<std::vector<T>> weights;  // [n][|S_i|] probabilities in the order of selected[i]
    Vector<T> logsumexp;                  // [n] log of each query's normaliser over its scaled scores
    Matrix<T> output;                     // [n, dv]
};

// Refuses a selection of the wrong length, an empty set, or a key outside [0, m).
template <class T>
SparseTrace<T> sparse_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                const std::vector<std::vector<std::int32_t>>& selected);

}  // namespace hashscope
