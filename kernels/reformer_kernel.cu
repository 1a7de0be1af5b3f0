// Reformer kernels: hash, sort (CUB), chunk attention, combine. Layout and reasoning:
// - hash: bf16 with d a multiple of 16 projects on tensor cores (rotations as hi/lo bf16 pairs,
//   tensor_projection.cuh); otherwise a block stages 128 rows of x in shared memory and each thread
//   takes one (round, row), dotting it with 8 rotation columns at a time. The positive and negative
//   halves keep their own first maximum and the positive one wins ties: argmax over concat(r, -r).
// - attention: one block per (head, chunk). Key rows are the look-back chunk at [0, C) and the own
//   chunk at [cp, cp + C), cp = C rounded up to 16, so query tiles start on a tensor-core tile; the
//   padding rows are zero and masked. bf16 runs both products on tensor cores (WMMA, f32
//   accumulate); f32 runs them with FMAs so that it matches core to float rounding.
#include "kernels/reformer_kernel.hpp"

#include <cub/device/device_radix_sort.cuh>
#include <mma.h>

#include <type_traits>

#include "kernels/tensor_projection.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kHashRows = 128, kThreads = 256;
constexpr float kCausalMask = -1e9f, kSelfMask = -1e5f, kNormEpsilon = 1e-6f;

int round_up(int x, int m) { return (x + m - 1) / m * m; }

// Bucket = argmax over concat(r, -r), first maximum winning: the positive half comes first, so it
// wins a tie with the negative half.
__device__ int first_argmax_concat(float best_pos, int arg_pos, float best_neg, int arg_neg, int half) {
    return best_pos >= best_neg ? arg_pos : half + arg_neg;
}

__device__ void store_bucket(const ReformerShape& s, int head, int round, int i, int bucket, std::int32_t* buckets,
                             std::uint32_t* sort_keys, std::int32_t* concat) {
    const std::size_t g = (std::size_t(head) * s.rounds + round) * s.n + i;
    buckets[g] = bucket;
    sort_keys[g] = std::uint32_t((head * s.rounds + round) * s.buckets + bucket);
    concat[g] = std::int32_t(g);
}

// 1 / (sqrt(d) * sqrt(mean(x^2) + eps)) from the row's sum of squares.
__device__ float key_scale_of(float squares, int d) { return rsqrtf(float(d)) / sqrtf(squares / float(d) + kNormEpsilon); }

template <class T>
__global__ void __launch_bounds__(kHashRows) hash_kernel(const T* __restrict__ x, const float* __restrict__ rotations,
                                                        ReformerShape s, std::int32_t* __restrict__ buckets,
                                                        std::uint32_t* __restrict__ sort_keys,
                                                        std::int32_t* __restrict__ concat, float* __restrict__ key_scale) {
    extern __shared__ float rows[];  // [kHashRows][d + 1]
    const int head = blockIdx.z, round = blockIdx.y, row0 = blockIdx.x * kHashRows, ld = s.d + 1;
    const int half = s.buckets / 2;
    x += std::size_t(head) * s.n * s.d;
    for (int e = threadIdx.x; e < kHashRows * s.d; e += kHashRows) {
        const int r = e / s.d, k = e % s.d;
        rows[r * ld + k] = row0 + r < s.n ? float(x[std::size_t(row0 + r) * s.d + k]) : 0.f;
    }
    __syncthreads();
    const int i = row0 + threadIdx.x;
    if (i >= s.n) return;
    const float* row = rows + threadIdx.x * ld;
    const float* rot = rotations + (std::size_t(head) * s.rounds + round) * s.d * half;

    float best_pos = 0.f, best_neg = 0.f;
    int arg_pos = -1, arg_neg = -1;
    for (int b0 = 0; b0 < half; b0 += 8) {
        float acc[8] = {};
        for (int k = 0; k < s.d; ++k) {
            const float xk = row[k];
#pragma unroll
            for (int j = 0; j < 8; ++j)
                if (b0 + j < half) acc[j] = fmaf(xk, __ldg(rot + std::size_t(k) * half + b0 + j), acc[j]);
        }
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            if (b0 + j >= half) break;
            if (arg_pos < 0 || acc[j] > best_pos) best_pos = acc[j], arg_pos = b0 + j;
            if (arg_neg < 0 || -acc[j] > best_neg) best_neg = -acc[j], arg_neg = b0 + j;
        }
    }
    store_bucket(s, head, round, i, first_argmax_concat(best_pos, arg_pos, best_neg, arg_neg, half), buckets, sort_keys, concat);
    if (round == 0) {
        float squares = 0.f;
        for (int k = 0; k < s.d; ++k) squares = fmaf(row[k], row[k], squares);
        key_scale[std::size_t(head) * s.n + i] = key_scale_of(squares, s.d);
    }
}

