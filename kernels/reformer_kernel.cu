// Reformer kernels after the hash (reformer_hash_kernel.cu): sort (CUB), chunk attention, combine.
// - attention, for the shapes reformer_chunk_mma.cu does not take (f32, full attention, chunks off
//   the 16-row tile, other head dimensions): one block per (head, chunk). Key rows are the
//   look-back chunk at [0, C) and the own chunk at [cp, cp + C), cp = C rounded up to 16, so query
//   tiles start on a tensor-core tile; the padding rows are zero and masked. bf16 runs both
//   products on tensor cores (WMMA, f32 accumulate); f32 runs them with FMAs so that it matches
//   core to float rounding.
#include "kernels/reformer_kernel.hpp"

#include <cub/device/device_radix_sort.cuh>
#include <mma.h>

#include <type_traits>

#include "kernels/block_gemm.cuh"
#include "kernels/reformer_chunk_mma.hpp"
#include "kernels/tensor_projection.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kThreads = 256;

int round_up(int x, int m) { return (x + m - 1) / m * m; }

// Geometry of one chunk's shared-memory tiles (element counts; leading dimensions padded).
struct ChunkGeometry {
    int n, d, dv, chunk, chunks_per_head, slots_per_head, rounds;
    bool lookback, causal;
    int cp, kp, dp, dvp;        // padded: queries, keys, d, dv (multiples of 16)
    int ldx, ldv, lds, ldp, ldo;
    bool out_over_x;            // bf16: the output tile fits where the x rows were (dead by then)
};

template <class T>
ChunkGeometry chunk_geometry(const ReformerShape& s) {
    constexpr bool bf16 = std::is_same_v<T, __nv_bfloat16>;
    ChunkGeometry g{};
    g.n = s.n, g.d = s.d, g.dv = s.dv, g.causal = s.causal;
    g.lookback = !s.standard_attention();
    g.rounds = g.lookback ? s.rounds : 1;
    g.chunk = g.lookback ? s.chunk : s.n;
    g.slots_per_head = g.rounds * s.n;
    g.chunks_per_head = g.slots_per_head / g.chunk;
    g.cp = round_up(g.chunk, 16);
    g.kp = g.lookback ? 2 * g.cp : g.cp;
    g.dp = round_up(s.d, 16), g.dvp = round_up(s.dv, 16);
    // bf16 rows are padded by 16 bytes (tensor-core loads need 32-byte aligned tiles); f32 rows by
    // one word, so the FMA loops, which read rows that differ by one, hit different banks.
    g.ldx = g.dp + (bf16 ? 8 : 1), g.ldv = g.dvp + (bf16 ? 8 : 1);
    // Probabilities overwrite their own row of scores: f32 in place, bf16 in the first half of the
    // row's bytes (so twice the leading dimension in elements).
    g.lds = g.kp + 4, g.ldp = bf16 ? 2 * g.lds : g.lds, g.ldo = g.dvp + 4;
    g.out_over_x = std::size_t(g.cp) * g.ldo * sizeof(float) <= std::size_t(g.kp) * g.ldx * sizeof(T);
    return g;
}

constexpr std::size_t align128(std::size_t bytes) { return (bytes + 127) / 128 * 128; }

// Shared memory: key positions and concat indices, key scales, 1/sum, x rows, v rows, scores
// (then probabilities); bf16 adds an output tile unless it fits over the x rows. Kept small so
// three blocks share an SM at chunk 64, d 64.
template <class T>
std::size_t chunk_shared_bytes(const ChunkGeometry& g) {
    std::size_t bytes = align128(g.kp * sizeof(int)) * 2 + align128(g.kp * sizeof(float)) + align128(g.cp * sizeof(float)) +
                        align128(std::size_t(g.kp) * g.ldx * sizeof(T)) + align128(std::size_t(g.kp) * g.ldv * sizeof(T)) +
                        align128(std::size_t(g.cp) * g.lds * sizeof(float));
    if (std::is_same_v<T, __nv_bfloat16> && !g.out_over_x) bytes += align128(std::size_t(g.cp) * g.ldo * sizeof(float));
    return bytes;
}

template <class P>
__device__ P* carve(unsigned char*& cursor, std::size_t count) {
    P* p = reinterpret_cast<P*>(cursor);
    cursor += align128(count * sizeof(P));
    return p;
}

