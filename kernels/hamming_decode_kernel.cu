// The Hamming top-k decode's attention over the selected rows (hamming_select_kernel.cu makes the
// selection): segments of 128 rows per block, then a merge of the segments (the split-K of flash
// decoding). The attention blocks of a shared selection serve up to four query heads of the group
// per row gathered.
#include "kernels/hamming_decode_kernel.hpp"

#include <cub/block/block_reduce.cuh>

#include <type_traits>

#include "kernels/decode_rows_mma.cuh"
#include "kernels/warp_rows.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kDecodeThreads = 128, kMergeThreads = 1024;

// Dynamic shared memory of sparse_decode_kernel<Q, D>: each warp's rows staged for the tensor
// cores (64 KB at d 128, so that with 8 KB of warp outputs three blocks fit an H100 SM).
constexpr int kDecodeWarpRows = kHammingSegment / (kDecodeThreads / 32);
template <int D>
constexpr std::size_t decode_staging_bytes = D > 0 ? kDecodeThreads / 32 * sizeof(StagedRows<D, kDecodeWarpRows / 16>) : 0;

// One block per (segment of 128 selected rows, Q query heads reading the same selection: one
// head, or Q of a shared selection's group): each warp an online softmax of the Q queries over 32
// of the rows, on tensor cores for head dims D = 64 and 128 (attend_staged_rows), else on FMAs
// (D = 0: attend_rows, each row loaded serving the Q queries); then per query the four warps'
// maxima, sums and outputs combined into the segment's partial, which merge_kernel combines
// across segments. Three blocks an SM, as shared memory holds at d 128 (left free, ptxas gave
// the single-head d 128 kernel 80 registers and 12 bytes of spills).
template <int Q, int D>
__global__ void __launch_bounds__(kDecodeThreads, 3) sparse_decode_kernel(
    const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,
    HammingDecodeShape s, const std::int32_t* __restrict__ selected, const std::int32_t* __restrict__ count,
    float* __restrict__ partial) {
    constexpr int kWarps = kDecodeThreads / 32, kWarpRows = kDecodeWarpRows;
    __shared__ float warp_peak[kWarps][Q], warp_total[kWarps][Q];
    __shared__ float warp_out[kWarps][Q][kHammingMaxDim];
    extern __shared__ __align__(16) unsigned char staging[];  // the tensor-core path's rows (decode_staging_bytes)
    const int first_head = blockIdx.y * Q, kvh = first_head / s.group(), warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int list = s.shared ? kvh : first_head;
    const int begin = blockIdx.x * kHammingSegment, first = begin + warp * kWarpRows;
    const std::int32_t* warp_rows = selected + std::size_t(list) * s.capacity() + first;
    // The tensor-core path's list entries, a lane each, load alongside the list's length.
    const int entry = D > 0 && first + lane < s.capacity() ? warp_rows[lane] : 0;
    const int end = min(count[list], begin + kHammingSegment);
    const auto part_of = [&](int u) { return partial + (std::size_t(first_head + u) * gridDim.x + blockIdx.x) * (s.d + 2); };
    if (begin >= end) {  // an empty segment merges as nothing
        for (int u = 0; u < Q; ++u) {
            float* part = part_of(u);
            if (threadIdx.x == 0) part[0] = -INFINITY, part[1] = 0.f;
            for (int c = threadIdx.x; c < s.d; c += blockDim.x) part[2 + c] = 0.f;
        }
        return;
    }
    const int rows = max(0, min(end - first, kWarpRows));
    const __nv_bfloat16 *keys = k + std::size_t(kvh) * s.n * s.d, *values = v + std::size_t(kvh) * s.n * s.d;
    if constexpr (D > 0) {
        auto& staged = reinterpret_cast<StagedRows<D, kWarpRows / 16>*>(staging)[warp];
        stage_rows(keys, values, entry, rows, lane, staged);
        attend_staged_rows<Q, D>(q + std::size_t(first_head) * D, rsqrtf(float(D)), staged, rows, lane, warp_peak[warp],
                                 warp_total[warp], warp_out[warp]);
    } else {
        float qv[Q][4];
#pragma unroll
        for (int u = 0; u < Q; ++u) load4(q + std::size_t(first_head + u) * s.d, lane, s.d, qv[u]);
        RowSoftmax st[Q];  // a warp without rows keeps peak -inf: it weighs nothing below
        attend_rows(qv, rsqrtf(float(s.d)), keys, values, s.d, warp_rows, rows, lane, st);
#pragma unroll
        for (int u = 0; u < Q; ++u) {
            if (lane == 0) warp_peak[warp][u] = st[u].peak, warp_total[warp][u] = st[u].sum;
#pragma unroll
            for (int c = 0; c < 4; ++c)
                if (4 * lane + c < s.d) warp_out[warp][u][4 * lane + c] = st[u].acc[c];
        }
    }
    __syncthreads();
#pragma unroll
    for (int u = 0; u < Q; ++u) {
        float peak = -INFINITY;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) peak = fmaxf(peak, warp_peak[w][u]);  // finite: warp 0 has rows
        float weight[kWarps];
#pragma unroll
        for (int w = 0; w < kWarps; ++w) weight[w] = __expf(warp_peak[w][u] - peak);
        float* part = part_of(u);
        for (int c = threadIdx.x; c < s.d; c += blockDim.x) {
            float total = 0.f;
#pragma unroll
            for (int w = 0; w < kWarps; ++w) total = fmaf(weight[w], warp_out[w][u][c], total);
            part[2 + c] = total;
        }
        if (threadIdx.x == 0) {
            float sum = 0.f;
#pragma unroll
            for (int w = 0; w < kWarps; ++w) sum = fmaf(weight[w], warp_total[w][u], sum);
            part[0] = peak, part[1] = sum;
        }
    }
}

