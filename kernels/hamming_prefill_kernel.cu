// Hamming top-k prefill kernels: a warp selects one query's keys (histogram by ballots, threshold,
// keep pass), then a warp attends one query over them (warp_rows.cuh). See hamming_prefill_kernel.hpp.
#include "kernels/hamming_prefill_kernel.hpp"

#include <algorithm>

#include "kernels/warp_rows.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kSelectWarps = 8, kAttendWarps = 4;

std::size_t query_rows(const HammingPrefillShape& s) { return std::size_t(s.q_heads) * s.n_q; }

template <int kWords>
__device__ int distance_to(const std::uint32_t* __restrict__ codes, int j, const std::uint32_t (&query)[kWords]) {
    int dist = 0;
#pragma unroll
    for (int w = 0; w < kWords; ++w) dist += __popc(codes[std::size_t(j) * kWords + w] ^ query[w]);
    return dist;
}

// Inclusive prefix sum across the warp's lanes.
__device__ unsigned warp_prefix(unsigned x, int lane) {
    for (int o = 1; o < 32; o *= 2) {
        const unsigned y = __shfl_up_sync(0xffffffffu, x, o);
        if (lane >= o) x += y;
    }
    return x;
}

// The threshold from the histogram: lane b holds the count of distance b (`low`) and of distance
// b + 32 (`high`, 64-bit codes). T is the smallest distance whose cumulative count reaches
// `budget` (the largest distance, 32 * kWords, when the counted ones fall short); `below` counts
// the candidates nearer than T.
template <int kWords>
__device__ void find_threshold(unsigned low, unsigned high, int budget, int lane, int& T, int& below) {
    unsigned cumulative = warp_prefix(low, lane), reached = __ballot_sync(0xffffffffu, cumulative >= unsigned(budget));
    int first = 0;  // the distance lane 0 counts in this round
    if (!reached && kWords == 2) {
        cumulative = __shfl_sync(0xffffffffu, cumulative, 31) + warp_prefix(high, lane);
        reached = __ballot_sync(0xffffffffu, cumulative >= unsigned(budget));
        first = 32;
    }
    if (!reached) {
        T = 32 * kWords;
        below = int(__shfl_sync(0xffffffffu, cumulative, 31));
        return;
    }
    const int lane_T = __ffs(reached) - 1;
    const unsigned own = first == 0 ? low : high;
    T = first + lane_T;
    below = int(__shfl_sync(0xffffffffu, cumulative - own, lane_T));
}

// One warp per (query head, query); each head's last queries (which see the most keys) run first,
// so that the short ones fill the tail. Writes the kept positions ascending: sinks, the chosen
// candidates in position order, then the window.
template <int kWords>
__global__ void __launch_bounds__(kSelectWarps * 32) prefill_select_kernel(const std::uint32_t* __restrict__ key_codes,
                                                                          const std::uint32_t* __restrict__ query_codes,
                                                                          HammingPrefillShape s,
                                                                          std::int32_t* __restrict__ selected,
                                                                          std::int32_t* __restrict__ count) {
    const int lane = threadIdx.x % 32, qh = blockIdx.y;
    const int i = s.n_q - 1 - int(blockIdx.x * kSelectWarps + threadIdx.x / 32);
    if (i < 0) return;
    const int kvh = qh / (s.q_heads / s.kv_heads);
    const std::uint32_t* codes = key_codes + std::size_t(kvh) * s.n_k * kWords;
    std::uint32_t query[kWords];
#pragma unroll
    for (int w = 0; w < kWords; ++w) query[w] = query_codes[(std::size_t(qh) * s.n_q + i) * kWords + w];
    const int visible = s.causal ? i + (s.n_k - s.n_q) + 1 : s.n_k;
    const int sink_end = min(s.sinks, visible), window_start = max(sink_end, visible - s.window);
    const int forced = sink_end + (visible - window_start), budget = min(s.top, visible) - forced;
    std::int32_t* out = selected + (std::size_t(qh) * s.n_q + i) * s.top;
    if (lane == 0) count[std::size_t(qh) * s.n_q + i] = forced + budget;
    for (int j = lane; j < sink_end; j += 32) out[j] = j;

    const unsigned earlier_lanes = (1u << lane) - 1;
    int T = 32 * kWords + 1, need = 0;  // with the budget past the candidates, all are nearer than T
    if (budget > 0 && budget < window_start - sink_end) {
        // Pass 1: lane b counts the candidates at distance b (and b + 32): the lanes whose distance
        // agrees with b bit by bit, from one ballot per distance bit. The largest distance is
        // nobody's bin: the threshold lands there when the others fall short.
        unsigned low = 0, high = 0;
        for (int base = sink_end; base < window_start; base += 32) {
            const int j = base + lane;
            const bool valid = j < window_start;
            const int dist = valid ? distance_to<kWords>(codes, j, query) : 0;
            unsigned same = __ballot_sync(0xffffffffu, valid);
#pragma unroll
            for (int b = 0; b < 5; ++b) {
                const unsigned bit = __ballot_sync(0xffffffffu, dist >> b & 1);
                same &= (lane >> b & 1) ? bit : ~bit;
            }
            const unsigned bit5 = __ballot_sync(0xffffffffu, dist >> 5 & 1);
            if constexpr (kWords == 1) {
                low += __popc(same & ~bit5);
            } else {
                const unsigned bit6 = __ballot_sync(0xffffffffu, dist >> 6 & 1);
                low += __popc(same & ~bit5 & ~bit6);
                high += __popc(same & bit5 & ~bit6);
            }
        }
        int below = 0;
        find_threshold<kWords>(low, high, budget, lane, T, below);
        need = budget - below;
    }
    // Pass 2: keep candidates nearer than T, and the first `need` at T in position order.
    int kept = 0, ties = 0;
    for (int base = sink_end; base < window_start && kept < budget; base += 32) {
        const int j = base + lane;
        const bool valid = j < window_start;
        const int dist = valid ? distance_to<kWords>(codes, j, query) : 0;
        const unsigned at = __ballot_sync(0xffffffffu, valid && dist == T);
        const bool keep = valid && (dist < T || (dist == T && ties + __popc(at & earlier_lanes) < need));
        const unsigned kept_lanes = __ballot_sync(0xffffffffu, keep);
        if (keep) out[sink_end + kept + __popc(kept_lanes & earlier_lanes)] = j;
        kept += __popc(kept_lanes);
        ties += __popc(at);
    }
    for (int j = window_start + lane; j < visible; j += 32) out[sink_end + budget + (j - window_start)] = j;
}

