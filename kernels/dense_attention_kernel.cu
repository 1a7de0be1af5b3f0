// Dense attention kernel: a block of 8 warps takes 8 queries (one per warp) and walks the keys in
// tiles of 64 staged in shared memory, so each key row is read from memory once per 8 queries.
// Each lane scores two keys of the tile; the warp keeps the running maximum and sum (online
// softmax) and each lane accumulates dv / 32 output columns.
#include "kernels/dense_attention_kernel.hpp"

#include <cmath>

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {
namespace {

constexpr int kWarps = 8, kTile = 64;

__device__ float warp_max(float v) {
    for (int o = 16; o; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
__device__ float warp_sum(float v) {
    for (int o = 16; o; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

template <class T>
__global__ void __launch_bounds__(kWarps * 32) dense_attention_kernel(const T* __restrict__ q, const T* __restrict__ k,
                                                                     const T* __restrict__ v, DenseShape s,
                                                                     T* __restrict__ out, float* __restrict__ logsumexp) {
    extern __shared__ float shared[];
    const int ldk = s.d + 1;                       // odd stride: lanes reading different keys hit different banks
    float* keys = shared;                          // [kTile][d + 1]
    float* values = keys + kTile * ldk;            // [kTile][dv]
    float* queries = values + kTile * s.dv;        // [kWarps][d]
    float* weights = queries + kWarps * s.d;       // [kWarps][kTile]
    const int head = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int i = blockIdx.x * kWarps + warp;
    const bool active = i < s.n;
    q += std::size_t(head) * s.n * s.d;
    k += std::size_t(head) * s.m * s.d;
    v += std::size_t(head) * s.m * s.dv;
    for (int e = lane; e < s.d; e += 32) queries[warp * s.d + e] = active ? float(q[std::size_t(i) * s.d + e]) : 0.f;

    const float scale = rsqrtf(float(s.d));
    // Keys this block's last query may see; the warps of earlier queries mask the rest.
    const int last = min(s.n, (blockIdx.x + 1) * kWarps) - 1;
    const int visible_end = s.causal ? min(s.m, last + (s.m - s.n) + 1) : s.m;
    const int my_end = !active ? 0 : s.causal ? i + (s.m - s.n) + 1 : s.m;
    float peak = -INFINITY, sum = 0.f, acc[kDenseMaxValueDim / 32] = {};
    for (int j0 = 0; j0 < visible_end; j0 += kTile) {
        __syncthreads();
        for (int e = threadIdx.x; e < kTile * s.d; e += blockDim.x) {
            const int r = e / s.d, c = e % s.d;
            keys[r * ldk + c] = j0 + r < s.m ? float(k[std::size_t(j0 + r) * s.d + c]) : 0.f;
        }
        for (int e = threadIdx.x; e < kTile * s.dv; e += blockDim.x) {
            const int r = e / s.dv, c = e % s.dv;
            values[r * s.dv + c] = j0 + r < s.m ? float(v[std::size_t(j0 + r) * s.dv + c]) : 0.f;
        }
        __syncthreads();
        if (j0 >= my_end) continue;
        float score[2];
        for (int h = 0; h < 2; ++h) {
            const int j = lane + 32 * h;
            float dot = 0.f;
            for (int c = 0; c < s.d; ++c) dot = fmaf(queries[warp * s.d + c], keys[j * ldk + c], dot);
            score[h] = j0 + j < my_end ? dot * scale : -INFINITY;
        }
        const float new_peak = fmaxf(peak, warp_max(fmaxf(score[0], score[1])));
        const float correction = expf(peak - new_peak);  // 0 on the first tile (peak = -inf)
        const float p0 = expf(score[0] - new_peak), p1 = expf(score[1] - new_peak);
        sum = sum * correction + warp_sum(p0 + p1);
        peak = new_peak;
        weights[warp * kTile + lane] = p0;
        weights[warp * kTile + lane + 32] = p1;
        __syncwarp();
#pragma unroll
        for (int c = 0; c < kDenseMaxValueDim / 32; ++c) {
            const int col = lane + 32 * c;
            if (col >= s.dv) break;
            float a = acc[c] * correction;
            for (int j = 0; j < kTile; ++j) a = fmaf(weights[warp * kTile + j], values[j * s.dv + col], a);
            acc[c] = a;
        }
        __syncwarp();
    }
    if (!active) return;
#pragma unroll
    for (int c = 0; c < kDenseMaxValueDim / 32; ++c) {
        const int col = lane + 32 * c;
        if (col < s.dv) out[(std::size_t(head) * s.n + i) * s.dv + col] = T(acc[c] / sum);
    }
    if (lane == 0) logsumexp[std::size_t(head) * s.n + i] = peak + logf(sum);
}

}  // namespace

template <class T>
void launch_dense_attention(const T* q, const T* k, const T* v, T* out, float* logsumexp, const DenseShape& s,
                            cudaStream_t stream) {
    if (s.dv > kDenseMaxValueDim) throw GpuError("the GPU dense kernel takes value dimensions <= 128");
    if (s.n == 0) return;
    const std::size_t shared = (std::size_t(kTile) * (s.d + 1 + s.dv) + std::size_t(kWarps) * (s.d + kTile)) * sizeof(float);
    check_cuda(cudaFuncSetAttribute(dense_attention_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
               "dense_attention_kernel shared memory");
    const dim3 grid((s.n + kWarps - 1) / kWarps, s.heads);
    dense_attention_kernel<T><<<grid, kWarps * 32, shared, stream>>>(q, k, v, s, out, logsumexp);
    check_launch("dense_attention_kernel");
}

template void launch_dense_attention<float>(const float*, const float*, const float*, float*, float*,
                                            const DenseShape&, cudaStream_t);
template void launch_dense_attention<__nv_bfloat16>(const __nv_bfloat16*, const __nv_bfloat16*, const __nv_bfloat16*,
                                                    __nv_bfloat16*, float*, const DenseShape&, cudaStream_t);

}  // namespace hashscope::gpu