// bf16 x with d a multiple of 16: the projections on tensor cores (tensor_projection.cuh), every
// round in one block so x is read once; one thread per row then scans each round's columns.
struct HashTensorLayout {
    int half_p, ldx, ldb, ldo;
    std::size_t x_bytes, b_bytes, out_bytes;
};

HashTensorLayout hash_tensor_layout(const ReformerShape& s) {
    HashTensorLayout l;
    l.half_p = (s.buckets / 2 + 15) / 16 * 16;
    l.ldx = s.d + 8, l.ldb = l.half_p + 8, l.ldo = l.half_p + 4;
    l.x_bytes = std::size_t(kHashRows) * l.ldx * 2;
    l.b_bytes = std::size_t(s.d) * l.ldb * 2;
    l.out_bytes = std::size_t(kHashRows) * l.ldo * 4;
    return l;
}

__global__ void __launch_bounds__(kThreads) hash_tensor_kernel(const __nv_bfloat16* __restrict__ x,
                                                              const float* __restrict__ rotations, ReformerShape s,
                                                              HashTensorLayout l, std::int32_t* __restrict__ buckets,
                                                              std::uint32_t* __restrict__ sort_keys,
                                                              std::int32_t* __restrict__ concat,
                                                              float* __restrict__ key_scale) {
    extern __shared__ __align__(128) unsigned char shared[];
    auto* xs = reinterpret_cast<__nv_bfloat16*>(shared);
    auto* hi = reinterpret_cast<__nv_bfloat16*>(shared + l.x_bytes);
    auto* lo = reinterpret_cast<__nv_bfloat16*>(shared + l.x_bytes + l.b_bytes);
    auto* out = reinterpret_cast<float*>(shared + l.x_bytes + 2 * l.b_bytes);
    const int head = blockIdx.y, row0 = blockIdx.x * kHashRows, half = s.buckets / 2;
    const int warp = threadIdx.x / 32;
    const int r = threadIdx.x, i = row0 + r;  // the scanning thread's row (threads < kHashRows)
    load_rows_16b(x + (std::size_t(head) * s.n + row0) * s.d, nullptr, min(kHashRows, s.n - row0), kHashRows, s.d, xs, l.ldx);
    for (int round = 0; round < s.rounds; ++round) {
        const float* rot = rotations + (std::size_t(head) * s.rounds + round) * s.d * half;
        for (int e = threadIdx.x; e < s.d * l.half_p; e += blockDim.x) {
            const int k = e / l.half_p, b = e % l.half_p;
            split_bf16(b < half ? rot[std::size_t(k) * half + b] : 0.f, hi[k * l.ldb + b], lo[k * l.ldb + b]);
        }
        __syncthreads();
        project_on_tensor_cores(xs, l.ldx, hi, lo, l.ldb, out, l.ldo, kHashRows, l.half_p, s.d, warp, kThreads / 32);
        __syncthreads();
        // A thread per row. Row r starts its scan at column r % half so that the lanes of a warp read
        // different banks; ties go to the lower column, which makes the result the first maximum.
        if (r < kHashRows && i < s.n) {
            float best_pos = -INFINITY, best_neg = -INFINITY;
            int arg_pos = half, arg_neg = half;
            for (int t = 0, b = r % half; t < half; ++t, b = b + 1 == half ? 0 : b + 1) {
                const float value = out[r * l.ldo + b];
                if (value > best_pos || (value == best_pos && b < arg_pos)) best_pos = value, arg_pos = b;
                if (-value > best_neg || (-value == best_neg && b < arg_neg)) best_neg = -value, arg_neg = b;
            }
            store_bucket(s, head, round, i, first_argmax_concat(best_pos, arg_pos, best_neg, arg_neg, half), buckets,
                         sort_keys, concat);
        }
        __syncthreads();  // hi, lo and out are rewritten by the next round
    }
    if (r < kHashRows && i < s.n) {
        float squares = 0.f;
        for (int k = 0; k < s.d; ++k) {
            const float v = __bfloat162float(xs[r * l.ldx + k]);
            squares = fmaf(v, v, squares);
        }
        key_scale[std::size_t(head) * s.n + i] = key_scale_of(squares, s.d);
    }
}

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
    using namespace nvcuda::wmma;
    const int warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const __nv_bfloat16* queries = xs + std::size_t(g.kp - g.cp) * g.ldx;
    for (int t = warp; t < (g.cp / 16) * (g.kp / 16); t += warps) {
        const int ta = t / (g.kp / 16), tb = t % (g.kp / 16);
        fragment<accumulator, 16, 16, 16, float> acc;
        fill_fragment(acc, 0.f);
        for (int k = 0; k < g.dp; k += 16) {
            fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> qa;
            fragment<matrix_b, 16, 16, 16, __nv_bfloat16, col_major> kb;
            load_matrix_sync(qa, queries + ta * 16 * g.ldx + k, g.ldx);
            load_matrix_sync(kb, xs + tb * 16 * g.ldx + k, g.ldx);
            mma_sync(acc, qa, kb, acc);
        }
        store_matrix_sync(scores + ta * 16 * g.lds + tb * 16, acc, g.lds, mem_row_major);
    }
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
                const float visible = g.causal && j > i ? kCausalMask : scores[a * g.lds + b] * scale[b];
                logit[t] = i == j ? kSelfMask : visible;
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
        using namespace nvcuda::wmma;
        float* out = g.out_over_x ? reinterpret_cast<float*>(xs) : carve<float>(cursor, std::size_t(g.cp) * g.ldo);
        const int warp = threadIdx.x / 32, warps = blockDim.x / 32;
        for (int t = warp; t < (g.cp / 16) * (g.dvp / 16); t += warps) {
            const int ta = t / (g.dvp / 16), tb = t % (g.dvp / 16);
            fragment<accumulator, 16, 16, 16, float> acc;
            fill_fragment(acc, 0.f);
            for (int k = 0; k < g.kp; k += 16) {
                fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> pa;
                fragment<matrix_b, 16, 16, 16, __nv_bfloat16, row_major> vb;
                load_matrix_sync(pa, probabilities + ta * 16 * g.ldp + k, g.ldp);
                load_matrix_sync(vb, vs + k * g.ldv + tb * 16, g.ldv);
                mma_sync(acc, pa, vb, acc);
            }
            store_matrix_sync(out + ta * 16 * g.ldo + tb * 16, acc, g.ldo, mem_row_major);
        }
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

