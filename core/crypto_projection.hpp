// The piece's "lightweight learned projection" after bucket pooling: out = [pooled, 1] W with
// W [dv + 1, dv_out] (the last row is a bias). hashscope learns W the only way it can without
// training a model: ridge least squares against a target on the same sequence (normally dense
// attention's output), over the queries whose buckets were non-empty. Fitted in-sample, it is an
// optimistic bound on what any linear projection of the bucket means can recover.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

// Minimises sum over used rows of |[pooled_i, 1] W - target_i|^2 + ridge |W|^2 (bias included).
template <class T>
Matrix<T> fit_projection(const Matrix<T>& pooled, const Matrix<T>& target, const std::vector<std::int32_t>& used,
                         double ridge);

// [pooled_i, 1] W for used rows; unused rows (empty buckets) stay zero.
template <class T>
Matrix<T> apply_projection(const Matrix<T>& pooled, const Matrix<T>& w, const std::vector<std::int32_t>& used);

}  // namespace hashscope
