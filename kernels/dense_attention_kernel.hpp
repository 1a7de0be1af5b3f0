// Dense softmax attention on the device, the twin of core/dense_attention.hpp (output and
// logsumexp): O = softmax(Q K^T / sqrt(d) + mask) V, with the causal mask letting query i see keys
// j <= i + (m - n). The app's baseline when no vendor library is used: tiled, one pass over the
// keys with an online softmax, never forming the n x m matrix.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace hashscope::gpu {

struct DenseShape {
    int heads = 1, n = 0, m = 0, d = 0, dv = 0;
    bool causal = false;
};

// The largest value dimension: each lane keeps dv / 32 accumulators in registers.
inline constexpr int kDenseMaxValueDim = 128;

// q [heads][n][d], k [heads][m][d], v [heads][m][dv] -> out [heads][n][dv], logsumexp [heads][n].
template <class T>
void launch_dense_attention(const T* q, const T* k, const T* v, T* out, float* logsumexp, const DenseShape& shape,
                            cudaStream_t stream);

}  // namespace hashscope::gpu
