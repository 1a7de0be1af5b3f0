// SimHash kernels.
// - bf16 keys with d a multiple of 16 (the common case, and the one timed): tensor cores, with the
//   planes as hi/lo bf16 pairs (tensor_projection.cuh) and the keys streamed through shared memory
//   by cp.async. The FMA version below was compute-bound at ~16% of HBM bandwidth.
// - otherwise (f32 keys, odd d): FMAs. A block owns 128 rows and one 32-bit word; d is walked in
//   slabs of 32 columns staged in shared memory. Each thread accumulates 2 rows x 8 planes in
//   registers; the 4 threads that share a row OR their 8-bit pieces into the word with shuffles.
#include "kernels/simhash_kernel.hpp"

#include <cuda_pipeline.h>

#include <algorithm>
#include <type_traits>

#include "kernels/device_buffer.hpp"
#include "kernels/tensor_projection.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kRows = 128, kSlab = 32, kThreads = 256;

template <class T>
__global__ void __launch_bounds__(kThreads) simhash_kernel(const T* __restrict__ keys, const float* __restrict__ planes,
                                                           std::uint32_t* __restrict__ codes, SimHashShape s) {
    __shared__ float tile[kRows][kSlab + 1];  // +1: rows that differ by 32 fall in different banks
    __shared__ float slab[kSlab][32];
    const int head = blockIdx.z, word = blockIdx.y, row0 = blockIdx.x * kRows;
    const int words = (s.bits + 31) / 32;
    keys += std::size_t(head) * s.rows * s.d;
    planes += head * s.planes_head_stride;
    codes += std::size_t(head) * s.rows * words;

    // Thread t computes rows r and r + 64, planes 8g .. 8g + 7 of this word.
    const int r = threadIdx.x / 4, g = threadIdx.x % 4;
    float acc[2][8] = {};
    for (int k0 = 0; k0 < s.d; k0 += kSlab) {
        for (int e = threadIdx.x; e < kRows * kSlab; e += kThreads) {
            const int row = e / kSlab, k = e % kSlab;
            const bool inside = row0 + row < s.rows && k0 + k < s.d;
            tile[row][k] = inside ? float(keys[std::size_t(row0 + row) * s.d + k0 + k]) : 0.f;
        }
        for (int e = threadIdx.x; e < kSlab * 32; e += kThreads) {
            const int k = e / 32, b = word * 32 + e % 32;
            slab[k][e % 32] = k0 + k < s.d && b < s.bits ? planes[std::size_t(k0 + k) * s.bits + b] : 0.f;
        }
        __syncthreads();
#pragma unroll 4
        for (int k = 0; k < kSlab; ++k) {
            const float x0 = tile[r][k], x1 = tile[r + 64][k];
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const float p = slab[k][8 * g + j];
                acc[0][j] = fmaf(x0, p, acc[0][j]);
                acc[1][j] = fmaf(x1, p, acc[1][j]);
            }
        }
        __syncthreads();
    }
    // Planes past `bits` must stay 0 in the word, as core leaves unused high bits 0.
    const int valid = min(32, s.bits - word * 32);
    for (int half = 0; half < 2; ++half) {
        std::uint32_t piece = 0;
#pragma unroll
        for (int j = 0; j < 8; ++j)
            if (8 * g + j < valid && acc[half][j] >= 0.f) piece |= 1u << (8 * g + j);
        piece |= __shfl_xor_sync(0xffffffffu, piece, 1);
        piece |= __shfl_xor_sync(0xffffffffu, piece, 2);
        const int row = row0 + r + 64 * half;
        if (g == 0 && row < s.rows) codes[std::size_t(row) * words + word] = piece;
    }
}

constexpr int kTensorRows = 128, kTensorThreads = 256, kStages = 2;

struct TensorLayout {
    int bits_p, ldx, ldb, ldo, tiles;  // tiles: 128-row tiles per head
    std::size_t x_bytes, planes_bytes, out_bytes;
};

TensorLayout tensor_layout(const SimHashShape& s) {
    TensorLayout l;
    l.bits_p = (s.bits + 15) / 16 * 16;
    l.ldx = s.d + 8, l.ldb = l.bits_p + 8, l.ldo = l.bits_p + 4;  // padded against bank conflicts
    l.tiles = (s.rows + kTensorRows - 1) / kTensorRows;
    l.x_bytes = std::size_t(kTensorRows) * l.ldx * 2;
    l.planes_bytes = std::size_t(s.d) * l.ldb * 2;
    l.out_bytes = std::size_t(kTensorRows) * l.ldo * 4;
    return l;
}

