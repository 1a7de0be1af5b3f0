// Reformer's hash stage (see reformer_kernel.hpp): buckets = first argmax over concat(x R, -x R)
// per round, the sort keys and concatenated positions for the CUB sort, and each key's scale
// 1 / (sqrt(d) * rms(x_j)).
// - bf16 with d a multiple of 16 projects on tensor cores (rotations as hi/lo bf16 pairs,
//   tensor_projection.cuh; fragments of mma_fragments.cuh), every round in one block;
// - otherwise a block stages 128 rows of x in shared memory and each thread takes one
//   (round, row), dotting it with 8 rotation columns at a time.
// The positive and negative halves keep their own first maximum and the positive one wins ties.
#include "kernels/reformer_kernel.hpp"

#include <climits>
#include <type_traits>

#include "kernels/mma_fragments.cuh"
#include "kernels/tensor_projection.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kHashRows = 128, kThreads = 256;
constexpr float kNormEpsilon = 1e-6f;

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

// bf16 x with d a multiple of 16: the projections on tensor cores in mma.sync fragments, every
// round in one block so x is read once. split_rotations_kernel first splits the rotations into
// hi/lo bf16 and transposes them (each column's d values a row that ldmatrix reads). A warp holds
// its 16 rows as A fragments for the whole kernel; the split rotations pass through shared memory
// 64 columns at a time, 16-byte copies, the next slice loading into registers while the current
// one is projected. Each lane keeps the first maximum of its own
// columns of the positive and negative halves, and the 4 lanes of a row merge theirs by shuffles:
// no projection is stored. History at n 65536, 8 heads, d 64, 4 rounds, 64 buckets (H200,
// 2026-12-05): the WMMA version, which stored every projection to shared memory and scanned it a
// thread per row, 0.31 ms; fragments with every block splitting the f32 rotations itself, 0.28 ms
// (ncu: 139M instructions, most of them that split, and 4-way bank conflicts on its 2-byte stores).
constexpr int kSliceColumns = 64;

struct HashTensorLayout {
    int ld;  // of x rows and rotation columns, in bf16: d + 8, so ldmatrix rows fall in distinct banks
    int steps;    // slices of kSliceColumns over all rounds' columns, end to end
    int columns;  // rotation columns a round, padded to 16 (reformer_rotation_columns)
    std::size_t x_bytes, slice_bytes;
};

HashTensorLayout hash_tensor_layout(const ReformerShape& s) {
    HashTensorLayout l;
    l.ld = s.d + 8;
    l.columns = reformer_rotation_columns(s);
    l.steps = (s.rounds * l.columns + kSliceColumns - 1) / kSliceColumns;
    l.x_bytes = std::size_t(kHashRows) * l.ld * 2;
    l.slice_bytes = std::size_t(kSliceColumns) * l.ld * 2;
    return l;
}

// A running first maximum: the larger value, the lower column on a tie.
struct FirstMax {
    float value = -INFINITY;
    int column = INT_MAX;
    __device__ void offer(float v, int c) {
        if (v > value || (v == value && c < column)) value = v, column = c;
    }
    __device__ void merge_quad() {  // over the 4 lanes that share a row
        for (int o = 1; o <= 2; o *= 2) offer(__shfl_xor_sync(0xffffffffu, value, o), __shfl_xor_sync(0xffffffffu, column, o));
    }
};

// hi / lo [heads][rounds][columns][d] from rotations [heads][rounds][d][half]; padding columns 0.
__global__ void split_rotations_kernel(const float* __restrict__ rotations, ReformerShape s, int columns,
                                       __nv_bfloat16* __restrict__ hi, __nv_bfloat16* __restrict__ lo) {
    const int half = s.buckets / 2;
    const std::size_t e = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;  // over [head, round][column][k]
    if (e >= std::size_t(s.heads) * s.rounds * columns * s.d) return;
    const int k = int(e % s.d), c = int(e / s.d % columns);
    const std::size_t head_round = e / (std::size_t(s.d) * columns);
    split_bf16(c < half ? rotations[(head_round * s.d + k) * half + c] : 0.f, hi[e], lo[e]);
}

