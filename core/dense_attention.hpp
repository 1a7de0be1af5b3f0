// Dense softmax attention: the exact reference every hash method is measured against.
//
//   Q [n, d], K [m, d], V [m, dv]  ->  O [n, dv],   O = softmax(Q K^T / sqrt(d) + mask) V
//
// With `causal`, query i sees keys j <= i + (m - n): the queries are the last n positions of the
// key sequence (n == m is ordinary self-attention; n == 1 is decoding one token).
// The n x m probability matrix is kept because the app draws it; the call refuses, with the sizes
// in the message, when that matrix would exceed `memory_budget_bytes`.
#pragma once

#include <algorithm>
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

// The same attention for the queries [first, first + rows) alone: their probabilities, logsumexp
// and output, row for row what dense_attention gives them. Walking an n x m attention in blocks
// of rows this way holds rows x m scores, never n x m (the GUI's analyses at n = 4096).
template <class T>
DenseTrace<T> dense_attention_rows(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v, Eigen::Index first,
                                   Eigen::Index rows, const DenseOptions& options = {});

// Queries per block when an attention is walked in blocks (256 x 4096 doubles: 8 MiB).
inline constexpr Eigen::Index kDenseBlockRows = 256;

// Calls visit(first, block) for each block of at most kDenseBlockRows queries, in order; `block`
// is dense_attention_rows over those queries (`memory_budget_bytes` bounds one block).
template <class T, class Visit>
void for_each_dense_block(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v, const DenseOptions& options,
                          Visit&& visit) {
    for (Eigen::Index first = 0; first < q.rows(); first += kDenseBlockRows) {
        const Eigen::Index rows = std::min(kDenseBlockRows, q.rows() - first);
        visit(first, dense_attention_rows(q, k, v, first, rows, options));
    }
}

// The output O alone, walked in blocks: memory for one block's scores, never n x m.
template <class T>
Matrix<T> dense_attention_output(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                 const DenseOptions& options = {});

}  // namespace hashscope
