// Hamming top-k decode kernels: the selection in one cooperative launch (distances + histogram,
// grid barrier, threshold and ties per block, grid barrier, selection), then attention over the
// selected rows in segments of 128 and a merge of the segments (the split-K of flash decoding).
// Selection never sorts: the histogram over distances 0..bits gives the k-th distance T; positions
// nearer than T are all kept, and of those at exactly T the lowest positions are kept, ranked by a
// block scan plus the tie counts of the blocks before. One launch instead of six (two memsets and
// four kernels): at n = 128K the passes are short and the gaps between launches were most of it.
// A shared selection (one per KV head, summed distances) runs the same kernel over wider distance
// bins, and its attention blocks serve up to four query heads of the group per row gathered.
#include "kernels/hamming_decode_kernel.hpp"

#include <cooperative_groups.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <algorithm>
#include <type_traits>

#include "kernels/warp_rows.cuh"

namespace hashscope::gpu {
namespace {

namespace cg = cooperative_groups;

constexpr int kSelectThreads = 256, kSelectWarps = kSelectThreads / 32;
constexpr int kDecodeThreads = 128;
constexpr int kMaxQueryWords = kHammingMaxDistance / 32;  // a shared selection's query codes

// A distance is stored in a byte while it fits (every selection's distances are written once and
// read twice), else in two. Bins: 65 for one head's 32- or 64-bit codes, 256 for a group's sums up
// to 255 (4 heads x 32 bits), kHammingMaxDistance + 1 past that.
template <int Bins>
using Distance = std::conditional_t<(Bins <= 256), std::uint8_t, std::uint16_t>;

// Calls f(std::integral_constant<int, Bins>) with the fewest bins that hold the shape's distances.
template <class F>
decltype(auto) with_bins(const HammingDecodeShape& s, F&& f) {
    if (s.max_distance() <= 64) return f(std::integral_constant<int, 65>{});
    if (s.max_distance() <= 255) return f(std::integral_constant<int, 256>{});
    return f(std::integral_constant<int, kHammingMaxDistance + 1>{});
}

int segments(const HammingDecodeShape& s) { return (s.capacity() + kHammingSegment - 1) / kHammingSegment; }

// T = the smallest distance with at least k middle positions at or below it; take all positions
// below T and the first (k - below) at T. k >= the middle's size takes all of it (T past every
// distance); k = 0 takes none of it (T = -1). Found by the whole block: thread t holds bins
// [t P, t P + P), a block scan gives it the count below them, and the one bin where the count
// crosses k is T (a serial walk cost one memory latency per bin: ~50 for a group's summed distances).
template <int Bins, class Scan>
__device__ void find_threshold(const std::uint32_t* __restrict__ histogram, const HammingDecodeShape& s,
                               typename Scan::TempStorage& temp, int& T, int& need) {
    constexpr int kPerThread = (Bins + kSelectThreads - 1) / kSelectThreads;
    const int middle = s.middle_end() - s.middle_begin();
    if (s.k == 0 || s.k >= middle) {  // the same for every thread
        if (threadIdx.x == 0) T = s.k == 0 ? -1 : Bins, need = 0;
        return;
    }
    int count[kPerThread], total = 0;
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
        const int b = threadIdx.x * kPerThread + i;
        count[i] = b < Bins ? int(histogram[b]) : 0;
        total += count[i];
    }
    int below = 0;
    Scan(temp).ExclusiveSum(total, below);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
        if (below < s.k && below + count[i] >= s.k) T = threadIdx.x * kPerThread + i, need = s.k - below;
        below += count[i];
    }
}

