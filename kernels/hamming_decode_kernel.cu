// Hamming top-k decode kernels: the selection in one cooperative launch (distances + histograms,
// grid barrier, threshold and the selection in position order), then attention over the
// selected rows in segments of 128 and a merge of the segments (the split-K of flash decoding).
// Selection never sorts: the histogram over distances 0..bits gives the k-th distance T; positions
// nearer than T are all kept, and of those at exactly T the lowest positions are kept, ranked by a
// scan plus the tie counts of the blocks before (read off their histograms). One launch instead
// of six (two memsets and four kernels): at n = 128K the passes are short and the gaps between
// launches were most of it.
// A shared selection (one per KV head, summed distances) runs the same kernel over wider distance
// bins, and its attention blocks serve up to four query heads of the group per row gathered.
#include "kernels/hamming_decode_kernel.hpp"

#include <cooperative_groups.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <algorithm>
#include <type_traits>

#include "kernels/decode_rows_mma.cuh"
#include "kernels/warp_rows.cuh"

namespace hashscope::gpu {
namespace {

namespace cg = cooperative_groups;

constexpr int kSelectThreads = 256, kSelectWarps = kSelectThreads / 32;
constexpr int kSelectItems = 8, kSelectTile = kSelectItems * kSelectThreads;  // positions per thread, per tile
constexpr int kDecodeThreads = 128, kMergeThreads = 256;
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

// Bins 0..Bins-1 over the block, thread t holding kPerThread consecutive ones (a serial walk cost
// one memory latency per bin: ~50 for a group's summed distances): visit(b, count of b, count of
// all bins before b), with count(b) read once.
template <int Bins, class Scan, class Count, class Visit>
__device__ void scan_bins(typename Scan::TempStorage& temp, Count count_of, Visit visit) {
    constexpr int kPerThread = (Bins + kSelectThreads - 1) / kSelectThreads;
    int count[kPerThread], total = 0;
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
        const int b = int(threadIdx.x) * kPerThread + i;
        count[i] = b < Bins ? count_of(b) : 0;
        total += count[i];
    }
    int before = 0;
    Scan(temp).ExclusiveSum(total, before);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
        const int b = int(threadIdx.x) * kPerThread + i;
        if (b < Bins) visit(b, count[i], before);
        before += count[i];
    }
}

// T = the smallest distance with at least k middle positions at or below it; take all positions
// below T and the first (k - below) at T. k >= the middle's size takes all of it (T past every
// distance); k = 0 takes none of it (T = -1).
template <int Bins, class Scan>
__device__ void find_threshold(const std::uint32_t* __restrict__ histogram, const HammingDecodeShape& s,
                               typename Scan::TempStorage& temp, int& T, int& need) {
    const int middle = s.middle_end() - s.middle_begin();
    if (s.k == 0 || s.k >= middle) {  // the same for every thread
        if (threadIdx.x == 0) T = s.k == 0 ? -1 : Bins, need = 0;
        return;
    }
    scan_bins<Bins, Scan>(
        temp, [&](int b) { return int(histogram[b]); },
        [&](int b, int here, int before) {
            if (before < s.k && before + here >= s.k) T = b, need = s.k - before;
        });
}