// S[a][b] = q_a . x_b for the cp x kp tile (scaled and masked later).
__device__ void chunk_scores(const __nv_bfloat16* xs, float* scores, const ChunkGeometry& g) {
    const __nv_bfloat16* queries = xs + std::size_t(g.kp - g.cp) * g.ldx;
    block_gemm<nvcuda::wmma::col_major>(queries, g.ldx, xs, g.ldx, scores, g.lds, g.cp, g.kp, g.dp);
}

__device__ void chunk_scores(const float* xs, float* scores, const ChunkGeometry& g) {
    const float* queries = xs + std::size_t(g.kp - g.cp) * g.ldx;
    for (int e = threadIdx.x; e < g.chunk * g.kp; e += blockDim.x) {
        const int a = e / g.kp, b = e % g.kp;
        float dot = 0.f;
        for (int k = 0; k < g.d; ++k) dot = fmaf(queries[a * g.ldx + k], xs[b * g.ldx + k], dot);
        scores[a * g.lds + b] = dot;
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) chunk_attention_kernel(const T* __restrict__ x, const T* __restrict__ v,
                                                                  const float* __restrict__ key_scale,
                                                                  const std::int32_t* __restrict__ sorted, ChunkGeometry g,
                                                                  T* __restrict__ round_output,
                                                                  float* __restrict__ round_logsumexp) {
    constexpr bool bf16 = std::is_same_v<T, __nv_bfloat16>;
    extern __shared__ __align__(128) unsigned char shared[];
    unsigned char* cursor = shared;
    int* position = carve<int>(cursor, g.kp);
    int* concat = carve<int>(cursor, g.kp);
    float* scale = carve<float>(cursor, g.kp);
    float* inv_sum = carve<float>(cursor, g.cp);
    T* xs = carve<T>(cursor, std::size_t(g.kp) * g.ldx);
    T* vs = carve<T>(cursor, std::size_t(g.kp) * g.ldv);
    float* scores = carve<float>(cursor, std::size_t(g.cp) * g.lds);

    const int head = blockIdx.y, c = blockIdx.x;
    const int previous = (c + g.chunks_per_head - 1) % g.chunks_per_head;
    const int own = g.kp - g.cp;  // first row of the own chunk (0 without look-back)
    const std::size_t head_slots = std::size_t(head) * g.slots_per_head;
    for (int r = threadIdx.x; r < g.kp; r += blockDim.x) {
        const int local = r - (r >= own ? own : 0);
        const bool real = local < g.chunk;
        const int slot = (r >= own ? c : previous) * g.chunk + local;
        const int cat = !real ? -1 : sorted ? sorted[head_slots + slot] : int(head_slots) + slot;
        concat[r] = cat;
        position[r] = real ? cat % g.n : -1;
        scale[r] = real ? key_scale[std::size_t(head) * g.n + cat % g.n] : 0.f;
    }
    __syncthreads();
    bool whole_rows = false;  // bf16 rows without padding columns: gathered 16 bytes at a time
    if constexpr (bf16) {
        whole_rows = g.d == g.dp && g.dv == g.dvp;
        if (whole_rows) {
            load_rows_16b(x + std::size_t(head) * g.n * g.d, position, g.kp, g.kp, g.d, xs, g.ldx);
            load_rows_16b(v + std::size_t(head) * g.n * g.dv, position, g.kp, g.kp, g.dv, vs, g.ldv);
        }
    }
    if (!whole_rows) {
        const T zero = T(0.f);
        for (int e = threadIdx.x; e < g.kp * g.dp; e += blockDim.x) {
            const int r = e / g.dp, k = e % g.dp;
            xs[r * g.ldx + k] = position[r] >= 0 && k < g.d ? x[(std::size_t(head) * g.n + position[r]) * g.d + k] : zero;
        }
        for (int e = threadIdx.x; e < g.kp * g.dvp; e += blockDim.x) {
            const int r = e / g.dvp, k = e % g.dvp;
            vs[r * g.ldv + k] = position[r] >= 0 && k < g.dv ? v[(std::size_t(head) * g.n + position[r]) * g.dv + k] : zero;
        }
    }
    __syncthreads();
    chunk_scores(xs, scores, g);
    __syncthreads();

    // Softmax, four threads per query row (cp <= 64 rows, 256 threads), each holding every fourth
    // logit in registers (kp <= 128: up to 32), so a row's maximum and sum take two shuffles; the
    // columns interleave so that the 32 lanes read 32 different banks. Keys are scaled to unit
    // RMS / sqrt(d), then masked. bf16 uses the fast exp (its error, ~2 ulp, is far below bf16's);
    // f32 keeps expf to match core to float rounding. A half-warp (four rows) shares an iteration.
    constexpr int kPerThread = 2 * kReformerMaxChunk / 4;
    T* probabilities = reinterpret_cast<T*>(scores);
    {
        const int a = threadIdx.x / 4, quarter = threadIdx.x % 4;
        const int i = a < g.chunk ? position[own + a] : -1;
        float logit[kPerThread], peak = -INFINITY;
#pragma unroll
        for (int t = 0; t < kPerThread; ++t) {
            const int b = 4 * t + quarter;
            const int j = b < g.kp ? position[b] : -1;
            logit[t] = -INFINITY;
            if (i >= 0 && j >= 0) {
                const float visible = g.causal && j > i ? kReformerCausalMaskF : scores[a * g.lds + b] * scale[b];
                logit[t] = i == j ? kReformerSelfMaskF : visible;
            }
            peak = fmaxf(peak, logit[t]);
        }
        peak = fmaxf(peak, __shfl_xor_sync(0xffffffffu, peak, 1));
        peak = fmaxf(peak, __shfl_xor_sync(0xffffffffu, peak, 2));
        float sum = 0.f;
#pragma unroll
        for (int t = 0; t < kPerThread; ++t) {
            logit[t] = i < 0 ? 0.f : bf16 ? __expf(logit[t] - peak) : expf(logit[t] - peak);
            sum += logit[t];
        }
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        __syncwarp();  // the row's scores are all read before its probabilities overwrite them
#pragma unroll
        for (int t = 0; t < kPerThread; ++t)
            if (4 * t + quarter < g.kp && a < g.cp) probabilities[a * g.ldp + 4 * t + quarter] = T(logit[t]);
        if (quarter == 0 && i >= 0) {
            inv_sum[a] = 1.f / sum;
            round_logsumexp[concat[own + a]] = peak + logf(sum);
        }
    }
    __syncthreads();

    if constexpr (bf16) {
        float* out = g.out_over_x ? reinterpret_cast<float*>(xs) : carve<float>(cursor, std::size_t(g.cp) * g.ldo);
        block_gemm<nvcuda::wmma::row_major>(probabilities, g.ldp, vs, g.ldv, out, g.ldo, g.cp, g.dvp, g.kp);
        __syncthreads();
        // Each thread writes 8 columns of a row as one 16-byte store where dv allows.
        const int vectors = g.dv % 8 == 0 ? g.dv / 8 : 0;
        for (int e = threadIdx.x; e < g.chunk * vectors; e += blockDim.x) {
            const int a = e / vectors, k = (e % vectors) * 8;
            __align__(16) __nv_bfloat16 packed[8];
#pragma unroll
            for (int c = 0; c < 8; ++c) packed[c] = __float2bfloat16(out[a * g.ldo + k + c] * inv_sum[a]);
            *reinterpret_cast<uint4*>(round_output + std::size_t(concat[own + a]) * g.dv + k) = *reinterpret_cast<uint4*>(packed);
        }
        for (int e = threadIdx.x; vectors == 0 && e < g.chunk * g.dv; e += blockDim.x) {
            const int a = e / g.dv, k = e % g.dv;
            round_output[std::size_t(concat[own + a]) * g.dv + k] = T(out[a * g.ldo + k] * inv_sum[a]);
        }
    } else {
        for (int e = threadIdx.x; e < g.chunk * g.dv; e += blockDim.x) {
            const int a = e / g.dv, k = e % g.dv;
            float acc = 0.f;
            for (int b = 0; b < g.kp; ++b) acc = fmaf(probabilities[a * g.ldp + b], vs[b * g.ldv + k], acc);
            round_output[std::size_t(concat[own + a]) * g.dv + k] = acc * inv_sum[a];
        }
    }
}

// Eight values of a row from column c0, as floats (0 past dv): one 16-byte load for bf16 rows whose
// width is a multiple of 8, else one element at a time.
template <class T>
__device__ void load8(const T* row, int c0, int dv, float (&x)[8]) {
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (dv % 8 == 0) {
            const uint4 raw = *reinterpret_cast<const uint4*>(row + c0);
            const auto* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
            for (int j = 0; j < 4; ++j) x[2 * j] = __low2float(pairs[j]), x[2 * j + 1] = __high2float(pairs[j]);
            return;
        }
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) x[j] = c0 + j < dv ? float(row[c0 + j]) : 0.f;
}

