// Projection of bf16 rows onto f32 directions on tensor cores, shared by the SimHash and Reformer
// hash kernels. The f32 directions are carried as two bf16 terms, hi = bf16(p) and
// lo = bf16(p - hi), so x . p = x . hi + x . lo with every product exact in the f32 accumulator:
// 16 bits of each direction's mantissa instead of 8 (relative error ~2^-17). Directions that are
// exact in bf16 (lo = 0), as in the tests, give exactly core's f32 sums of exact products.
#pragma once

#include <cuda_bf16.h>
#include <mma.h>

#include <cstddef>

namespace hashscope::gpu {

// Splits one f32 value into its hi/lo bf16 pair.
__device__ inline void split_bf16(float value, __nv_bfloat16& hi, __nv_bfloat16& lo) {
    hi = __float2bfloat16(value);
    lo = __float2bfloat16(value - __bfloat162float(hi));
}

// out[r][c] = x[r] . (hi + lo)[:, c] for a rows x cols tile (multiples of 16), k = depth (multiple
// of 16). x is row-major [rows][ldx], hi/lo row-major [depth][ldb], out row-major [rows][ldo]; all
// in shared memory, 32-byte aligned tiles. The 16 x 16 output tiles are dealt to `workers` warps,
// this one being number `worker` (the whole block: warp, warps; one warp alone: 0, 1).
__device__ inline void project_on_tensor_cores(const __nv_bfloat16* x, int ldx, const __nv_bfloat16* hi,
                                               const __nv_bfloat16* lo, int ldb, float* out, int ldo, int rows,
                                               int cols, int depth, int worker, int workers) {
    using namespace nvcuda::wmma;
    const int col_tiles = cols / 16;
    for (int t = worker; t < (rows / 16) * col_tiles; t += workers) {
        const int tr = t / col_tiles, tc = t % col_tiles;
        fragment<accumulator, 16, 16, 16, float> acc;
        fill_fragment(acc, 0.f);
        for (int k = 0; k < depth; k += 16) {
            fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> a;
            fragment<matrix_b, 16, 16, 16, __nv_bfloat16, row_major> b;
            load_matrix_sync(a, x + tr * 16 * ldx + k, ldx);
            load_matrix_sync(b, hi + k * ldb + tc * 16, ldb);
            mma_sync(acc, a, b, acc);
            load_matrix_sync(b, lo + k * ldb + tc * 16, ldb);
            mma_sync(acc, a, b, acc);
        }
        store_matrix_sync(out + tr * 16 * ldo + tc * 16, acc, ldo, mem_row_major);
    }
}

// Copies `rows` rows of `width` bf16 (a multiple of 8) into shared memory with leading dimension ld
// (a multiple of 8), 16 bytes at a time. Row r is source row index[r] (a gather), or r itself
// without an index; a negative index or r >= valid gives a zero row. A thread issues four loads
// before it stores any: one piece at a time made a block wait a memory round trip per piece.
__device__ inline void load_rows_16b(const __nv_bfloat16* src, const int* index, int valid, int rows, int width,
                                     __nv_bfloat16* dst, int ld) {
    constexpr int kInFlight = 4;
    const int vectors = width / 8, total = rows * vectors, stride = int(blockDim.x);
    for (int e0 = int(threadIdx.x); e0 < total; e0 += kInFlight * stride) {
        uint4 value[kInFlight];
#pragma unroll
        for (int u = 0; u < kInFlight; ++u) {
            const int e = e0 + u * stride, r = e / vectors, c = e % vectors;
            const int from = e >= total || r >= valid ? -1 : index ? index[r] : r;
            value[u] = from >= 0 ? __ldg(reinterpret_cast<const uint4*>(src + std::size_t(from) * width) + c)
                                 : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < kInFlight; ++u) {
            const int e = e0 + u * stride;
            if (e < total) *reinterpret_cast<uint4*>(dst + e / vectors * ld + e % vectors * 8) = value[u];
        }
    }
}

}  // namespace hashscope::gpu
