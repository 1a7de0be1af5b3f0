// Warp-wide pieces the Hamming decode and prefill kernels share: a warp sum, a row read as four
// dims per lane (one 8-byte bf16 or 16-byte float load per lane: a row is one contiguous access),
// and the online softmax of one or more queries over a list of rows.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

namespace hashscope::gpu {

__device__ inline float warp_sum(float v) {
    for (int o = 16; o; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Four bf16 of a row at dims 4 * lane .. 4 * lane + 3 (d a multiple of 4), as floats; 0 past d.
__device__ inline void load4(const __nv_bfloat16* row, int lane, int d, float (&x)[4]) {
    x[0] = x[1] = x[2] = x[3] = 0.f;
    if (4 * lane >= d) return;
    // A bf16 is a float's top 16 bits, and the lower address holds the lower half of each word:
    // widening is a shift or a mask.
    const uint2 raw = *reinterpret_cast<const uint2*>(row + 4 * lane);
    x[0] = __uint_as_float(raw.x << 16), x[1] = __uint_as_float(raw.x & 0xffff0000u);
    x[2] = __uint_as_float(raw.y << 16), x[3] = __uint_as_float(raw.y & 0xffff0000u);
}

__device__ inline void load4(const float* row, int lane, int d, float (&x)[4]) {
    x[0] = x[1] = x[2] = x[3] = 0.f;
    if (4 * lane >= d) return;
    const float4 raw = *reinterpret_cast<const float4*>(row + 4 * lane);
    x[0] = raw.x, x[1] = raw.y, x[2] = raw.z, x[3] = raw.w;
}

// A query's online softmax over some rows, each lane keeping its four dims: the running maximum
// score, the sum of exp(score - maximum), and the unnormalised output.
struct RowSoftmax {
    float peak = -INFINITY, sum = 0.f, acc[4] = {0.f, 0.f, 0.f, 0.f};
};

// Adds rows[0..count) (positions in keys / values, rows of d elements) to the warp's softmaxes of
// Q queries (qv: the lane's four dims of each) that read the same rows, scores scaled by `scale`.
// Indices are read 32 at a time, four rows' K and V loads are in flight together, and each row
// loaded serves all Q queries: grouped-query heads sharing a selection gather it once.
template <int Q, class T>
__device__ inline void attend_rows(const float (&qv)[Q][4], float scale, const T* __restrict__ keys,
                                   const T* __restrict__ values, int d, const std::int32_t* __restrict__ rows, int count,
                                   int lane, RowSoftmax (&st)[Q]) {
    for (int base = 0; base < count; base += 32) {
        const int mine = base + lane < count ? rows[base + lane] : 0;
        const int here = min(32, count - base);
        for (int r = 0; r < here; r += 4) {
            float kv[4][4], vv[4][4], score[4];
#pragma unroll
            for (int u = 0; u < 4; ++u) {
                const int j = __shfl_sync(0xffffffffu, mine, r + u);  // row 0 past the list: read, then masked
                load4(keys + std::size_t(j) * d, lane, d, kv[u]);
                load4(values + std::size_t(j) * d, lane, d, vv[u]);
            }
#pragma unroll
            for (int h = 0; h < Q; ++h) {
#pragma unroll
                for (int u = 0; u < 4; ++u) {
                    const float dot = warp_sum(qv[h][0] * kv[u][0] + qv[h][1] * kv[u][1] + qv[h][2] * kv[u][2] +
                                               qv[h][3] * kv[u][3]);
                    score[u] = r + u < here ? dot * scale : -INFINITY;
                }
                const float next = fmaxf(fmaxf(st[h].peak, fmaxf(score[0], score[1])), fmaxf(score[2], score[3]));
                const float fade = __expf(st[h].peak - next);  // 0 on the first rows (peak = -inf)
                st[h].sum *= fade;
#pragma unroll
                for (int c = 0; c < 4; ++c) st[h].acc[c] *= fade;
#pragma unroll
                for (int u = 0; u < 4; ++u) {
                    const float p = __expf(score[u] - next);
                    st[h].sum += p;
#pragma unroll
                    for (int c = 0; c < 4; ++c) st[h].acc[c] = fmaf(p, vv[u][c], st[h].acc[c]);
                }
                st[h].peak = next;
            }
        }
    }
}

}  // namespace hashscope::gpu