// Stores the first min(8, dv - c0) of x at row + c0: one 16-byte store for bf16 rows whose width is
// a multiple of 8 (ncu, 2026-12-05: one 2-byte store per element used 4 of each sector's 32 bytes).
template <class T>
__device__ void store8(T* row, int c0, int dv, const float (&x)[8]) {
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (dv % 8 == 0) {
            uint4 raw;
            auto* pairs = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
            for (int j = 0; j < 4; ++j) pairs[j] = __floats2bfloat162_rn(x[2 * j], x[2 * j + 1]);
            *reinterpret_cast<uint4*>(row + c0) = raw;
            return;
        }
    }
#pragma unroll
    for (int j = 0; j < 8; ++j)
        if (c0 + j < dv) row[c0 + j] = T(x[j]);
}

// out[i] = sum_h softmax_h(lse_h(i)) * out_h[i]. A thread takes 8 columns of one row, so the
// weights are computed once per 8 outputs, and kCombineBatch rounds at a time with their outputs'
// and log-sum-exps' loads all issued before any is used: one trip to memory per batch, the
// weights taken relative to a running peak (rescaled as a batch raises it). (With the peak over
// every round first, the outputs' loads waited for the log-sum-exps': ncu, 66% of DRAM.)
constexpr int kCombineColumns = 8, kCombineBatch = 4;