// Grid (blocks, selections), launched cooperatively: a selection's positions are cut into tiles
// of kSelectThreads (consecutive threads, consecutive positions: coalesced loads, and a block scan
// over a tile runs in position order), and its blocks take contiguous runs of tiles. Selection
// `sh` is query head sh's, or when shared the summed distances of KV head sh's group.
template <int Bins>
__global__ void __launch_bounds__(kSelectThreads) select_kernel(const std::uint32_t* __restrict__ key_codes,
                                                               const std::uint32_t* __restrict__ query_codes,
                                                               HammingDecodeShape s, Distance<Bins>* __restrict__ distance,
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
    __shared__ std::uint32_t bins[kSelectWarps][Bins];
    __shared__ std::uint32_t query[kMaxQueryWords];
    __shared__ int shared_T, shared_need, shared_rank0;
    const cg::grid_group grid = cg::this_grid();
    const int sh = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int kvh = s.shared ? sh : sh / s.group(), heads = s.shared ? s.group() : 1;
    const int tiles = (s.n + kSelectThreads - 1) / kSelectThreads;
    const int first_tile = int((long long)tiles * blockIdx.x / gridDim.x);
    const int end_tile = int((long long)tiles * (blockIdx.x + 1) / gridDim.x);
    Distance<Bins>* head_distance = distance + std::size_t(sh) * s.n;
    std::uint32_t* head_histogram = histogram + std::size_t(sh) * Bins;
    const auto in_middle = [&](int j) { return j >= s.middle_begin() && j < s.middle_end(); };

    // 1. Distances, and the selection's histogram of its middle positions' distances.
    if (blockIdx.x == 0 && threadIdx.x == 0) count[sh] = 0;  // appended to only after two barriers
    for (int b = threadIdx.x; b < kSelectWarps * Bins; b += blockDim.x) bins[b / Bins][b % Bins] = 0;
    for (int w = threadIdx.x; w < heads * s.words; w += blockDim.x) query[w] = query_codes[std::size_t(sh) * heads * s.words + w];
    __syncthreads();
    const std::uint32_t* codes = key_codes + std::size_t(kvh) * s.n * s.words;
    for (int tile = first_tile; tile < end_tile; ++tile) {
        const int j = tile * kSelectThreads + threadIdx.x;
        if (j >= s.n) break;
        const std::uint32_t c0 = codes[std::size_t(j) * s.words], c1 = s.words > 1 ? codes[std::size_t(j) * s.words + 1] : 0;
        int dist = 0;
        for (int h = 0; h < heads; ++h) {
            dist += __popc(c0 ^ query[h * s.words]);
            if (s.words > 1) dist += __popc(c1 ^ query[h * s.words + 1]);
        }
        head_distance[j] = Distance<Bins>(dist);
        if (in_middle(j)) atomicAdd(&bins[warp][dist], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < Bins; b += blockDim.x) {
        std::uint32_t total = 0;
        for (int w = 0; w < kSelectWarps; ++w) total += bins[w][b];
        if (total) atomicAdd(&head_histogram[b], total);
    }
    grid.sync();

    // 2. The threshold (each block of the selection finds the same), and this block's ties at it.
    find_threshold<Bins, Scan>(head_histogram, s, scan_temp, shared_T, shared_need);
    __syncthreads();
    const int T = shared_T, need = shared_need;
    int mine = 0;
    for (int tile = first_tile; tile < end_tile; ++tile) {
        const int j = tile * kSelectThreads + threadIdx.x;
        mine += j < s.n && in_middle(j) && head_distance[j] == T;
    }
    const int block_ties = Reduce(reduce_temp).Sum(mine);  // valid in thread 0
    if (threadIdx.x == 0) ties[std::size_t(sh) * gridDim.x + blockIdx.x] = block_ties;
    grid.sync();

    // 3. Every block has read the histogram: the selection's first block zeroes it for the next
    // call. Then this block's selection in position order, its ties ranked after the blocks' before.
    if (blockIdx.x == 0)
        for (int b = threadIdx.x; b < Bins; b += blockDim.x) head_histogram[b] = 0;
    int earlier = 0;
    for (int b = threadIdx.x; b < int(blockIdx.x); b += blockDim.x) earlier += ties[std::size_t(sh) * gridDim.x + b];
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
        // One atomic per warp for the warp's kept positions (a selection's counter is shared by its blocks).
        const unsigned kept = __ballot_sync(0xffffffffu, keep);
        int base = 0;
        if (kept && lane == __ffs(kept) - 1) base = atomicAdd(&count[sh], __popc(kept));
        base = __shfl_sync(0xffffffffu, base, kept ? __ffs(kept) - 1 : 0);
        if (keep) selected[std::size_t(sh) * capacity + base + __popc(kept & ((1u << lane) - 1))] = j;
        rank0 += total;
    }
}

