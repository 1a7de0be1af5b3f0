// Warp-wide pieces the Hamming decode and prefill kernels share: a warp sum, a row read as four
// dims per lane (one 8-byte bf16 or 16-byte float load per lane: a row is one contiguous access),
// and the online softmax of one or more queries over a list of rows.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

#include "kernels/bf16_words.cuh"

namespace hashscope::gpu {

__device__ inline float warp_sum(float v) {
    for (int o = 16; o; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Four elements of a row at dims 4 * lane .. 4 * lane + 3 (d a multiple of 4) as loaded, 0 past
// d: one 8-byte bf16 or 16-byte float load per lane, so a row is one contiguous access. Kept
// raw until used, bf16 rows take half the registers of their floats.
__device__ inline uint2 load_raw4(const __nv_bfloat16* row, int lane, int d) {
    return 4 * lane < d ? *reinterpret_cast<const uint2*>(row + 4 * lane) : make_uint2(0u, 0u);
}
__device__ inline float4 load_raw4(const float* row, int lane, int d) {
    return 4 * lane < d ? *reinterpret_cast<const float4*>(row + 4 * lane) : make_float4(0.f, 0.f, 0.f, 0.f);
}

__device__ inline void widen4(uint2 raw, float (&x)[4]) {
    x[0] = low_bf16(raw.x), x[1] = high_bf16(raw.x), x[2] = low_bf16(raw.y), x[3] = high_bf16(raw.y);
}
__device__ inline void widen4(float4 raw, float (&x)[4]) { x[0] = raw.x, x[1] = raw.y, x[2] = raw.z, x[3] = raw.w; }

template <class T>
__device__ inline void load4(const T* row, int lane, int d, float (&x)[4]) {
    widen4(load_raw4(row, lane, d), x);
}

// A query's online softmax over some rows, each lane keeping its four dims: the running maximum
// score, the sum of exp(score - maximum), and the unnormalised output.
struct RowSoftmax {
    float peak = -INFINITY, sum = 0.f, acc[4] = {0.f, 0.f, 0.f, 0.f};
};

// Adds rows[0..count) (positions in keys / values, rows of d elements) to the warp's softmaxes of
// Q queries (qv: the lane's four dims of each) that read the same rows, scores scaled by `scale`.
// Rows go in batches of four, and the next batch's K and V loads are issued before the current
// batch's arithmetic: eight rows in flight, where loading then computing left the memory idle
// during the arithmetic. Indices are read 32 at a time (the next 32 ahead of need), and each row
// loaded serves all Q queries: grouped-query heads sharing a selection gather it once.
template <int Q, class T>
__device__ inline void attend_rows(const float (&qv)[Q][4], float scale, const T* __restrict__ keys,
                                   const T* __restrict__ values, int d, const std::int32_t* __restrict__ rows, int count,
                                   int lane, RowSoftmax (&st)[Q]) {
    constexpr int kBatch = 4;
    using Raw = decltype(load_raw4(keys, 0, 0));
    // Row indices t .. t + 31 of the list: `mine` (lane l: index t + l), and the 32 after: `upcoming`.
    // Past the list, row 0: read, then masked.
    const auto index_of = [&](int t) { return t + lane < count ? rows[t + lane] : 0; };
    int mine = index_of(0), upcoming = index_of(32);
    Raw next_k[kBatch], next_v[kBatch];
    const auto load_batch = [&](int t) {  // rows t .. t + 3, t a multiple of 4 within `mine`'s 32
#pragma unroll
        for (int u = 0; u < kBatch; ++u) {
            const int j = __shfl_sync(0xffffffffu, mine, t % 32 + u);
            next_k[u] = load_raw4(keys + std::size_t(j) * d, lane, d);
            next_v[u] = load_raw4(values + std::size_t(j) * d, lane, d);
        }
    };
    if (count > 0) load_batch(0);
    for (int t = 0; t < count; t += kBatch) {
        Raw k_raw[kBatch], v_raw[kBatch];
#pragma unroll
        for (int u = 0; u < kBatch; ++u) k_raw[u] = next_k[u], v_raw[u] = next_v[u];
        const int after = t + kBatch;
        if (after % 32 == 0) mine = upcoming, upcoming = index_of(after + 32);
        if (after < count) load_batch(after);
        float score[Q][kBatch];
#pragma unroll
        for (int u = 0; u < kBatch; ++u) {
            float kv[4];
            widen4(k_raw[u], kv);
#pragma unroll
            for (int h = 0; h < Q; ++h) {
                const float dot = warp_sum(qv[h][0] * kv[0] + qv[h][1] * kv[1] + qv[h][2] * kv[2] + qv[h][3] * kv[3]);
                score[h][u] = t + u < count ? dot * scale : -INFINITY;
            }
        }
#pragma unroll
        for (int h = 0; h < Q; ++h) {
            const float next = fmaxf(fmaxf(st[h].peak, fmaxf(score[h][0], score[h][1])), fmaxf(score[h][2], score[h][3]));
            const float fade = __expf(st[h].peak - next);  // 0 on the first rows (peak = -inf)
            st[h].sum *= fade;
#pragma unroll
            for (int c = 0; c < 4; ++c) st[h].acc[c] *= fade;
            st[h].peak = next;
        }
#pragma unroll
        for (int u = 0; u < kBatch; ++u) {
            float vv[4];
            widen4(v_raw[u], vv);
#pragma unroll
            for (int h = 0; h < Q; ++h) {
                const float p = __expf(score[h][u] - st[h].peak);
                st[h].sum += p;
#pragma unroll
                for (int c = 0; c < 4; ++c) st[h].acc[c] = fmaf(p, vv[c], st[h].acc[c]);
            }
        }
    }
}

}  // namespace hashscope::gpu