// One warp's 16 rows against all ColTiles x 16 planes, k outermost so each row fragment is loaded
// once for every column tile (project_on_tensor_cores reloads it per output tile).
template <int ColTiles>
__device__ void project_16_rows(const __nv_bfloat16* x, int ldx, const __nv_bfloat16* hi, const __nv_bfloat16* lo,
                                int ldb, float* out, int ldo, int depth) {
    using namespace nvcuda::wmma;
    fragment<accumulator, 16, 16, 16, float> acc[ColTiles];
#pragma unroll
    for (int c = 0; c < ColTiles; ++c) fill_fragment(acc[c], 0.f);
    for (int k = 0; k < depth; k += 16) {
        fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> a;
        load_matrix_sync(a, x + k, ldx);
#pragma unroll
        for (int c = 0; c < ColTiles; ++c) {
            fragment<matrix_b, 16, 16, 16, __nv_bfloat16, row_major> b;
            load_matrix_sync(b, hi + k * ldb + c * 16, ldb);
            mma_sync(acc[c], a, b, acc[c]);
            load_matrix_sync(b, lo + k * ldb + c * 16, ldb);
            mma_sync(acc[c], a, b, acc[c]);
        }
    }
#pragma unroll
    for (int c = 0; c < ColTiles; ++c) store_matrix_sync(out + c * 16, acc[c], ldo, mem_row_major);
}

// Persistent over tiles of 128 rows: the planes are split once per block, and the rows of the next
// kStages - 1 tiles are in flight (cp.async) while the current tile is projected. Each of the 8
// warps projects and packs its own 16 rows. Measured on the H100 (d 128, 32 bits): no prefetch
// 779 GB/s; 2 stages with 8 warps 1158 GB/s; 4 stages of 64 rows with 4 warps 854 GB/s; then
// float4 packing 1255 GB/s and project_16_rows 1477 GB/s; 4 warps of 32 rows each (reusing plane
// fragments across two row tiles) gave the same at 32 bits and lost 20% at 64: the per-warp work,
// not the loads in flight, is what limits it.
// ColTiles: bits_p / 16 when it is at most 4 (project_16_rows), else 0 (the shared projection).
template <int ColTiles>
__global__ void __launch_bounds__(kTensorThreads) simhash_tensor_kernel(const __nv_bfloat16* __restrict__ keys,
                                                                 const float* __restrict__ planes,
                                                                 std::uint32_t* __restrict__ codes, SimHashShape s,
                                                                 TensorLayout l) {
    extern __shared__ __align__(128) unsigned char shared[];
    auto buffer_of = [&](int stage) { return reinterpret_cast<__nv_bfloat16*>(shared + stage * l.x_bytes); };
    auto* hi = reinterpret_cast<__nv_bfloat16*>(shared + kStages * l.x_bytes);
    auto* lo = reinterpret_cast<__nv_bfloat16*>(shared + kStages * l.x_bytes + l.planes_bytes);
    auto* out = reinterpret_cast<float*>(shared + kStages * l.x_bytes + 2 * l.planes_bytes);
    const int head = blockIdx.y, words = (s.bits + 31) / 32, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const __nv_bfloat16* head_keys = keys + std::size_t(head) * s.rows * s.d;
    codes += std::size_t(head) * s.rows * words;
    planes += head * s.planes_head_stride;
    for (int e = threadIdx.x; e < s.d * l.bits_p; e += blockDim.x) {
        const int k = e / l.bits_p, b = e % l.bits_p;
        split_bf16(b < s.bits ? planes[std::size_t(k) * s.bits + b] : 0.f, hi[k * l.ldb + b], lo[k * l.ldb + b]);
    }
    const int vectors = s.d / 8;
    auto fetch = [&](int tile, __nv_bfloat16* dst) {  // one commit group; rows past the end are zero-filled
        const int row0 = tile * kTensorRows;
        for (int e = threadIdx.x; tile < l.tiles && e < kTensorRows * vectors; e += blockDim.x) {
            const int r = e / vectors, c = e % vectors;
            const bool inside = row0 + r < s.rows;
            const __nv_bfloat16* src = inside ? head_keys + std::size_t(row0 + r) * s.d + c * 8 : head_keys;
            __pipeline_memcpy_async(dst + r * l.ldx + c * 8, src, 16, inside ? 0 : 16);
        }
        __pipeline_commit();
    };
    // Every iteration commits exactly one group (empty past the end), so waiting for all but the
    // newest kStages - 1 groups always means: this iteration's tile has landed.
    for (int stage = 0; stage < kStages - 1; ++stage) fetch(blockIdx.x + stage * gridDim.x, buffer_of(stage));
    for (int it = 0, tile = blockIdx.x; tile < l.tiles; ++it, tile += gridDim.x) {
        fetch(tile + (kStages - 1) * gridDim.x, buffer_of((it + kStages - 1) % kStages));
        __pipeline_wait_prior(kStages - 1);
        __syncthreads();
        const int r0 = 16 * warp;
        if constexpr (ColTiles > 0)
            project_16_rows<ColTiles>(buffer_of(it % kStages) + r0 * l.ldx, l.ldx, hi, lo, l.ldb, out + r0 * l.ldo, l.ldo, s.d);
        else
            project_on_tensor_cores(buffer_of(it % kStages) + r0 * l.ldx, l.ldx, hi, lo, l.ldb, out + r0 * l.ldo, l.ldo, 16,
                                    l.bits_p, s.d, 0, 1);
        __syncwarp();
        // Packing: each lane packs 16 planes of one (row, word) from four float4 reads, and the lane
        // pair holding a word's halves joins them with one shuffle. (A ballot per word, lane j testing
        // plane j, measured slower: 0.272 against 0.233 ms.)
        for (int base = 0; base < 32 * words; base += 32) {
            const int e = base + lane, pair = e / 2, half = e % 2;
            const int r = r0 + pair / words, w = pair % words, first_plane = w * 32 + half * 16;
            std::uint32_t piece = 0;
            if (pair < 16 * words && first_plane < l.bits_p) {
                const float4* v = reinterpret_cast<const float4*>(out + r * l.ldo + first_plane);
#pragma unroll
                for (int q = 0; q < 4; ++q) {
                    const float4 f = v[q];
                    piece |= std::uint32_t(f.x >= 0.f) << (4 * q) | std::uint32_t(f.y >= 0.f) << (4 * q + 1) |
                             std::uint32_t(f.z >= 0.f) << (4 * q + 2) | std::uint32_t(f.w >= 0.f) << (4 * q + 3);
                }
                const int valid = s.bits - first_plane;  // planes past `bits` stay 0, as in core
                if (valid < 16) piece &= (1u << valid) - 1;
            }
            piece <<= 16 * half;
            piece |= __shfl_xor_sync(0xffffffffu, piece, 1);
            const int row = tile * kTensorRows + r;
            if (half == 0 && pair < 16 * words && row < s.rows) codes[std::size_t(row) * words + w] = piece;
        }
        __syncthreads();  // this tile's buffer is refilled by the next iteration's fetch
    }
}

