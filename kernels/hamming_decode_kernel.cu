// Hamming top-k decode kernels: the selection in one cooperative launch (distances + histogram,
// grid barrier, threshold and ties per block, grid barrier, selection), then attention over the
// selected rows in segments of 128 and a merge of the segments (the split-K of flash decoding).
// Selection never sorts: the histogram over distances 0..bits gives the k-th distance T; positions
// nearer than T are all kept, and of those at exactly T the lowest positions are kept, ranked by a
// block scan plus the tie counts of the blocks before. One launch instead of six (two memsets and
// four kernels): at n = 128K the passes are short and the gaps between launches were most of it.
#include "kernels/hamming_decode_kernel.hpp"

#include <cooperative_groups.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <algorithm>

#include "kernels/warp_rows.cuh"

namespace hashscope::gpu {
namespace {

namespace cg = cooperative_groups;

constexpr int kSelectThreads = 256, kSelectWarps = kSelectThreads / 32, kBins = 65;
constexpr int kDecodeThreads = 128;

int segments(const HammingDecodeShape& s) { return (s.capacity() + kHammingSegment - 1) / kHammingSegment; }

// T = the smallest distance with at least k middle positions at or below it; take all positions
// below T and the first (k - below) at T. k >= the middle's size takes all of it (T past every
// distance); k = 0 takes none of it (T = -1).
__device__ void find_threshold(const std::uint32_t* __restrict__ histogram, const HammingDecodeShape& s, int& T, int& need) {
    const int middle = s.middle_end() - s.middle_begin();
    T = kBins, need = 0;
    if (s.k == 0) T = -1;
    if (s.k == 0 || s.k >= middle) return;
    unsigned below = 0;
    for (T = 0; T < kBins; ++T) {
        if (below + histogram[T] >= unsigned(s.k)) break;
        below += histogram[T];
    }
    need = s.k - int(below);
}

// Grid (blocks, q_heads), launched cooperatively: a head's positions are cut into tiles of
// kSelectThreads (consecutive threads, consecutive positions: coalesced loads, and a block scan
// over a tile runs in position order), and its blocks take contiguous runs of tiles.
__global__ void __launch_bounds__(kSelectThreads) select_kernel(const std::uint32_t* __restrict__ key_codes,
                                                               const std::uint32_t* __restrict__ query_codes,
                                                               HammingDecodeShape s, std::uint8_t* __restrict__ distance,
                                                               std::uint32_t* __restrict__ histogram,
                                                               std::uint32_t* __restrict__ ties,
                                                               std::int32_t* __restrict__ selected,
                                                               std::int32_t* __restrict__ count) {
    using Reduce = cub::BlockReduce<int, kSelectThreads>;
    using Scan = cub::BlockScan<int, kSelectThreads>;
    __shared__ typename Reduce::TempStorage reduce_temp;
    __shared__ typename Scan::TempStorage scan_temp;
    // A histogram per warp: distances crowd into a few bins, and one shared histogram serialised
    // the block's atomics on them.
    __shared__ std::uint32_t bins[kSelectWarps][kBins];
    __shared__ int shared_T, shared_need, shared_rank0;
    const cg::grid_group grid = cg::this_grid();
    const int qh = blockIdx.y, kvh = qh / (s.q_heads / s.kv_heads), warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int tiles = (s.n + kSelectThreads - 1) / kSelectThreads;
    const int first_tile = int((long long)tiles * blockIdx.x / gridDim.x);
    const int end_tile = int((long long)tiles * (blockIdx.x + 1) / gridDim.x);
    std::uint8_t* head_distance = distance + std::size_t(qh) * s.n;
    std::uint32_t* head_histogram = histogram + std::size_t(qh) * kBins;
    const auto in_middle = [&](int j) { return j >= s.middle_begin() && j < s.middle_end(); };

    // 1. Distances, and the head's histogram of its middle positions' distances.
    if (blockIdx.x == 0 && threadIdx.x == 0) count[qh] = 0;  // appended to only after two barriers
    for (int b = threadIdx.x; b < kSelectWarps * kBins; b += blockDim.x) bins[b / kBins][b % kBins] = 0;
    __syncthreads();
    const std::uint32_t* codes = key_codes + std::size_t(kvh) * s.n * s.words;
    const std::uint32_t q0 = query_codes[qh * s.words], q1 = s.words > 1 ? query_codes[qh * s.words + 1] : 0;
    for (int tile = first_tile; tile < end_tile; ++tile) {
        const int j = tile * kSelectThreads + threadIdx.x;
        if (j >= s.n) break;
        int dist = __popc(codes[std::size_t(j) * s.words] ^ q0);
        if (s.words > 1) dist += __popc(codes[std::size_t(j) * s.words + 1] ^ q1);
        head_distance[j] = std::uint8_t(dist);
        if (in_middle(j)) atomicAdd(&bins[warp][dist], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < kBins; b += blockDim.x) {
        std::uint32_t total = 0;
        for (int w = 0; w < kSelectWarps; ++w) total += bins[w][b];
        if (total) atomicAdd(&head_histogram[b], total);
    }
    grid.sync();

    // 2. The threshold (each block of the head finds the same), and this block's ties at it.
    if (threadIdx.x == 0) find_threshold(head_histogram, s, shared_T, shared_need);
    __syncthreads();
    const int T = shared_T, need = shared_need;
    int mine = 0;
    for (int tile = first_tile; tile < end_tile; ++tile) {
        const int j = tile * kSelectThreads + threadIdx.x;
        mine += j < s.n && in_middle(j) && head_distance[j] == T;
    }
    const int block_ties = Reduce(reduce_temp).Sum(mine);  // valid in thread 0
    if (threadIdx.x == 0) ties[std::size_t(qh) * gridDim.x + blockIdx.x] = block_ties;
    grid.sync();

    // 3. Every block has read the histogram: the head's first block zeroes it for the next call.
    // Then this block's selection in position order, its ties ranked after the blocks' before.
    if (blockIdx.x == 0)
        for (int b = threadIdx.x; b < kBins; b += blockDim.x) head_histogram[b] = 0;
    int earlier = 0;
    for (int b = threadIdx.x; b < int(blockIdx.x); b += blockDim.x) earlier += ties[std::size_t(qh) * gridDim.x + b];
    __syncthreads();  // reduce_temp is reused
    const int earlier_total = Reduce(reduce_temp).Sum(earlier);
    if (threadIdx.x == 0) shared_rank0 = earlier_total;
    __syncthreads();
    int rank0 = shared_rank0;
    const int capacity = s.capacity();
    for (int tile = first_tile; tile < end_tile; ++tile) {
        const int j = tile * kSelectThreads + threadIdx.x;
        const bool valid = j < s.n;
        const bool middle = valid && in_middle(j);
        const int dist = valid ? head_distance[j] : 255;
        const bool tie = middle && dist == T;
        int rank = 0, total = 0;
        Scan(scan_temp).ExclusiveSum(int(tie), rank, total);
        __syncthreads();  // scan_temp is reused next tile
        const bool keep = valid && (!middle || dist < T || (tie && rank0 + rank < need));
        // One atomic per warp for the warp's kept positions (a head's counter is shared by its blocks).
        const unsigned kept = __ballot_sync(0xffffffffu, keep);
        int base = 0;
        if (kept && lane == __ffs(kept) - 1) base = atomicAdd(&count[qh], __popc(kept));
        base = __shfl_sync(0xffffffffu, base, kept ? __ffs(kept) - 1 : 0);
        if (keep) selected[std::size_t(qh) * capacity + base + __popc(kept & ((1u << lane) - 1))] = j;
        rank0 += total;
    }
}

// Blocks per head of the cooperative selection: every block of the grid must be resident at once
// (the grid barriers wait for all of them), so the device's resident blocks shared among the heads,
// and never more than a head has tiles.
int selection_blocks(const HammingDecodeShape& s) {
    static const int resident = [] {
        int device = 0, sms = 0, per_sm = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
        check_cuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, select_kernel, kSelectThreads, 0),
                   "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
        return sms * per_sm;
    }();
    if (s.q_heads > resident)
        throw GpuError("the GPU Hamming decode selects for at most " + std::to_string(resident) + " query heads at once");
    const int tiles = (s.n + kSelectThreads - 1) / kSelectThreads;
    return std::max(1, std::min(resident / s.q_heads, tiles));
}

// One block per (segment of 128 selected rows, query head): each warp an online softmax over 32 of
// the rows (attend_rows: four rows' loads in flight), the four warps' maxima, sums and outputs then
// combined into the segment's partial, which merge_kernel combines across segments.
__global__ void __launch_bounds__(kDecodeThreads) sparse_decode_kernel(
    const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,
    HammingDecodeShape s, const std::int32_t* __restrict__ selected, const std::int32_t* __restrict__ count,
    float* __restrict__ partial) {
    constexpr int kWarps = kDecodeThreads / 32, kWarpRows = kHammingSegment / kWarps;
    __shared__ float warp_peak[kWarps], warp_total[kWarps];
    __shared__ float warp_out[kWarps][kHammingMaxDim];
    const int qh = blockIdx.y, kvh = qh / (s.q_heads / s.kv_heads), warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int begin = blockIdx.x * kHammingSegment, end = min(count[qh], begin + kHammingSegment);
    float* part = partial + (std::size_t(qh) * gridDim.x + blockIdx.x) * (s.d + 2);
    if (begin >= end) {  // an empty segment merges as nothing
        if (threadIdx.x == 0) part[0] = -INFINITY, part[1] = 0.f;
        for (int c = threadIdx.x; c < s.d; c += blockDim.x) part[2 + c] = 0.f;
        return;
    }
    float qv[4];
    load4(q + std::size_t(qh) * s.d, lane, s.d, qv);
    const int first = begin + warp * kWarpRows, rows = max(0, min(end - first, kWarpRows));
    RowSoftmax st;  // a warp without rows keeps peak -inf: it weighs nothing below
    attend_rows(qv, rsqrtf(float(s.d)), k + std::size_t(kvh) * s.n * s.d, v + std::size_t(kvh) * s.n * s.d, s.d,
                selected + std::size_t(qh) * s.capacity() + first, rows, lane, st);
    if (lane == 0) warp_peak[warp] = st.peak, warp_total[warp] = st.sum;
#pragma unroll
    for (int c = 0; c < 4; ++c)
        if (4 * lane + c < s.d) warp_out[warp][4 * lane + c] = st.acc[c];
    __syncthreads();
    float peak = -INFINITY;
    for (int w = 0; w < kWarps; ++w) peak = fmaxf(peak, warp_peak[w]);  // finite: warp 0 has rows
    float weight[kWarps];
    for (int w = 0; w < kWarps; ++w) weight[w] = __expf(warp_peak[w] - peak);
    for (int c = threadIdx.x; c < s.d; c += blockDim.x) {
        float total = 0.f;
        for (int w = 0; w < kWarps; ++w) total = fmaf(weight[w], warp_out[w][c], total);
        part[2 + c] = total;
    }
    if (threadIdx.x == 0) {
        float sum = 0.f;
        for (int w = 0; w < kWarps; ++w) sum = fmaf(weight[w], warp_total[w], sum);
        part[0] = peak, part[1] = sum;
    }
}

__global__ void merge_kernel(const float* __restrict__ partial, HammingDecodeShape s, int segments, float* __restrict__ out) {
    const int qh = blockIdx.x;
    const float* parts = partial + std::size_t(qh) * segments * (s.d + 2);
    float peak = -INFINITY;
    for (int g = 0; g < segments; ++g) peak = fmaxf(peak, parts[g * (s.d + 2)]);
    for (int c = threadIdx.x; c < s.d; c += blockDim.x) {
        float sum = 0.f, acc = 0.f;
        for (int g = 0; g < segments; ++g) {
            const float w = expf(parts[g * (s.d + 2)] - peak);  // 0 for empty segments
            sum = fmaf(w, parts[g * (s.d + 2) + 1], sum);
            acc = fmaf(w, parts[g * (s.d + 2) + 2 + c], acc);
        }
        out[std::size_t(qh) * s.d + c] = acc / sum;
    }
}

}  // namespace

HammingDecodeWorkspace::HammingDecodeWorkspace(const HammingDecodeShape& s)
    : blocks_per_head(s.n > 0 ? selection_blocks(s) : 1), distance(std::size_t(s.q_heads) * s.n),
      histogram(std::size_t(s.q_heads) * kBins), ties(std::size_t(s.q_heads) * blocks_per_head),
      selected(std::size_t(s.q_heads) * s.capacity()), count(std::size_t(s.q_heads)),
      partial(std::size_t(s.q_heads) * segments(s) * (s.d + 2)) {
    // Zero once here; each selection leaves it zero again (its last phase clears what it counted).
    check_cuda(cudaMemset(histogram.get(), 0, histogram.size() * sizeof(std::uint32_t)), "memset");
}

void launch_hamming_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes, const HammingDecodeShape& s,
                           HammingDecodeWorkspace& w, cudaStream_t stream) {
    if (s.words < 1 || s.words > 2) throw GpuError("the GPU Hamming kernel takes 32- or 64-bit codes");
    if (s.kv_heads < 1 || s.q_heads % s.kv_heads != 0) throw GpuError("query heads must be a multiple of KV heads");
    HammingDecodeShape shape = s;
    std::uint8_t* distance = w.distance.get();
    std::uint32_t *histogram = w.histogram.get(), *ties = w.ties.get();
    std::int32_t *selected = w.selected.get(), *count = w.count.get();
    void* args[] = {&key_codes, &query_codes, &shape, &distance, &histogram, &ties, &selected, &count};
    check_cuda(cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(select_kernel), dim3(w.blocks_per_head, s.q_heads),
                                           dim3(kSelectThreads), args, 0, stream),
               "select_kernel (cooperative launch)");
}

void launch_sparse_decode(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, float* out,
                          const HammingDecodeShape& s, HammingDecodeWorkspace& w, cudaStream_t stream) {
    if (s.d > kHammingMaxDim || s.d % 4 != 0) throw GpuError("the GPU sparse decode takes head dimensions <= 128, multiples of 4");
    sparse_decode_kernel<<<dim3(segments(s), s.q_heads), kDecodeThreads, 0, stream>>>(q, k, v, s, w.selected.get(),
                                                                                    w.count.get(), w.partial.get());
    check_launch("sparse_decode_kernel");
    merge_kernel<<<s.q_heads, kDecodeThreads, 0, stream>>>(w.partial.get(), s, segments(s), out);
    check_launch("merge_kernel");
}

}  // namespace hashscope::gpu