// Grid (blocks, selections), launched cooperatively. A selection's positions are cut into tiles of
// kSelectTile, a thread taking kSelectItems positions kSelectThreads apart (each load instruction
// of a warp reads consecutive codes, and a thread has kSelectItems loads in flight), and its
// blocks take contiguous runs of tiles. Selection `sh` is query head sh's, or when shared the
// summed distances of KV head sh's group.
//
// 1. Distances (stored) and histograms: the selection's (atomics into `histogram`, which T comes
//    from) and the block's own, stored cumulative in `block_histogram`.
// -- grid barrier --
// 2. T and need from the selection's histogram. From the blocks' cumulative histograms alone, a
//    block knows how many positions every block before it keeps that are not ties at T (those
//    outside the middle and those nearer than T) and how many ties at T they hold. Its ties rank
//    after theirs, and with them its kept positions' place in the list: the list is in position
//    order and every position's place is computed, so no counter is shared. Its last block to
//    read the histogram zeroes it for the next call.
// (The first version counted ties in a second pass behind a second barrier and appended kept
// positions through one atomic counter per selection: 0.172 ms at 1M, shared, for 32 MB of codes.)
template <int Bins>
__global__ void __launch_bounds__(kSelectThreads) select_kernel(const std::uint32_t* __restrict__ key_codes,
                                                               const std::uint32_t* __restrict__ query_codes,
                                                               HammingDecodeShape s, Distance<Bins>* __restrict__ distance,
                                                               std::uint32_t* __restrict__ histogram,
                                                               std::uint32_t* __restrict__ block_histogram,
                                                               std::uint32_t* __restrict__ arrivals,
                                                               std::int32_t* __restrict__ selected,
                                                               std::int32_t* __restrict__ count) {
    using Scan = cub::BlockScan<int, kSelectThreads>;
    using Reduce = cub::BlockReduce<int, kSelectThreads>;
    __shared__ typename Scan::TempStorage scan_temp;
    __shared__ typename Reduce::TempStorage reduce_temp;
    // A histogram per warp: distances crowd into a few bins, and one shared histogram serialised
    // the block's atomics on them.
    __shared__ std::uint32_t bins[kSelectWarps][Bins];
    __shared__ std::uint32_t query[kMaxQueryWords];
    // Per tile, each warp's counts of kept non-ties (low 16 bits) and ties (high 16) per item row,
    // double-buffered so that one barrier per tile suffices.
    __shared__ std::uint32_t tile_counts[2][kSelectItems * kSelectWarps];
    __shared__ int shared_T, shared_need, shared_nontie, shared_ties;
    __shared__ bool shared_last;
    const cg::grid_group grid = cg::this_grid();
    const int sh = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int kvh = s.shared ? sh : sh / s.group(), heads = s.shared ? s.group() : 1;
    const int tiles = (s.n + kSelectTile - 1) / kSelectTile;
    const auto first_tile = [&](int block) { return int((long long)tiles * block / gridDim.x); };
    const int tile_begin = first_tile(blockIdx.x), tile_end = first_tile(blockIdx.x + 1);
    Distance<Bins>* head_distance = distance + std::size_t(sh) * s.n;
    std::uint32_t* head_histogram = histogram + std::size_t(sh) * Bins;
    std::uint32_t* cumulative = block_histogram + std::size_t(sh) * gridDim.x * Bins;
    const auto in_middle = [&](int j) { return j >= s.middle_begin() && j < s.middle_end(); };
    const auto position = [&](int tile, int item) { return tile * kSelectTile + item * kSelectThreads + int(threadIdx.x); };

    // 1. Distances and histograms.
    for (int b = threadIdx.x; b < kSelectWarps * Bins; b += blockDim.x) bins[b / Bins][b % Bins] = 0;
    for (int w = threadIdx.x; w < heads * s.words; w += blockDim.x) query[w] = query_codes[std::size_t(sh) * heads * s.words + w];
    __syncthreads();
    const std::uint32_t* codes = key_codes + std::size_t(kvh) * s.n * s.words;
    const auto distance_of = [&](std::uint32_t c0, std::uint32_t c1) {
        int dist = 0;
        for (int h = 0; h < heads; ++h) {
            dist += __popc(c0 ^ query[h * s.words]);
            if (s.words > 1) dist += __popc(c1 ^ query[h * s.words + 1]);
        }
        return dist;
    };
    const auto histogram_add = [&](int j, int dist) {
        if (in_middle(j)) atomicAdd(&bins[warp][dist], 1u);
    };
    if (s.words == 1 && s.n % 4 == 0) {
        // Four codes per 16-byte load (the block's positions start at a multiple of kSelectTile, the
        // KV head's codes at a multiple of 4), their distances stored in one 4- or 8-byte store:
        // four times the bytes in flight of a code per load.
        const int range_begin = tile_begin * kSelectTile, range_end = min(tile_end * kSelectTile, s.n);
        for (int base = range_begin; base < range_end; base += 4 * kSelectTile) {
            uint4 c[kSelectItems];
#pragma unroll
            for (int i = 0; i < kSelectItems; ++i) {
                const int j = base + 4 * (i * kSelectThreads + int(threadIdx.x));
                c[i] = j < range_end ? *reinterpret_cast<const uint4*>(codes + j) : make_uint4(0u, 0u, 0u, 0u);
            }
#pragma unroll
            for (int i = 0; i < kSelectItems; ++i) {
                const int j = base + 4 * (i * kSelectThreads + int(threadIdx.x));
                if (j >= range_end) break;
                const int dist[4] = {distance_of(c[i].x, 0u), distance_of(c[i].y, 0u), distance_of(c[i].z, 0u),
                                     distance_of(c[i].w, 0u)};
#pragma unroll
                for (int e = 0; e < 4; ++e) histogram_add(j + e, dist[e]);
                if constexpr (sizeof(Distance<Bins>) == 1)
                    *reinterpret_cast<std::uint32_t*>(head_distance + j) =
                        std::uint32_t(dist[0] | dist[1] << 8 | dist[2] << 16 | dist[3] << 24);
                else
                    *reinterpret_cast<uint2*>(head_distance + j) =
                        make_uint2(std::uint32_t(dist[0] | dist[1] << 16), std::uint32_t(dist[2] | dist[3] << 16));
            }
        }
    } else {
        for (int tile = tile_begin; tile < tile_end; ++tile) {
            std::uint32_t c0[kSelectItems], c1[kSelectItems];
#pragma unroll
            for (int i = 0; i < kSelectItems; ++i) {
                const int j = position(tile, i);
                c0[i] = j < s.n ? codes[std::size_t(j) * s.words] : 0;
                c1[i] = j < s.n && s.words > 1 ? codes[std::size_t(j) * s.words + 1] : 0;
            }
#pragma unroll
            for (int i = 0; i < kSelectItems; ++i) {
                const int j = position(tile, i);
                if (j >= s.n) break;
                const int dist = distance_of(c0[i], c1[i]);
                head_distance[j] = Distance<Bins>(dist);
                histogram_add(j, dist);
            }
        }
    }
    __syncthreads();
    std::uint32_t* block_cumulative = cumulative + std::size_t(blockIdx.x) * Bins;
    scan_bins<Bins, Scan>(
        scan_temp,
        [&](int b) {
            int total = 0;
            for (int w = 0; w < kSelectWarps; ++w) total += int(bins[w][b]);
            return total;
        },
        [&](int b, int here, int before) {
            block_cumulative[b] = std::uint32_t(before + here);
            if (here) atomicAdd(&head_histogram[b], std::uint32_t(here));
        });
    grid.sync();

    // 2. The threshold (each block of the selection finds the same); then the last of the
    // selection's blocks to have read the histogram zeroes it.
    find_threshold<Bins, Scan>(head_histogram, s, scan_temp, shared_T, shared_need);
    __syncthreads();
    const int T = shared_T, need = shared_need;
    if (threadIdx.x == 0) {
        __threadfence();  // this block's reads of the histogram come before its arrival
        shared_last = atomicAdd(&arrivals[sh], 1u) == gridDim.x - 1;
    }
    __syncthreads();
    if (shared_last) {
        for (int b = threadIdx.x; b < Bins; b += blockDim.x) head_histogram[b] = 0;
        if (threadIdx.x == 0) arrivals[sh] = 0;
    }

    // Block b's kept non-ties and its ties at T, from its cumulative histogram.
    const auto block_counts = [&](int b, int& nontie, int& ties) {
        const int begin = first_tile(b) * kSelectTile, end = min(first_tile(b + 1) * kSelectTile, s.n);
        const int middle = max(0, min(end, s.middle_end()) - max(begin, s.middle_begin()));
        const std::uint32_t* c = cumulative + std::size_t(b) * Bins;
        const int below = T >= 1 ? int(c[min(T, Bins) - 1]) : 0;
        nontie = max(0, end - begin) - middle + below;
        ties = T >= 0 && T < Bins ? int(c[T]) - below : 0;
    };
    int earlier_nontie = 0, earlier_ties = 0;
    for (int b = threadIdx.x; b < int(blockIdx.x); b += blockDim.x) {
        int nontie, ties;
        block_counts(b, nontie, ties);
        earlier_nontie += nontie, earlier_ties += ties;
    }
    earlier_nontie = Reduce(reduce_temp).Sum(earlier_nontie);  // valid in thread 0
    __syncthreads();  // reduce_temp is reused
    earlier_ties = Reduce(reduce_temp).Sum(earlier_ties);
    if (threadIdx.x == 0) {
        shared_nontie = earlier_nontie, shared_ties = earlier_ties;
        if (blockIdx.x == gridDim.x - 1) {  // the list's length: everything up to and including this block
            int nontie, ties;
            block_counts(blockIdx.x, nontie, ties);
            count[sh] = earlier_nontie + nontie + min(earlier_ties + ties, need);
        }
    }
    __syncthreads();

    // This block's kept positions in position order. A position's place in the list: the kept
    // non-ties before it, plus the ties before it that are kept (the first `need` of the selection).
    int nontie_before = shared_nontie, ties_before = shared_ties;
    int* list = selected + std::size_t(sh) * s.capacity();
    const unsigned lanes_below = (1u << lane) - 1;
    for (int tile = tile_begin; tile < tile_end; ++tile) {
        unsigned nontie_mask[kSelectItems], tie_mask[kSelectItems];
        std::uint32_t* counts = tile_counts[tile & 1];
#pragma unroll
        for (int i = 0; i < kSelectItems; ++i) {
            const int j = position(tile, i);
            const bool valid = j < s.n, middle = valid && in_middle(j);
            const int dist = valid ? int(head_distance[j]) : 0;
            nontie_mask[i] = __ballot_sync(0xffffffffu, valid && (!middle || dist < T));
            tie_mask[i] = __ballot_sync(0xffffffffu, middle && dist == T);
            if (lane == 0) counts[i * kSelectWarps + warp] = __popc(nontie_mask[i]) | __popc(tie_mask[i]) << 16;
        }
        __syncthreads();
        // Every warp scans the tile's (item, warp) counts, in position order: lane l holds entries 2l, 2l + 1.
        static_assert(kSelectItems * kSelectWarps == 64, "two tile counts per lane");
        static_assert(kSelectTile < 65536, "a tile's counts fit 16 bits");
        const std::uint32_t even = counts[2 * lane], odd = counts[2 * lane + 1];
        std::uint32_t inclusive = even + odd;
        for (int o = 1; o < 32; o *= 2) {
            const std::uint32_t up = __shfl_up_sync(0xffffffffu, inclusive, o);
            if (lane >= o) inclusive += up;
        }
        const std::uint32_t exclusive = inclusive - even - odd, tile_total = __shfl_sync(0xffffffffu, inclusive, 31);
#pragma unroll
        for (int i = 0; i < kSelectItems; ++i) {
            const int entry = i * kSelectWarps + warp;
            const std::uint32_t entry_exclusive = __shfl_sync(0xffffffffu, exclusive, entry / 2);
            const std::uint32_t entry_even = __shfl_sync(0xffffffffu, even, entry / 2);
            const std::uint32_t before = entry_exclusive + (entry % 2 ? entry_even : 0);
            const int nontie_rank = nontie_before + int(before & 0xffffu) + __popc(nontie_mask[i] & lanes_below);
            const int tie_rank = ties_before + int(before >> 16) + __popc(tie_mask[i] & lanes_below);
            const bool nontie = nontie_mask[i] >> lane & 1u, tie = tie_mask[i] >> lane & 1u;
            if (nontie || (tie && tie_rank < need)) list[nontie_rank + min(tie_rank, need)] = position(tile, i);
        }
        nontie_before += int(tile_total & 0xffffu), ties_before += int(tile_total >> 16);
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
    const int tiles = (s.n + kSelectTile - 1) / kSelectTile;
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
// of the rows, on tensor cores for head dims D = 64 and 128 (attend_rows_mma), else on FMAs
// (D = 0: attend_rows, each row loaded serving the Q queries); then per query the four warps'
// maxima, sums and outputs combined into the segment's partial, which merge_kernel combines
// across segments.
template <int Q, int D>
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
    const int first = begin + warp * kWarpRows, rows = max(0, min(end - first, kWarpRows));
    const std::int32_t* warp_rows = selected + std::size_t(list) * s.capacity() + first;
    const __nv_bfloat16 *keys = k + std::size_t(kvh) * s.n * s.d, *values = v + std::size_t(kvh) * s.n * s.d;
    if constexpr (D > 0) {
        attend_rows_mma<Q, D>(q + std::size_t(first_head) * D, rsqrtf(float(D)), keys, values, warp_rows, rows, lane,
                              warp_peak[warp], warp_total[warp], warp_out[warp]);
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

// One block per query head: warp w combines segments w, w + 8, ..., four of them loading at once,
// each lane four of the dims; then the warps' sums are combined. (A thread per dim walking every
// segment in turn made ~2 x 258 dependent L2 round trips at n = 1M, on 32 SMs.)
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const float* __restrict__ partial, HammingDecodeShape s,
                                                              int segments, float* __restrict__ out) {
    constexpr int kWarps = kMergeThreads / 32, kInFlight = 4;
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

HammingDecodeWorkspace::HammingDecodeWorkspace(const HammingDecodeShape& s)
    : blocks_per_head(s.n == 0 ? 1 : with_bins(checked(s), [&](auto bins) { return selection_blocks<bins()>(s); })),
      distance(std::size_t(s.selections()) * s.n * with_bins(s, [](auto bins) { return sizeof(Distance<bins()>); })),
      histogram(std::size_t(s.selections()) * with_bins(s, [](auto bins) { return std::size_t(bins()); })),
      block_histogram(histogram.size() * blocks_per_head), arrivals(std::size_t(s.selections())),
      selected(std::size_t(s.selections()) * s.capacity()), count(std::size_t(s.selections())),
      partial(std::size_t(s.q_heads) * segments(s) * (s.d + 2)) {
    // Zero once here; each selection leaves them zero again (its last block to read them clears them).
    check_cuda(cudaMemset(histogram.get(), 0, histogram.size() * sizeof(std::uint32_t)), "memset");
    check_cuda(cudaMemset(arrivals.get(), 0, arrivals.size() * sizeof(std::uint32_t)), "memset");
}

void launch_hamming_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes, const HammingDecodeShape& s,
                           HammingDecodeWorkspace& w, cudaStream_t stream) {
    HammingDecodeShape shape = checked(s);
    std::uint8_t* distance = w.distance.get();
    std::uint32_t *histogram = w.histogram.get(), *block_histogram = w.block_histogram.get(), *arrivals = w.arrivals.get();
    std::int32_t *selected = w.selected.get(), *count = w.count.get();
    void* args[] = {&key_codes, &query_codes, &shape, &distance, &histogram, &block_histogram, &arrivals, &selected, &count};
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
    const auto launch_for_dims = [&](auto heads) {
        constexpr int Q = decltype(heads)::value;
        if (s.d == 128) launch(sparse_decode_kernel<Q, 128>);
        else if (s.d == 64) launch(sparse_decode_kernel<Q, 64>);
        else launch(sparse_decode_kernel<Q, 0>);
    };
    if (per_block == 4) launch_for_dims(std::integral_constant<int, 4>{});
    else if (per_block == 2) launch_for_dims(std::integral_constant<int, 2>{});
    else launch_for_dims(std::integral_constant<int, 1>{});
    check_launch("sparse_decode_kernel");
    merge_kernel<<<s.q_heads, kMergeThreads, 0, stream>>>(w.partial.get(), s, segments(s), out);
    check_launch("merge_kernel");
}

}  // namespace hashscope::gpu