template <class T>
void launch_ffma(const T* keys, const float* planes, std::uint32_t* codes, const SimHashShape& s, cudaStream_t stream) {
    const dim3 grid((s.rows + kRows - 1) / kRows, s.words(), s.heads);
    simhash_kernel<<<grid, kThreads, 0, stream>>>(keys, planes, codes, s);
    check_launch("simhash_kernel");
}

}  // namespace

template <class T>
void launch_simhash(const T* keys, const float* planes, std::uint32_t* codes, const SimHashShape& s,
                    cudaStream_t stream) {
    if (s.rows == 0) return;
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (s.d % 16 == 0) {
            const TensorLayout l = tensor_layout(s);
            const std::size_t shared = kStages * l.x_bytes + 2 * l.planes_bytes + l.out_bytes;
            int device = 0, sms = 0;
            check_cuda(cudaGetDevice(&device), "cudaGetDevice");
            check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
            const int blocks_per_head = std::max(1, std::min(l.tiles, (2 * sms + s.heads - 1) / s.heads));  // two per SM
            const dim3 grid(blocks_per_head, s.heads);
            auto launch = [&](auto kernel) {
                check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                           "simhash_tensor_kernel shared memory");
                kernel<<<grid, kTensorThreads, shared, stream>>>(keys, planes, codes, s, l);
            };
            switch (l.bits_p / 16) {
                case 1: launch(simhash_tensor_kernel<1>); break;
                case 2: launch(simhash_tensor_kernel<2>); break;
                case 3: launch(simhash_tensor_kernel<3>); break;
                case 4: launch(simhash_tensor_kernel<4>); break;
                default: launch(simhash_tensor_kernel<0>); break;
            }
            check_launch("simhash_tensor_kernel");
            return;
        }
    }
    launch_ffma(keys, planes, codes, s, stream);
}

template void launch_simhash<float>(const float*, const float*, std::uint32_t*, const SimHashShape&, cudaStream_t);
template void launch_simhash<__nv_bfloat16>(const __nv_bfloat16*, const float*, std::uint32_t*, const SimHashShape&,
                                            cudaStream_t);

}  // namespace hashscope::gpu
