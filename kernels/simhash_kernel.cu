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

// Tensor path: each warp runs its own pipeline over 16-row tiles (rows of one head, strided by the
// warps of the grid), with kWarpStages - 1 tiles in flight (cp.async) while it projects and packs
// the current one; the block only shares the split planes. No block-wide barrier in the loop, so a
// warp never waits for another's loads.
constexpr int kMaxTensorWarps = 12, kWarpStages = 3, kTileRows = 16;

// One launch projects the planes [32 first_word, 32 first_word + pass_bits) of the shape's `bits`
// into words first_word.. of each row's row_words: all of them at once, or (planes held in
// registers, more than 32 bits) one word per launch.
struct TensorLayout {
    int first_word, pass_bits, row_words;
    int bits_p, ldx, ldb, ldo, tiles;  // tiles: 16-row tiles per head
    int warps;                         // per block: as many as fit in shared memory, up to kMaxTensorWarps
    std::size_t stage_bytes, planes_bytes, out_bytes;  // stage and out: one warp's
    std::size_t shared(int warp_count) const { return 2 * planes_bytes + warp_count * (kWarpStages * stage_bytes + out_bytes); }
};

// warps = 0 when not even one warp fits in `shared_limit` bytes (the FMA kernel runs instead).
TensorLayout tensor_layout(const SimHashShape& s, std::size_t shared_limit, int first_word, int pass_bits) {
    TensorLayout l;
    l.first_word = first_word, l.pass_bits = pass_bits, l.row_words = s.words();
    l.bits_p = (pass_bits + 15) / 16 * 16;
    l.ldx = s.d + 8, l.ldb = l.bits_p + 8, l.ldo = l.bits_p + 4;  // padded against bank conflicts
    l.tiles = (s.rows + kTileRows - 1) / kTileRows;
    l.stage_bytes = std::size_t(kTileRows) * l.ldx * 2;
    l.planes_bytes = std::size_t(s.d) * l.ldb * 2;
    l.out_bytes = std::size_t(kTileRows) * l.ldo * 4;
    l.warps = kMaxTensorWarps;
    while (l.warps > 0 && l.shared(l.warps) > shared_limit) --l.warps;
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

// The same with the planes held in registers for the whole kernel: KSteps x ColTiles hi/lo
// fragments (128 registers at d 128, 32 bits), so a tile costs the planes no shared-memory reads.
template <int KSteps, int ColTiles>
struct HeldPlanes {
    nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 16, __nv_bfloat16, nvcuda::wmma::row_major> hi[KSteps][ColTiles],
        lo[KSteps][ColTiles];

    __device__ HeldPlanes(const __nv_bfloat16* hi_shared, const __nv_bfloat16* lo_shared, int ldb) {
#pragma unroll
        for (int k = 0; k < KSteps; ++k)
#pragma unroll
            for (int c = 0; c < ColTiles; ++c) {
                nvcuda::wmma::load_matrix_sync(hi[k][c], hi_shared + 16 * k * ldb + c * 16, ldb);
                nvcuda::wmma::load_matrix_sync(lo[k][c], lo_shared + 16 * k * ldb + c * 16, ldb);
            }
    }

    __device__ void project_16_rows(const __nv_bfloat16* x, int ldx, float* out, int ldo) const {
        using namespace nvcuda::wmma;
        fragment<accumulator, 16, 16, 16, float> acc[ColTiles];
#pragma unroll
        for (int c = 0; c < ColTiles; ++c) fill_fragment(acc[c], 0.f);
#pragma unroll
        for (int k = 0; k < KSteps; ++k) {
            fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> a;
            load_matrix_sync(a, x + 16 * k, ldx);
#pragma unroll
            for (int c = 0; c < ColTiles; ++c) {
                mma_sync(acc[c], a, hi[k][c], acc[c]);
                mma_sync(acc[c], a, lo[k][c], acc[c]);
            }
        }
#pragma unroll
        for (int c = 0; c < ColTiles; ++c) store_matrix_sync(out + c * 16, acc[c], ldo, mem_row_major);
    }
};

// An empty stand-in when the planes stay in shared memory.
struct NoHeldPlanes {
    __device__ NoHeldPlanes(const __nv_bfloat16*, const __nv_bfloat16*, int) {}
};

// History (d 128, 32 bits, 8 x 131072 bf16 keys). On the H100, when the block shared one pipeline
// of 128-row tiles: no prefetch 779 GB/s; 2 stages with 8 warps 1158 GB/s; 4 stages of 64 rows with
// 4 warps 854 GB/s; float4 packing 1255 GB/s and project_16_rows 1477 GB/s (0.185 ms); 4 warps of 32
// rows each the same. On the H200 (copy 4.2 TB/s) ncu showed that version at 25% occupancy and the
// L1/shared-memory pipe busier (62%) than DRAM (32%): per 16 rows a warp read 16 KB of plane
// fragments from shared memory for 4 KB of keys. A pipeline per warp alone: 0.182 ms; with the
// planes held in registers (HeldPlanes): 0.121 ms, 2245 GB/s; 4 stages (10 warps fit) instead of 3
// (12 warps): 0.141 ms. Then DRAM 49%, SM 43%, 12 warps an SM (168 registers each), most stalls on
// fixed-latency dependencies: the integer divisions of the copy and pack indices by d / 8 and by the
// word count, known only at run time. With them compile-time (kFixed below): 0.094 ms, 2890 GB/s,
// DRAM 67%. Fewer warps with more registers (8, no spills) or split hi/lo accumulators: slower.
// ColTiles: bits_p / 16 when it is at most 4 (project_16_rows), else 0 (the shared projection).
// KSteps: d / 16 when the planes are held in registers (HeldPlanes), else 0.
template <int ColTiles, int KSteps>
__global__ void __launch_bounds__(32 * kMaxTensorWarps) simhash_tensor_kernel(const __nv_bfloat16* __restrict__ keys,
                                                                 const float* __restrict__ planes,
                                                                 std::uint32_t* __restrict__ codes, SimHashShape s,
                                                                 TensorLayout l) {
    extern __shared__ __align__(128) unsigned char shared[];
    // The index arithmetic below divides by d / 8 and by the word count: known here where possible
    // (ColTiles fixes the words, held planes fix d), a shift where d / 8 is a power of two, so that
    // it compiles to shifts rather than integer divisions, which were most of this kernel's stalls.
    constexpr bool kFixed = KSteps > 0 && ColTiles <= 2;
    const int words = ColTiles > 0 ? (16 * ColTiles + 31) / 32 : (l.pass_bits + 31) / 32;  // this launch's
    const int head = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    auto* hi = reinterpret_cast<__nv_bfloat16*>(shared);
    auto* lo = reinterpret_cast<__nv_bfloat16*>(shared + l.planes_bytes);
    unsigned char* own = shared + 2 * l.planes_bytes + warp * (kWarpStages * l.stage_bytes + l.out_bytes);
    auto stage_of = [&](int stage) { return reinterpret_cast<__nv_bfloat16*>(own + stage * l.stage_bytes); };
    auto* out = reinterpret_cast<float*>(own + kWarpStages * l.stage_bytes);
    const __nv_bfloat16* head_keys = keys + std::size_t(head) * s.rows * s.d;
    codes += std::size_t(head) * s.rows * l.row_words + l.first_word;
    planes += head * s.planes_head_stride + 32 * l.first_word;
    for (int e = threadIdx.x; e < s.d * l.bits_p; e += blockDim.x) {
        const int k = e / l.bits_p, b = e % l.bits_p;
        split_bf16(b < l.pass_bits ? planes[std::size_t(k) * s.bits + b] : 0.f, hi[k * l.ldb + b], lo[k * l.ldb + b]);
    }
    __syncthreads();  // the planes are the only thing the block's warps share
    using Held = std::conditional_t<(KSteps > 0), HeldPlanes<(KSteps > 0 ? KSteps : 1), (ColTiles > 0 ? ColTiles : 1)>, NoHeldPlanes>;
    const Held held(hi, lo, l.ldb);

    const int d = kFixed ? 16 * KSteps : s.d, vectors = d / 8, stride = gridDim.x * l.warps;
    const bool vectors_pow2 = (vectors & (vectors - 1)) == 0;
    const int vector_shift = __ffs(vectors) - 1;
    auto fetch = [&](int tile, __nv_bfloat16* dst) {  // one commit group per lane; rows past the end are zero-filled
        const int row0 = tile * kTileRows;
        for (int e = lane; tile < l.tiles && e < kTileRows * vectors; e += 32) {
            const int r = vectors_pow2 ? e >> vector_shift : e / vectors, c = e - r * vectors;
            const bool inside = row0 + r < s.rows;
            const __nv_bfloat16* src = inside ? head_keys + std::size_t(row0 + r) * d + c * 8 : head_keys;
            __pipeline_memcpy_async(dst + r * l.ldx + c * 8, src, 16, inside ? 0 : 16);
        }
        __pipeline_commit();
    };
    // Every iteration commits exactly one group (empty past the end), so waiting for all but the
    // newest kWarpStages - 1 groups always means: this iteration's tile has landed.
    const int first = blockIdx.x * l.warps + warp;
    for (int stage = 0; stage < kWarpStages - 1; ++stage) fetch(first + stage * stride, stage_of(stage));
    for (int it = 0, tile = first; tile < l.tiles; ++it, tile += stride) {
        fetch(tile + (kWarpStages - 1) * stride, stage_of((it + kWarpStages - 1) % kWarpStages));
        __pipeline_wait_prior(kWarpStages - 1);
        __syncwarp();  // every lane's copies of this tile are visible to the whole warp
        if constexpr (KSteps > 0)
            held.project_16_rows(stage_of(it % kWarpStages), l.ldx, out, l.ldo);
        else if constexpr (ColTiles > 0)
            project_16_rows<ColTiles>(stage_of(it % kWarpStages), l.ldx, hi, lo, l.ldb, out, l.ldo, s.d);
        else
            project_on_tensor_cores(stage_of(it % kWarpStages), l.ldx, hi, lo, l.ldb, out, l.ldo, kTileRows, l.bits_p, s.d, 0, 1);
        __syncwarp();
        // Packing: each lane packs 16 planes of one (row, word) from four float4 reads, and the lane
        // pair holding a word's halves joins them with one shuffle. (A ballot per word, lane j testing
        // plane j, measured slower: 0.272 against 0.233 ms.)
        for (int base = 0; base < 32 * words; base += 32) {
            const int e = base + lane, pair = e / 2, half = e % 2;
            const int r = pair / words, w = pair % words, first_plane = w * 32 + half * 16;
            std::uint32_t piece = 0;
            if (pair < kTileRows * words && first_plane < l.bits_p) {
                const float4* v = reinterpret_cast<const float4*>(out + r * l.ldo + first_plane);
#pragma unroll
                for (int q = 0; q < 4; ++q) {
                    const float4 f = v[q];
                    piece |= std::uint32_t(f.x >= 0.f) << (4 * q) | std::uint32_t(f.y >= 0.f) << (4 * q + 1) |
                             std::uint32_t(f.z >= 0.f) << (4 * q + 2) | std::uint32_t(f.w >= 0.f) << (4 * q + 3);
                }
                const int valid = l.pass_bits - first_plane;  // planes past `bits` stay 0, as in core
                if (valid < 16) piece &= (1u << valid) - 1;
            }
            piece <<= 16 * half;
            piece |= __shfl_xor_sync(0xffffffffu, piece, 1);
            const int row = tile * kTileRows + r;
            if (half == 0 && pair < kTileRows * words && row < s.rows) codes[std::size_t(row) * l.row_words + w] = piece;
        }
        __syncwarp();  // this tile's stage is refilled by the next iteration's fetch
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
        int device = 0, sms = 0, shared_limit = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
        check_cuda(cudaDeviceGetAttribute(&shared_limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
                   "cudaDeviceGetAttribute");
        const TensorLayout whole = tensor_layout(s, std::size_t(shared_limit), 0, s.bits);
        if (s.d % 16 == 0 && whole.warps > 0) {
            auto launch = [&](auto kernel, const TensorLayout& l) {
                const std::size_t shared = l.shared(l.warps);
                // As many blocks as SMs (one block fills an SM's shared memory), shared out among the heads.
                const int blocks_per_head = std::max(1, std::min((l.tiles + l.warps - 1) / l.warps, sms / s.heads));
                check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                           "simhash_tensor_kernel shared memory");
                kernel<<<dim3(blocks_per_head, s.heads), 32 * l.warps, shared, stream>>>(keys, planes, codes, s, l);
            };
            // Planes held in registers for the common head dimensions, 32 bits a launch: past 32 bits
            // the keys are read once per word, which measured faster than all planes from shared memory.
            const int k_steps = s.d / 16;
            if (k_steps == 4 || k_steps == 8) {
                for (int w = 0; w < s.words(); ++w) {
                    const TensorLayout l = tensor_layout(s, std::size_t(shared_limit), w, std::min(32, s.bits - 32 * w));
                    if (l.bits_p == 16) k_steps == 4 ? launch(simhash_tensor_kernel<1, 4>, l) : launch(simhash_tensor_kernel<1, 8>, l);
                    else k_steps == 4 ? launch(simhash_tensor_kernel<2, 4>, l) : launch(simhash_tensor_kernel<2, 8>, l);
                }
            } else {
                const TensorLayout& l = whole;
                const int col_tiles = l.bits_p / 16;
                switch (col_tiles) {
                    case 1: launch(simhash_tensor_kernel<1, 0>, l); break;
                    case 2: launch(simhash_tensor_kernel<2, 0>, l); break;
                    case 3: launch(simhash_tensor_kernel<3, 0>, l); break;
                    case 4: launch(simhash_tensor_kernel<4, 0>, l); break;
                    default: launch(simhash_tensor_kernel<0, 0>, l); break;
                }
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