// One block per query head: warp w combines segments w, w + 32, ..., eight of them loading at
// once, each lane four of the dims; then the warps' sums are combined. With 32 warps a block's 258
// segments at n = 1M are two round trips to memory. (A thread per dim walking every segment in
// turn made ~2 x 258 dependent L2 round trips at n = 1M, on 32 SMs; 8 warps, 4 segments each in
// flight, 17.7 us there on the H100.)
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const float* __restrict__ partial, HammingDecodeShape s,
                                                              int segments, float* __restrict__ out) {
    constexpr int kWarps = kMergeThreads / 32, kInFlight = 8;
    using Reduce = cub::BlockReduce<float, kMergeThreads>;
    __shared__ typename Reduce::TempStorage temp;
    __shared__ float shared_peak, warp_total[kWarps], warp_out[kWarps][kHammingMaxDim];
    const int qh = blockIdx.x, warp = threadIdx.x / 32, lane = threadIdx.x % 32, stride = s.d + 2;
    const float* parts = partial + std::size_t(qh) * segments * stride;
    float peak = -INFINITY;
    for (int g = threadIdx.x; g < segments; g += blockDim.x) peak = fmaxf(peak, parts[std::size_t(g) * stride]);
    peak = Reduce(temp).Reduce(peak, [](float a, float b) { return fmaxf(a, b); });
    if (threadIdx.x == 0) shared_peak = peak;
    __syncthreads();
    peak = shared_peak;  // finite: segment 0 holds the list's first rows
    const bool has_dims = 4 * lane < s.d;  // d is a multiple of 4, and a segment's dims start 8 bytes in
    float total = 0.f, acc[4] = {0.f, 0.f, 0.f, 0.f};
    for (int first = warp; first < segments; first += kInFlight * kWarps) {
        float segment_peak[kInFlight], segment_sum[kInFlight], segment_out[kInFlight][4] = {};
#pragma unroll
        for (int u = 0; u < kInFlight; ++u) {
            const int g = first + u * kWarps;
            const float* part = parts + std::size_t(min(g, segments - 1)) * stride;  // past the end: weight 0
            segment_peak[u] = g < segments ? part[0] : -INFINITY;
            segment_sum[u] = part[1];
            if (has_dims) {
                const float2 lo = *reinterpret_cast<const float2*>(part + 2 + 4 * lane);
                const float2 hi = *reinterpret_cast<const float2*>(part + 4 + 4 * lane);
                segment_out[u][0] = lo.x, segment_out[u][1] = lo.y, segment_out[u][2] = hi.x, segment_out[u][3] = hi.y;
            }
        }
#pragma unroll
        for (int u = 0; u < kInFlight; ++u) {
            const float weight = expf(segment_peak[u] - peak);  // 0 for empty segments
            total = fmaf(weight, segment_sum[u], total);
#pragma unroll
            for (int c = 0; c < 4; ++c) acc[c] = fmaf(weight, segment_out[u][c], acc[c]);
        }
    }
    if (lane == 0) warp_total[warp] = total;
    if (has_dims)
#pragma unroll
        for (int c = 0; c < 4; ++c) warp_out[warp][4 * lane + c] = acc[c];
    __syncthreads();
    for (int c = threadIdx.x; c < s.d; c += blockDim.x) {
        float numerator = 0.f, denominator = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) numerator += warp_out[w][c], denominator += warp_total[w];
        out[std::size_t(qh) * s.d + c] = numerator / denominator;
    }
}

}  // namespace

void launch_sparse_decode(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, float* out,
                          const HammingDecodeShape& s, HammingDecodeWorkspace& w, cudaStream_t stream) {
    if (s.d > kHammingMaxDim || s.d % 4 != 0) throw GpuError("the GPU sparse decode takes head dimensions <= 128, multiples of 4");
    // Query heads per attention block: those of a shared selection's group, at most four.
    const int per_block = !s.shared ? 1 : s.group() % 4 == 0 ? 4 : s.group() % 2 == 0 ? 2 : 1;
    const dim3 grid(s.segments(), s.q_heads / per_block);
    const auto launch = [&](auto kernel, std::size_t shared) {
        check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                   "sparse_decode_kernel shared memory");
        kernel<<<grid, kDecodeThreads, shared, stream>>>(q, k, v, s, w.selected.get(), w.count.get(), w.partial.get());
    };
    const auto launch_for_dims = [&](auto heads) {
        constexpr int Q = decltype(heads)::value;
        if (s.d == 128) launch(sparse_decode_kernel<Q, 128>, decode_staging_bytes<128>);
        else if (s.d == 64) launch(sparse_decode_kernel<Q, 64>, decode_staging_bytes<64>);
        else launch(sparse_decode_kernel<Q, 0>, decode_staging_bytes<0>);
    };
    if (per_block == 4) launch_for_dims(std::integral_constant<int, 4>{});
    else if (per_block == 2) launch_for_dims(std::integral_constant<int, 2>{});
    else launch_for_dims(std::integral_constant<int, 1>{});
    check_launch("sparse_decode_kernel");
    merge_kernel<<<s.q_heads, kMergeThreads, 0, stream>>>(w.partial.get(), s, s.segments(), out);
    check_launch("merge_kernel");
}

}  // namespace hashscope::gpu
