// Dense softmax attention: the exact reference every hash method is measured against.
//
//   Q [n, d], K [m, d], V [m, dv]  ->  O [n, dv],   O = softmax(Q K^T / sqrt(d) + mask) V
//
// With `causal`, query i sees keys j <= i + (m - n): the queries are the last n positions of the
// key sequence (n == m is ordinary self-attention; n == 1 is decoding one token).
// The n x m probability matrix is kept because the app draws it; the call refuses, with the sizes
// in the message, when that matrix would exceed `memory_budget_bytes`.
#pragma once

#include <cstddef>

#include "core/matrix.hpp"

namespace hashscope {

struct DenseOptions {
    bool causal = false;
    std::size_t memory_budget_bytes = std::size_t(2) << 30;  // 2 GiB
};

template <class T>
struct DenseTrace {
    Matrix<T> probabilities;  // [n, m]; rows sum to 1, masked entries are exactly 0
    Vector<T> logsumexp;      // [n]; log of each row's normaliser over the scaled scores
    Matrix<T> output;         // [n, dv]
};

// Bytes the score matrix of an n x m attention needs at `scalar_bytes` per entry.
std::size_t dense_score_bytes(std::size_t n, std::size_t m, std::size_t scalar_bytes);

// Checks shapes (non-empty, Q/K width, K/V rows); names each operand in its error.
template <class T>
void check_attention_shapes(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v);

template <class T>
DenseTrace<T> dense_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                              const DenseOptions& options = {});

}  // namespace hashscope
