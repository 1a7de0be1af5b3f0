// Independent float64 oracle for attention over per-query key subsets (core/sparse_attention.hpp):
// o_i = sum over j in S_i of softmax(q_i . k_j / sqrt(d)) v_j, with plain loops.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/reference_attention.hpp"

namespace hashscope_ref {

inline Mat sparse_attention(const Mat& q, const Mat& k, const Mat& v,
                            const std::vector<std::vector<std::int32_t>>& selected) {
    Mat out(q.rows, v.cols);
    const double scale = 1.0 / std::sqrt(double(q.cols));
    for (int i = 0; i < q.rows; ++i) {
        std::vector<double> scores;
        for (std::int32_t j : selected[std::size_t(i)]) scores.push_back(dot_rows(q, i, k, j) * scale);
        const double lse = logsumexp(scores);
        for (std::size_t s = 0; s < scores.size(); ++s)
            for (int c = 0; c < v.cols; ++c) out(i, c) += std::exp(scores[s] - lse) * v(selected[std::size_t(i)][s], c);
    }
    return out;
}

}  // namespace hashscope_ref