// Blocks per selection of the cooperative launch: every block of the grid must be resident at
// once (the grid barriers wait for all of them), so the device's resident blocks shared among the
// selections, and never more than a selection has tiles.
template <int Bins>
int selection_blocks(const HammingDecodeShape& s) {
    static const int resident = [] {
        int device = 0, sms = 0, per_sm = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
        check_cuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, select_kernel<Bins>, kSelectThreads, 0),
                   "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
        return sms * per_sm;
    }();
    if (s.selections() > resident)
        throw GpuError("the GPU Hamming decode makes at most " + std::to_string(resident) + " selections at once");
    const int tiles = (s.n + kSelectThreads - 1) / kSelectThreads;
    return std::max(1, std::min(resident / s.selections(), tiles));
}

// What the selection kernels take; GpuError otherwise, so callers run the CPU twin.
const HammingDecodeShape& checked(const HammingDecodeShape& s) {
    if (s.words < 1 || s.words > 2) throw GpuError("the GPU Hamming kernel takes 32- or 64-bit codes");
    if (s.kv_heads < 1 || s.q_heads % s.kv_heads != 0) throw GpuError("query heads must be a multiple of KV heads");
    if (s.shared && s.max_distance() > kHammingMaxDistance)
        throw GpuError("the GPU shared Hamming selection sums at most " + std::to_string(kHammingMaxDistance) + " bits (" +
                       std::to_string(s.group()) + " heads x " + std::to_string(32 * s.words) + " bits asked)");
    return s;
}

