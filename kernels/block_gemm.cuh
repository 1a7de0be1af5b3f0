// C = A · B on tensor cores for one tile held in shared memory, by the whole block: bf16 inputs,
// f32 output, rows x cols (multiples of 16) over depth (a multiple of 16). A is row-major [rows][lda];
// B is [depth][ldb] row-major or, with BLayout = col_major, [cols][ldb] (each column stored as a
// row, as keys are when computing q · k). The 16 x 16 output tiles are dealt to the warps in turn.
#pragma once

#include <cuda_bf16.h>
#include <mma.h>

#include <type_traits>

namespace hashscope::gpu {

template <class BLayout>
__device__ inline void block_gemm(const __nv_bfloat16* a, int lda, const __nv_bfloat16* b, int ldb, float* c, int ldc,
                                  int rows, int cols, int depth) {
    using namespace nvcuda::wmma;
    constexpr bool b_columns = std::is_same_v<BLayout, col_major>;
    const int warp = threadIdx.x / 32, warps = blockDim.x / 32, col_tiles = cols / 16;
    for (int t = warp; t < (rows / 16) * col_tiles; t += warps) {
        const int tr = t / col_tiles, tc = t % col_tiles;
        fragment<accumulator, 16, 16, 16, float> acc;
        fill_fragment(acc, 0.f);
        for (int k = 0; k < depth; k += 16) {
            fragment<matrix_a, 16, 16, 16, __nv_bfloat16, row_major> fa;
            fragment<matrix_b, 16, 16, 16, __nv_bfloat16, BLayout> fb;
            load_matrix_sync(fa, a + tr * 16 * lda + k, lda);
            load_matrix_sync(fb, b_columns ? b + tc * 16 * ldb + k : b + k * ldb + tc * 16, ldb);
            mma_sync(acc, fa, fb, acc);
        }
        store_matrix_sync(c + tr * 16 * ldc + tc * 16, acc, ldc, mem_row_major);
    }
}

}  // namespace hashscope::gpu