// out[i] = sum_h softmax_h(lse_h(i)) * out_h[i], weights taken relative to the peak as core does.
// A thread takes 8 columns of one row, so the weights are computed once per 8 outputs.
constexpr int kCombineColumns = 8;

template <class T>
__global__ void combine_rounds_kernel(const T* __restrict__ round_output, const float* __restrict__ round_logsumexp,
                                      int heads, int rounds, int n, int dv, T* __restrict__ out) {
    const int groups = (dv + kCombineColumns - 1) / kCombineColumns;
    const std::size_t e = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= std::size_t(heads) * n * groups) return;
    const std::size_t row = e / groups;  // head * n + i
    const int c0 = int(e % groups) * kCombineColumns;
    const std::size_t head = row / n, i = row % n;
    float peak = -INFINITY;
    for (int h = 0; h < rounds; ++h) peak = fmaxf(peak, round_logsumexp[(head * rounds + h) * n + i]);
    float sum = 0.f, acc[kCombineColumns] = {};
    for (int h = 0; h < rounds; ++h) {
        const std::size_t cat = (head * rounds + h) * n + i;
        const float w = expf(round_logsumexp[cat] - peak);
        sum += w;
#pragma unroll
        for (int j = 0; j < kCombineColumns; ++j)
            if (c0 + j < dv) acc[j] = fmaf(w, float(round_output[cat * dv + c0 + j]), acc[j]);
    }