// One block per (segment of 128 selected rows, Q query heads reading the same selection: one
// head, or Q of a shared selection's group): each warp an online softmax of the Q queries over 32
// of the rows (attend_rows: four rows' loads in flight, each serving the Q queries), then per query
// the four warps' maxima, sums and outputs combined into the segment's partial, which merge_kernel
// combines across segments.
template <int Q>
__global__ void __launch_bounds__(kDecodeThreads) sparse_decode_kernel(
    const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,
    HammingDecodeShape s, const std::int32_t* __restrict__ selected, const std::int32_t* __restrict__ count,
    float* __restrict__ partial) {
    constexpr int kWarps = kDecodeThreads / 32, kWarpRows = kHammingSegment / kWarps;
    __shared__ float warp_peak[kWarps][Q], warp_total[kWarps][Q];
    __shared__ float warp_out[kWarps][Q][kHammingMaxDim];
    const int first_head = blockIdx.y * Q, kvh = first_head / s.group(), warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int list = s.shared ? kvh : first_head;
    const int begin = blockIdx.x * kHammingSegment, end = min(count[list], begin + kHammingSegment);
    const auto part_of = [&](int u) { return partial + (std::size_t(first_head + u) * gridDim.x + blockIdx.x) * (s.d + 2); };
    if (begin >= end) {  // an empty segment merges as nothing
        for (int u = 0; u < Q; ++u) {
            float* part = part_of(u);
            if (threadIdx.x == 0) part[0] = -INFINITY, part[1] = 0.f;
            for (int c = threadIdx.x; c < s.d; c += blockDim.x) part[2 + c] = 0.f;
        }
        return;
    }
    float qv[Q][4];
#pragma unroll
    for (int u = 0; u < Q; ++u) load4(q + std::size_t(first_head + u) * s.d, lane, s.d, qv[u]);
    const int first = begin + warp * kWarpRows, rows = max(0, min(end - first, kWarpRows));
    RowSoftmax st[Q];  // a warp without rows keeps peak -inf: it weighs nothing below
    attend_rows(qv, rsqrtf(float(s.d)), k + std::size_t(kvh) * s.n * s.d, v + std::size_t(kvh) * s.n * s.d, s.d,
                selected + std::size_t(list) * s.capacity() + first, rows, lane, st);
#pragma unroll
    for (int u = 0; u < Q; ++u) {
        if (lane == 0) warp_peak[warp][u] = st[u].peak, warp_total[warp][u] = st[u].sum;
#pragma unroll
        for (int c = 0; c < 4; ++c)
            if (4 * lane + c < s.d) warp_out[warp][u][4 * lane + c] = st[u].acc[c];
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
    : blocks_per_head(s.n == 0 ? 1 : with_bins(checked(s), [&](auto bins) { return selection_blocks<bins()>(s); })),
      distance(std::size_t(s.selections()) * s.n * with_bins(s, [](auto bins) { return sizeof(Distance<bins()>); })),
      histogram(std::size_t(s.selections()) * with_bins(s, [](auto bins) { return std::size_t(bins()); })),
      ties(std::size_t(s.selections()) * blocks_per_head), selected(std::size_t(s.selections()) * s.capacity()),
      count(std::size_t(s.selections())), partial(std::size_t(s.q_heads) * segments(s) * (s.d + 2)) {
    // Zero once here; each selection leaves it zero again (its last phase clears what it counted).
    check_cuda(cudaMemset(histogram.get(), 0, histogram.size() * sizeof(std::uint32_t)), "memset");
}

void launch_hamming_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes, const HammingDecodeShape& s,
                           HammingDecodeWorkspace& w, cudaStream_t stream) {
    HammingDecodeShape shape = checked(s);
    std::uint8_t* distance = w.distance.get();
    std::uint32_t *histogram = w.histogram.get(), *ties = w.ties.get();
    std::int32_t *selected = w.selected.get(), *count = w.count.get();
    void* args[] = {&key_codes, &query_codes, &shape, &distance, &histogram, &ties, &selected, &count};
    const void* kernel = with_bins(s, [](auto bins) { return reinterpret_cast<const void*>(select_kernel<bins()>); });
    check_cuda(cudaLaunchCooperativeKernel(kernel, dim3(w.blocks_per_head, s.selections()), dim3(kSelectThreads), args, 0, stream),
               "select_kernel (cooperative launch)");
}

void launch_sparse_decode(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, float* out,
                          const HammingDecodeShape& s, HammingDecodeWorkspace& w, cudaStream_t stream) {
    if (s.d > kHammingMaxDim || s.d % 4 != 0) throw GpuError("the GPU sparse decode takes head dimensions <= 128, multiples of 4");
    // Query heads per attention block: those of a shared selection's group, at most four.
    const int per_block = !s.shared ? 1 : s.group() % 4 == 0 ? 4 : s.group() % 2 == 0 ? 2 : 1;
    const dim3 grid(segments(s), s.q_heads / per_block);
    const auto launch = [&](auto kernel) {
        kernel<<<grid, kDecodeThreads, 0, stream>>>(q, k, v, s, w.selected.get(), w.count.get(), w.partial.get());
    };
    if (per_block == 4) launch(sparse_decode_kernel<4>);
    else if (per_block == 2) launch(sparse_decode_kernel<2>);
    else launch(sparse_decode_kernel<1>);
    check_launch("sparse_decode_kernel");
    merge_kernel<<<s.q_heads, kDecodeThreads, 0, stream>>>(w.partial.get(), s, segments(s), out);
    check_launch("merge_kernel");
}

}  // namespace hashscope::gpu