template <class T>
__global__ void combine_rounds_kernel(const T* __restrict__ round_output, const float* __restrict__ round_logsumexp,
                                      int heads, int rounds, int n, int dv, T* __restrict__ out) {
    const int groups = (dv + kCombineColumns - 1) / kCombineColumns;
    const std::size_t e = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= std::size_t(heads) * n * groups) return;
    const std::size_t row = e / groups;  // head * n + i
    const int c0 = int(e % groups) * kCombineColumns;
    const std::size_t head = row / n, i = row % n;
    float peak = -INFINITY, sum = 0.f, acc[kCombineColumns] = {};
    for (int h0 = 0; h0 < rounds; h0 += kCombineBatch) {
        float x[kCombineBatch][kCombineColumns], lse[kCombineBatch];
#pragma unroll
        for (int b = 0; b < kCombineBatch; ++b) {
            const std::size_t cat = (head * rounds + min(h0 + b, rounds - 1)) * n + i;
            load8(round_output + cat * dv, c0, dv, x[b]);
            lse[b] = h0 + b < rounds ? round_logsumexp[cat] : -INFINITY;
        }
        float next = peak;
#pragma unroll
        for (int b = 0; b < kCombineBatch; ++b) next = fmaxf(next, lse[b]);
        const float fade = expf(peak - next);  // 0 on the first batch (peak -inf, next finite)
        peak = next, sum *= fade;
#pragma unroll
        for (int j = 0; j < kCombineColumns; ++j) acc[j] *= fade;
#pragma unroll
        for (int b = 0; b < kCombineBatch; ++b) {
            const float w = expf(lse[b] - peak);  // 0 past the last round
            sum += w;
#pragma unroll
            for (int j = 0; j < kCombineColumns; ++j) acc[j] = fmaf(w, x[b][j], acc[j]);
        }
    }
#pragma unroll
    for (int j = 0; j < kCombineColumns; ++j) acc[j] /= sum;
    store8(out + row * dv, c0, dv, acc);
}

}  // namespace