// A slice is 2 planes (hi, lo) x 64 columns x D / 8 pieces of 16 bytes; thread t takes pieces
// t, t + kThreads, ... (consecutive threads, consecutive bytes): this is its v-th.
struct SlicePiece {
    int plane, column, piece;  // column within the slice
};
template <int D>
__device__ SlicePiece slice_piece(int v) {
    constexpr int kPieces = D / 8;
    const int e = threadIdx.x + v * kThreads;
    return {e / (kSliceColumns * kPieces), e / kPieces % kSliceColumns, e % kPieces};
}

// D (= d) is a template argument so that the fragments and the prefetch take only the registers
// they need: three blocks share an SM up to d 64, two up to d 96 (no spills), one above.
template <int D>
__global__ void __launch_bounds__(kThreads, D <= 64 ? 3 : D <= 96 ? 2 : 1) hash_tensor_kernel(const __nv_bfloat16* __restrict__ x,
                                                              const __nv_bfloat16* __restrict__ split_hi,
                                                              const __nv_bfloat16* __restrict__ split_lo, ReformerShape s,
                                                              HashTensorLayout l, std::int32_t* __restrict__ buckets,
                                                              std::uint32_t* __restrict__ sort_keys,
                                                              std::int32_t* __restrict__ concat,
                                                              float* __restrict__ key_scale) {
    extern __shared__ __align__(128) unsigned char shared[];
    auto* xs = reinterpret_cast<__nv_bfloat16*>(shared);
    auto* hi = reinterpret_cast<__nv_bfloat16*>(shared + l.x_bytes);  // [column][k], the slice's
    auto* lo = reinterpret_cast<__nv_bfloat16*>(shared + l.x_bytes + l.slice_bytes);
    constexpr int kSliceVectors = 2 * kSliceColumns * (D / 8) / kThreads;  // slice_piece's per thread
    const int head = blockIdx.y, row0 = blockIdx.x * kHashRows, half = s.buckets / 2;
    const int lane = threadIdx.x % 32, group = lane / 4, pair = 2 * (lane % 4), q0 = 16 * (threadIdx.x / 32);
    const TileLane at = a_tile_lane(lane), bt = b_tile_lane(lane);

    // The split rotations are [heads][rounds][columns][d]: a head's columns of every round lie end
    // to end, so a slice may span rounds (at 64 buckets, two rounds of 32 columns a slice: half the
    // steps, barriers and waits for the next slice of one slice per round).
    const int head_columns = s.rounds * l.columns;
    uint4 next[kSliceVectors];
    auto prefetch = [&](int step) {
#pragma unroll
        for (int v = 0; v < kSliceVectors; ++v) {
            const SlicePiece p = slice_piece<D>(v);
            const int c = step * kSliceColumns + p.column;
            const std::size_t column = std::size_t(head) * head_columns + c;
            if (c < head_columns)
                next[v] = __ldg(reinterpret_cast<const uint4*>((p.plane ? split_lo : split_hi) + column * D + 8 * p.piece));
        }
    };
    prefetch(0);
    load_rows_16b(x + (std::size_t(head) * s.n + row0) * s.d, nullptr, min(kHashRows, s.n - row0), kHashRows, s.d, xs, l.ld);
    __syncthreads();

    std::uint32_t a[D / 16][4];
    float squares[2] = {0.f, 0.f};  // rows group and group + 8
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
        ldmatrix_x4(a[kk], xs + (q0 + at.row) * l.ld + 16 * kk + at.column);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
            const float2 f = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&a[kk][r]));
            squares[r % 2] += f.x * f.x + f.y * f.y;
        }
    }
    const int rows[2] = {row0 + q0 + group, row0 + q0 + group + 8};
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        squares[r] += __shfl_xor_sync(0xffffffffu, squares[r], 1);
        squares[r] += __shfl_xor_sync(0xffffffffu, squares[r], 2);
        if (lane % 4 == 0 && rows[r] < s.n) key_scale[std::size_t(head) * s.n + rows[r]] = key_scale_of(squares[r], s.d);
    }

    FirstMax positive[2], negative[2];
    for (int step = 0; step < l.steps; ++step) {
        const int first = step * kSliceColumns;
        __syncthreads();  // every warp is done with the previous slice
#pragma unroll
        for (int v = 0; v < kSliceVectors; ++v) {
            const SlicePiece p = slice_piece<D>(v);
            if (first + p.column < head_columns)
                *reinterpret_cast<uint4*>((p.plane ? lo : hi) + p.column * l.ld + 8 * p.piece) = next[v];
        }
        __syncthreads();
        if (step + 1 < l.steps) prefetch(step + 1);

        // 16 columns at a time, each group within one round (its columns are half rounded up to 16,
        // so every group holds at least one real column).
        for (int c0 = 0; c0 < kSliceColumns && first + c0 < head_columns; c0 += 16) {
            const int round = (first + c0) / l.columns, c = (first + c0) % l.columns;
            float acc[2][4] = {};
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                const int offset = (c0 + bt.row) * l.ld + 16 * kk + bt.column;
                std::uint32_t b[4];
                ldmatrix_x4(b, hi + offset);
                mma_bf16_16816(acc[0], a[kk], b[0], b[1]);
                mma_bf16_16816(acc[1], a[kk], b[2], b[3]);
                ldmatrix_x4(b, lo + offset);
                mma_bf16_16816(acc[0], a[kk], b[0], b[1]);
                mma_bf16_16816(acc[1], a[kk], b[2], b[3]);
            }
#pragma unroll
            for (int t = 0; t < 2; ++t)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int column = c + 8 * t + pair + e % 2;
                    if (column < half) positive[e / 2].offer(acc[t][e], column), negative[e / 2].offer(-acc[t][e], column);
                }
            if (c + 16 == l.columns) {  // the round's last columns
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    positive[r].merge_quad(), negative[r].merge_quad();
                    if (lane % 4 == 0 && rows[r] < s.n)
                        store_bucket(s, head, round, rows[r],
                                     first_argmax_concat(positive[r].value, positive[r].column, negative[r].value,
                                                         negative[r].column, half),
                                     buckets, sort_keys, concat);
                    positive[r] = FirstMax{}, negative[r] = FirstMax{};
                }
            }
        }
    }
}