// One warp per (query head, query): an online softmax over its selected rows (attend_rows).
template <class T>
__global__ void __launch_bounds__(kAttendWarps * 32) prefill_attend_kernel(
    const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, HammingPrefillShape s,
    const std::int32_t* __restrict__ selected, const std::int32_t* __restrict__ count, float* __restrict__ out) {
    const int lane = threadIdx.x % 32, qh = blockIdx.y;
    const int i = int(blockIdx.x * kAttendWarps + threadIdx.x / 32);
    if (i >= s.n_q) return;
    const int kvh = qh / (s.q_heads / s.kv_heads);
    const std::size_t row = std::size_t(qh) * s.n_q + i;
    float qv[1][4];
    load4(q + row * s.d, lane, s.d, qv[0]);
    RowSoftmax st[1];
    attend_rows(qv, rsqrtf(float(s.d)), k + std::size_t(kvh) * s.n_k * s.d, v + std::size_t(kvh) * s.n_k * s.d, s.d,
                selected + row * s.top, count[row], lane, st);
#pragma unroll
    for (int c = 0; c < 4; ++c)
        if (4 * lane + c < s.d) out[row * s.d + 4 * lane + c] = st[0].acc[c] / st[0].sum;
}

}  // namespace

HammingPrefillWorkspace::HammingPrefillWorkspace(const HammingPrefillShape& s)
    : selected(query_rows(s) * s.top), count(query_rows(s)) {}

void launch_hamming_prefill_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes,
                                   const HammingPrefillShape& s, HammingPrefillWorkspace& w, cudaStream_t stream) {
    if (s.words < 1 || s.words > 2) throw GpuError("the GPU Hamming prefill takes codes of at most 64 bits");
    if (s.kv_heads < 1 || s.q_heads % s.kv_heads != 0) throw GpuError("query heads must be a multiple of KV heads");
    if (s.n_q == 0) return;
    const dim3 grid((s.n_q + kSelectWarps - 1) / kSelectWarps, s.q_heads);
    if (s.words == 1)
        prefill_select_kernel<1><<<grid, kSelectWarps * 32, 0, stream>>>(key_codes, query_codes, s, w.selected.get(), w.count.get());
    else
        prefill_select_kernel<2><<<grid, kSelectWarps * 32, 0, stream>>>(key_codes, query_codes, s, w.selected.get(), w.count.get());
    check_launch("prefill_select_kernel");
}

template <class T>
void launch_hamming_prefill_attend(const T* q, const T* k, const T* v, float* out, const HammingPrefillShape& s,
                                   const HammingPrefillWorkspace& w, cudaStream_t stream) {
    if (s.d > kHammingPrefillMaxDim || s.d % 4 != 0)
        throw GpuError("the GPU Hamming prefill takes head dimensions <= 128, multiples of 4");
    if (s.n_q == 0) return;
    const dim3 grid((s.n_q + kAttendWarps - 1) / kAttendWarps, s.q_heads);
    prefill_attend_kernel<T><<<grid, kAttendWarps * 32, 0, stream>>>(q, k, v, s, w.selected.get(), w.count.get(), out);
    check_launch("prefill_attend_kernel");
}

template void launch_hamming_prefill_attend<float>(const float*, const float*, const float*, float*,
                                                   const HammingPrefillShape&, const HammingPrefillWorkspace&, cudaStream_t);
template void launch_hamming_prefill_attend<__nv_bfloat16>(const __nv_bfloat16*, const __nv_bfloat16*, const __nv_bfloat16*,
                                                           float*, const HammingPrefillShape&, const HammingPrefillWorkspace&,
                                                           cudaStream_t);

}  // namespace hashscope::gpu