template <class T>
ReformerWorkspace<T>::ReformerWorkspace(const ReformerShape& s)
    : buckets(s.slots()), sort_keys(s.slots()), sorted_keys(s.slots()), concat(s.slots()), sorted(s.slots()),
      key_scale(std::size_t(s.heads) * s.n),
      rotation_split(reformer_hash_on_tensor_cores<T>(s)
                         ? 2 * std::size_t(s.heads) * s.rounds * reformer_rotation_columns(s) * s.d
                         : 0),
      round_output(s.slots() * s.dv), round_logsumexp(s.slots()) {
    std::size_t bytes = 0;
    check_cuda(cub::DeviceRadixSort::SortPairs(nullptr, bytes, sort_keys.get(), sorted_keys.get(), concat.get(),
                                               sorted.get(), int(s.slots())),
               "cub::DeviceRadixSort (scratch size)");
    sort_scratch = DeviceBuffer<unsigned char>(bytes);
}

template <class T>
void launch_reformer_sort(const ReformerShape& s, ReformerWorkspace<T>& w, cudaStream_t stream) {
    std::size_t bytes = w.sort_scratch.size();
    int key_bits = 1;  // enough bits for the largest (head, round, bucket) key
    while ((1ll << key_bits) < std::int64_t(s.heads) * s.rounds * s.buckets) ++key_bits;
    check_cuda(cub::DeviceRadixSort::SortPairs(w.sort_scratch.get(), bytes, w.sort_keys.get(), w.sorted_keys.get(),
                                               w.concat.get(), w.sorted.get(), int(s.slots()), 0, key_bits, stream),
               "cub::DeviceRadixSort");
}

template <class T>
void launch_reformer_attend(const T* x, const T* v, const ReformerShape& s, ReformerWorkspace<T>& w, cudaStream_t stream) {
    check_reformer_limits(s);
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (chunk_attention_mma_applies(s))
            return launch_chunk_attention_mma(x, v, w.key_scale.get(), w.sorted.get(), s, w.round_output.get(),
                                              w.round_logsumexp.get(), stream);
    }
    const ChunkGeometry g = chunk_geometry<T>(s);
    const std::size_t shared = chunk_shared_bytes<T>(g);
    check_cuda(cudaFuncSetAttribute(chunk_attention_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
               "chunk_attention_kernel shared memory");
    chunk_attention_kernel<T><<<dim3(g.chunks_per_head, s.heads), kThreads, shared, stream>>>(
        x, v, w.key_scale.get(), g.lookback ? w.sorted.get() : nullptr, g, w.round_output.get(), w.round_logsumexp.get());
    check_launch("chunk_attention_kernel");
}

template <class T>
void launch_reformer_combine(T* out, const ReformerShape& s, ReformerWorkspace<T>& w, cudaStream_t stream) {
    const int rounds = s.standard_attention() ? 1 : s.rounds;
    const std::size_t threads = std::size_t(s.heads) * s.n * ((s.dv + kCombineColumns - 1) / kCombineColumns);
    combine_rounds_kernel<T><<<unsigned((threads + 255) / 256), 256, 0, stream>>>(
        w.round_output.get(), w.round_logsumexp.get(), s.heads, rounds, s.n, s.dv, out);
    check_launch("combine_rounds_kernel");
}

template <class T>
void launch_reformer(const T* x, const T* v, const float* rotations, T* out, const ReformerShape& s,
                     ReformerWorkspace<T>& w, cudaStream_t stream) {
    launch_reformer_hash(x, rotations, s, w, stream);
    launch_reformer_sort(s, w, stream);
    launch_reformer_attend(x, v, s, w, stream);
    launch_reformer_combine(out, s, w, stream);
}

#define HASHSCOPE_REFORMER_STAGES(T)                                                                              \
    template struct ReformerWorkspace<T>;                                                                         \
    template void launch_reformer_sort<T>(const ReformerShape&, ReformerWorkspace<T>&, cudaStream_t);             \
    template void launch_reformer_attend<T>(const T*, const T*, const ReformerShape&, ReformerWorkspace<T>&,      \
                                            cudaStream_t);                                                        \
    template void launch_reformer_combine<T>(T*, const ReformerShape&, ReformerWorkspace<T>&, cudaStream_t);      \
    template void launch_reformer<T>(const T*, const T*, const float*, T*, const ReformerShape&,                  \
                                     ReformerWorkspace<T>&, cudaStream_t);
HASHSCOPE_REFORMER_STAGES(float)
HASHSCOPE_REFORMER_STAGES(__nv_bfloat16)
#undef HASHSCOPE_REFORMER_STAGES

}  // namespace hashscope::gpu