// Calls launch(hash_tensor_kernel<d>) for d in 16, 32, ..., kReformerMaxDim.
template <int D = 16, class Launch>
void with_depth(int d, Launch&& launch) {
    if constexpr (D <= kReformerMaxDim) {
        if (d == D) return launch(hash_tensor_kernel<D>);
        with_depth<D + 16>(d, launch);
    }
}

}  // namespace

template <class T>
void launch_reformer_hash(const T* x, const float* rotations, const ReformerShape& s, ReformerWorkspace<T>& w,
                          cudaStream_t stream) {
    check_reformer_limits(s);
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (reformer_hash_on_tensor_cores<T>(s)) {
            const HashTensorLayout l = hash_tensor_layout(s);
            const std::size_t split_values = std::size_t(s.heads) * s.rounds * l.columns * s.d;
            __nv_bfloat16 *split_hi = w.rotation_split.get(), *split_lo = split_hi + split_values;
            split_rotations_kernel<<<unsigned((split_values + 255) / 256), 256, 0, stream>>>(rotations, s, l.columns,
                                                                                             split_hi, split_lo);
            check_launch("split_rotations_kernel");
            const std::size_t shared = l.x_bytes + 2 * l.slice_bytes;
            auto launch = [&](auto kernel) {
                check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                           "hash_tensor_kernel shared memory");
                kernel<<<dim3((s.n + kHashRows - 1) / kHashRows, s.heads), kThreads, shared, stream>>>(
                    x, split_hi, split_lo, s, l, w.buckets.get(), w.sort_keys.get(), w.concat.get(), w.key_scale.get());
            };
            with_depth(s.d, launch);
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

template void launch_reformer_hash<float>(const float*, const float*, const ReformerShape&, ReformerWorkspace<float>&,
                                          cudaStream_t);
template void launch_reformer_hash<__nv_bfloat16>(const __nv_bfloat16*, const float*, const ReformerShape&,
                                                  ReformerWorkspace<__nv_bfloat16>&, cudaStream_t);

}  // namespace hashscope::gpu
