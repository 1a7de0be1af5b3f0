// What the GPU suites share: the skip without a device (CI has none; the kernels still compile
// there), and "grid" data whose dot products are exact in float whatever the summation order, so
// GPU buckets and codes can be required bit-equal to core's.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/matrix.hpp"
#include "core/random.hpp"
#include "kernels/gpu.hpp"
#include "reference/compare.hpp"

#define HASHSCOPE_SKIP_WITHOUT_GPU()                                                                           \
    if (!hashscope::gpu::gpu_available())                                                                      \
    GTEST_SKIP() << "no CUDA device (" << hashscope::gpu::device_description()                                 \
                 << "): the GPU kernels are checked on a machine with one"

namespace hashscope_gpu_test {

// Standard normals rounded to multiples of 1/step, clipped to [-4, 4]: with step 8 and d <= 128
// every product is a multiple of 1/64 and every dot product below 2^11, so float sums are exact;
// bf16 holds each value exactly. A small step (1 or 2) makes ties frequent.
inline hashscope::Matrix<float> grid_matrix(int rows, int cols, hashscope::Rng& rng, double step = 8) {
    hashscope::Matrix<float> m(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) m(i, j) = float(std::clamp(std::round(rng.normal() * step) / step, -4.0, 4.0));
    return m;
}

// The core suites' error measure (reference/compare.hpp), which ignores NaN: so finiteness first.
inline double scaled_error(const hashscope::Matrix<float>& got, const hashscope::Matrix<float>& want) {
    if (!got.allFinite()) return INFINITY;
    return hashscope_ref::scaled_error(got, hashscope_ref::to_ref(want));
}

}  // namespace hashscope_gpu_test