#pragma unroll
    for (int j = 0; j < kCombineColumns; ++j)
        if (c0 + j < dv) out[row * dv + c0 + j] = T(acc[j] / sum);
}

}  // namespace

template <class T>
ReformerWorkspace<T>::ReformerWorkspace(const ReformerShape& s)
    : buckets(s.slots()), sort_keys(s.slots()), sorted_keys(s.slots()), concat(s.slots()), sorted(s.slots()),
      key_scale(std::size_t(s.heads) * s.n), round_output(s.slots() * s.dv), round_logsumexp(s.slots()) {
    std::size_t bytes = 0;
    check_cuda(cub::DeviceRadixSort::SortPairs(nullptr, bytes, sort_keys.get(), sorted_keys.get(), concat.get(),
                                               sorted.get(), int(s.slots())),
               "cub::DeviceRadixSort (scratch size)");
    sort_scratch = DeviceBuffer<unsigned char>(bytes);
}

void check_limits(const ReformerShape& s) {
    const int chunk = s.standard_attention() ? s.n : s.chunk;  // full attention is one chunk of n
    if (chunk > kReformerMaxChunk || s.d > kReformerMaxDim || s.dv > kReformerMaxDim)
        throw GpuError("the GPU Reformer kernel takes --chunk <= 64 and head dimensions <= 128");
}

template <class T>
void launch_reformer_hash(const T* x, const float* rotations, const ReformerShape& s, ReformerWorkspace<T>& w,
                          cudaStream_t stream) {
    check_limits(s);
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (s.d % 16 == 0) {
            const HashTensorLayout l = hash_tensor_layout(s);
            const std::size_t shared = l.x_bytes + 2 * l.b_bytes + l.out_bytes;
            check_cuda(cudaFuncSetAttribute(hash_tensor_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                       "hash_tensor_kernel shared memory");
            hash_tensor_kernel<<<dim3((s.n + kHashRows - 1) / kHashRows, s.heads), kThreads, shared, stream>>>(
                x, rotations, s, l, w.buckets.get(), w.sort_keys.get(), w.concat.get(), w.key_scale.get());
            check_launch("hash_tensor_kernel");
            return;
        }
    }
    const std::size_t hash_shared = std::size_t(kHashRows) * (s.d + 1) * sizeof(float);
    check_cuda(cudaFuncSetAttribute(hash_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(hash_shared)),
               "hash_kernel shared memory");
    hash_kernel<T><<<dim3((s.n + kHashRows - 1) / kHashRows, s.rounds, s.heads), kHashRows, hash_shared, stream>>>(
        x, rotations, s, w.buckets.get(), w.sort_keys.get(), w.concat.get(), w.key_scale.get());
    check_launch("hash_kernel");
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
    check_limits(s);
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
    template void launch_reformer_hash<T>(const T*, const float*, const ReformerShape&, ReformerWorkspace<T>&,    \
                                          cudaStream_t);                                                          \
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
