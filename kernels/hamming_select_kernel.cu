// The Hamming top-k decode's selection in one cooperative launch: distances and histograms, a
// grid barrier, then the threshold and the selection in position order. Selection never sorts:
// the histogram over distances 0..bits gives the k-th distance T; positions nearer than T are all
// kept, and of those at exactly T the lowest positions are kept, ranked by a scan plus the tie
// counts of the blocks before (read off their histograms). One launch instead of six (two memsets
// and four kernels): at n = 128K the passes are short and the gaps between launches were most of
// it. A shared selection (one per KV head, summed distances) runs the same kernel over wider
// distance bins.
#include "kernels/hamming_decode_kernel.hpp"

#include <cooperative_groups.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <algorithm>
#include <string>
#include <type_traits>

namespace hashscope::gpu {
namespace {

namespace cg = cooperative_groups;

constexpr int kSelectThreads = 256, kSelectWarps = kSelectThreads / 32;
constexpr int kSelectItems = 8, kSelectTile = kSelectItems * kSelectThreads;  // positions per thread, per tile

__host__ __device__ inline int select_tiles(const HammingDecodeShape& s) { return (s.n + kSelectTile - 1) / kSelectTile; }
// Distances per selection in the workspace: n rounded up to a thread's run of kSelectItems, so that
// every run starts aligned for one load and never reads past the buffer.
__host__ __device__ inline int distance_stride(const HammingDecodeShape& s) {
    return (s.n + kSelectItems - 1) / kSelectItems * kSelectItems;
}

// A distance is stored in a byte while it fits (every selection's distances are written once and
// read twice), else in two. Bins: 65 for one head's 32- or 64-bit codes, 256 for a group's sums up
// to 255 (4 heads x 32 bits), kHammingMaxDistance + 1 past that.
template <int Bins>
using Distance = std::conditional_t<(Bins <= 256), std::uint8_t, std::uint16_t>;
// A thread's kSelectItems consecutive distances, in one load, and the e-th of them.
template <int Bins>
using DistanceRun = std::conditional_t<sizeof(Distance<Bins>) == 1, uint2, uint4>;
template <class Run>
__device__ int run_distance(const Run& run, int e) {
    if constexpr (sizeof(Run) == 8) return int((e < 4 ? run.x : run.y) >> 8 * (e % 4) & 0xffu);
    else return int((e < 2 ? run.x : e < 4 ? run.y : e < 6 ? run.z : run.w) >> 16 * (e % 2) & 0xffffu);
}

// Calls f(std::integral_constant<int, Bins>, std::integral_constant<int, QueryWords>) for the
// kernel that takes the shape: the fewest bins that hold its distances, and the query words
// (heads x words) it sums over, fixed at compile time for one head's codes and for a group of four
// 32-bit heads (the common shared decode), else 0: read from the shape, as many as the bins allow
// held, those past the shape's predicated off.
template <class F>
decltype(auto) with_variant(const HammingDecodeShape& s, F&& f) {
    using std::integral_constant;
    const int query_words = (s.shared ? s.group() : 1) * s.words;
    if (s.max_distance() <= 64)
        return query_words == 1 ? f(integral_constant<int, 65>{}, integral_constant<int, 1>{})
                                : f(integral_constant<int, 65>{}, integral_constant<int, 2>{});
    if (s.max_distance() <= 255)
        return query_words == 4 ? f(integral_constant<int, 256>{}, integral_constant<int, 4>{})
                                : f(integral_constant<int, 256>{}, integral_constant<int, 0>{});
    return f(integral_constant<int, kHammingMaxDistance + 1>{}, integral_constant<int, 0>{});
}
// The most query words the bins hold (each word adds up to 32 to a distance).
template <int Bins>
constexpr int kMaxQueryWords = (Bins - 1) / 32;

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
// kSelectTile, in phase 1 a thread taking kSelectItems positions kSelectThreads apart (each load
// instruction of a warp reads consecutive codes, and a thread has kSelectItems loads in flight; four
// codes per load where n allows), in phase 2 kSelectItems consecutive ones, and its
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
// Four blocks an SM (64 registers): ncu found it bound by its instruction stream at 50% occupancy
// (0.084 ms at 1M, shared, on the H100), and the query words held in registers would take 80.
template <int Bins, int QueryWords>
__global__ void __launch_bounds__(kSelectThreads, 4) select_kernel(const std::uint32_t* __restrict__ key_codes,
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
    // Per tile, each warp's count of kept non-ties (low 16 bits) and ties (high 16), double-buffered
    // so that one barrier per tile suffices.
    __shared__ std::uint32_t warp_counts[2][kSelectWarps];
    __shared__ int shared_T, shared_need, shared_nontie, shared_ties;
    __shared__ bool shared_last;
    const cg::grid_group grid = cg::this_grid();
    const int sh = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int kvh = s.shared ? sh : sh / s.group(), heads = s.shared ? s.group() : 1;
    const int tiles = select_tiles(s);
    const auto first_tile = [&](int block) { return int((long long)tiles * block / gridDim.x); };
    const int tile_begin = first_tile(blockIdx.x), tile_end = first_tile(blockIdx.x + 1);
    Distance<Bins>* head_distance = distance + std::size_t(sh) * distance_stride(s);
    std::uint32_t* head_histogram = histogram + std::size_t(sh) * Bins;
    std::uint32_t* cumulative = block_histogram + std::size_t(sh) * gridDim.x * Bins;
    const auto in_middle = [&](int j) { return j >= s.middle_begin() && j < s.middle_end(); };
    const auto position = [&](int tile, int item) { return tile * kSelectTile + item * kSelectThreads + int(threadIdx.x); };

    // 1. Distances and histograms.
    for (int b = threadIdx.x; b < kSelectWarps * Bins; b += blockDim.x) bins[b / Bins][b % Bins] = 0;
    __syncthreads();
    // The query words in registers and the sum over them unrolled (a loop over the group's heads
    // read each from shared memory, with a loop test, for every key).
    constexpr int kSlots = QueryWords > 0 ? QueryWords : kMaxQueryWords<Bins>;
    const int query_words = QueryWords > 0 ? QueryWords : heads * s.words;
    std::uint32_t query[kSlots];
#pragma unroll
    for (int w = 0; w < kSlots; ++w)
        query[w] = w < query_words ? query_codes[std::size_t(sh) * query_words + w] : 0u;
    const std::uint32_t* codes = key_codes + std::size_t(kvh) * s.n * s.words;
    // A key's words c0, c1 (c1 = c0 for 32-bit codes): query word w = h * words + i meets word i.
    const auto distance_of = [&](std::uint32_t c0, std::uint32_t c1) {
        int dist = 0;
#pragma unroll
        for (int w = 0; w < kSlots; ++w)
            if (w < query_words) dist += __popc((w % 2 ? c1 : c0) ^ query[w]);
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
                const int dist[4] = {distance_of(c[i].x, c[i].x), distance_of(c[i].y, c[i].y),
                                     distance_of(c[i].z, c[i].z), distance_of(c[i].w, c[i].w)};
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
                c1[i] = j < s.n && s.words > 1 ? codes[std::size_t(j) * s.words + 1] : c0[i];
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
    // A thread takes kSelectItems consecutive positions of a tile, their distances in one load, and
    // masks them (bit e: position first + e); a block scan of the masks' counts ranks them. (A
    // ballot per position row with a byte load each cost about twice the instructions.)
    static_assert(sizeof(DistanceRun<Bins>) == kSelectItems * sizeof(Distance<Bins>), "a run is one load");
    static_assert(kSelectTile < 65536, "a tile's counts fit 16 bits");
    int nontie_before = shared_nontie, ties_before = shared_ties;
    int* list = selected + std::size_t(sh) * s.capacity();
    for (int tile = tile_begin; tile < tile_end; ++tile) {
        const int first = tile * kSelectTile + kSelectItems * int(threadIdx.x);
        unsigned nontie = 0, tie = 0;
        if (first < s.n) {
            const auto run = *reinterpret_cast<const DistanceRun<Bins>*>(head_distance + first);
            if (first >= s.middle_begin() && first + kSelectItems <= s.middle_end()) {  // nearly every run
#pragma unroll
                for (int e = 0; e < kSelectItems; ++e) {
                    const int dist = run_distance(run, e);
                    nontie |= unsigned(dist < T) << e;
                    tie |= unsigned(dist == T) << e;
                }
            } else {  // sinks, window, or the end of the sequence (the run's bytes past n unwritten)
#pragma unroll
                for (int e = 0; e < kSelectItems; ++e) {
                    const int j = first + e, dist = run_distance(run, e);
                    const bool valid = j < s.n, middle = valid && in_middle(j);
                    nontie |= unsigned(valid && (!middle || dist < T)) << e;
                    tie |= unsigned(middle && dist == T) << e;
                }
            }
        }
        const std::uint32_t counts = std::uint32_t(__popc(nontie)) | std::uint32_t(__popc(tie)) << 16;
        std::uint32_t inclusive = counts;
        for (int o = 1; o < 32; o *= 2) {
            const std::uint32_t up = __shfl_up_sync(0xffffffffu, inclusive, o);
            if (lane >= o) inclusive += up;
        }
        std::uint32_t* totals = warp_counts[tile & 1];
        if (lane == 31) totals[warp] = inclusive;
        __syncthreads();
        std::uint32_t before = inclusive - counts, tile_total = 0;
#pragma unroll
        for (int w = 0; w < kSelectWarps; ++w) {
            const std::uint32_t total = totals[w];
            if (w < warp) before += total;
            tile_total += total;
        }
        int nontie_rank = nontie_before + int(before & 0xffffu), tie_rank = ties_before + int(before >> 16);
        for (unsigned bits = nontie | tie; bits; bits &= bits - 1) {
            const int e = __ffs(int(bits)) - 1;
            if (nontie >> e & 1u) {
                list[nontie_rank + min(tie_rank, need)] = first + e;
                ++nontie_rank;
            } else {
                if (tie_rank < need) list[nontie_rank + tie_rank] = first + e;
                ++tie_rank;
            }
        }
        nontie_before += int(tile_total & 0xffffu), ties_before += int(tile_total >> 16);
    }
}

// Blocks per selection of the cooperative launch: every block of the grid must be resident at
// once (the grid barrier waits for all of them), so the device's resident blocks shared among the
// selections, and never more than a selection has tiles.
template <int Bins, int QueryWords>
int selection_blocks(const HammingDecodeShape& s) {
    static const int resident = [] {
        int device = 0, sms = 0, per_sm = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
        check_cuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, select_kernel<Bins, QueryWords>, kSelectThreads, 0),
                   "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
        return sms * per_sm;
    }();
    if (s.selections() > resident)
        throw GpuError("the GPU Hamming decode makes at most " + std::to_string(resident) + " selections at once");
    const int tiles = select_tiles(s);
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

// The workspace's buffers in elements, but for block_histogram (histogram x blocks_per_head).
std::size_t distance_bytes(const HammingDecodeShape& s) {
    return std::size_t(s.selections()) * distance_stride(s) * with_variant(s, [](auto bins, auto) { return sizeof(Distance<bins()>); });
}
std::size_t histogram_bins(const HammingDecodeShape& s) {
    return std::size_t(s.selections()) * with_variant(s, [](auto bins, auto) { return std::size_t(bins()); });
}
std::size_t list_entries(const HammingDecodeShape& s) { return std::size_t(s.selections()) * s.capacity(); }
std::size_t partial_floats(const HammingDecodeShape& s) { return std::size_t(s.q_heads) * s.segments() * (s.d + 2); }

}  // namespace

double HammingDecodeWorkspace::bytes_at_most(const HammingDecodeShape& shape) {
    const HammingDecodeShape& s = checked(shape);
    return double(distance_bytes(s)) + 4.0 * histogram_bins(s) * (1.0 + std::max(1, select_tiles(s))) +
           4.0 * (2.0 * s.selections() + list_entries(s) + partial_floats(s));
}

HammingDecodeWorkspace::HammingDecodeWorkspace(const HammingDecodeShape& s)
    : blocks_per_head(s.n == 0 ? 1 : with_variant(checked(s), [&](auto bins, auto words) { return selection_blocks<bins(), words()>(s); })),
      distance(distance_bytes(s)), histogram(histogram_bins(s)), block_histogram(histogram.size() * blocks_per_head),
      arrivals(std::size_t(s.selections())), selected(list_entries(s)), count(std::size_t(s.selections())),
      partial(partial_floats(s)) {
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
    const void* kernel = with_variant(s, [](auto bins, auto words) { return reinterpret_cast<const void*>(select_kernel<bins(), words()>); });
    check_cuda(cudaLaunchCooperativeKernel(kernel, dim3(w.blocks_per_head, s.selections()), dim3(kSelectThreads), args, 0, stream),
               "select_kernel (cooperative launch)");
}

}  // namespace hashscope::gpu
