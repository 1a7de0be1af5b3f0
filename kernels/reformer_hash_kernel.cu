// Reformer's hash stage (see reformer_kernel.hpp): buckets = first argmax over concat(x R, -x R)
// per round, the sort keys and concatenated positions for the CUB sort, and each key's scale
// 1 / (sqrt(d) * rms(x_j)).
// - bf16 with d a multiple of 16 projects on tensor cores (rotations as hi/lo bf16 pairs,
//   tensor_projection.cuh), every round in one block so x is read once;
// - otherwise a block stages 128 rows of x in shared memory and each thread takes one
//   (round, row), dotting it with 8 rotation columns at a time.
// The positive and negative halves keep their own first maximum and the positive one wins ties.
#include "kernels/reformer_kernel.hpp"

#include <type_traits>

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

}  // namespace

template <class T>
void launch_reformer_hash(const T* x, const float* rotations, const ReformerShape& s, ReformerWorkspace<T>& w,
                          cudaStream_t stream) {
    check_reformer_limits(s);
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

template void launch_reformer_hash<float>(const float*, const float*, const ReformerShape&, ReformerWorkspace<float>&,
                                          cudaStream_t);
template void launch_reformer_hash<__nv_bfloat16>(const __nv_bfloat16*, const float*, const ReformerShape&,
                                                  ReformerWorkspace<__nv_bfloat16>&, cudaStream_t);

}  // namespace hashscope::gpu
