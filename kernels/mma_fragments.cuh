// Warp-level tensor-core pieces in PTX: ldmatrix loads and the m16n8k16 bf16 MMA with f32
// accumulators, used where a kernel keeps its fragments in registers (WMMA hides their layout, so
// a softmax would need a round trip through shared memory). Layouts, per lane: group = lane / 4,
// pair = 2 * (lane % 4).
// - A (16 x 16, row-major), 4 registers of 2 bf16: rows group / group + 8, columns pair / pair + 8.
// - B (16 x 8, k x n), 2 registers: k pair and pair + 8 (two each), column group.
// - C (16 x 8, f32), 4 floats: row group columns pair, pair + 1, then row group + 8 the same.
// A C fragment pair (keys 16 wide) therefore re-packs into the A fragment of the next product.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

#include "kernels/bf16_words.cuh"  // pack_bf16x2: probabilities re-packed as operands

namespace hashscope::gpu {

__device__ inline std::uint32_t shared_address(const void* p) {
    return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// Four 8 x 8 bf16 matrices; lane l gives the row address of matrix l / 8, row l % 8.
__device__ inline void ldmatrix_x4(std::uint32_t (&r)[4], const __nv_bfloat16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(row)));
}

// The same, each matrix transposed on the way (rows of V become the k of a B fragment).
__device__ inline void ldmatrix_x4_trans(std::uint32_t (&r)[4], const __nv_bfloat16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(row)));
}

// Where lane l points an ldmatrix_x4 inside a 16 x 16 tile (row, first of its 8 columns).
struct TileLane {
    int row, column;
};
// The A operand, or a B operand read transposed from rows of k (V): matrices (rows 0-7, columns
// 0-7), (8-15, 0-7), (0-7, 8-15), (8-15, 8-15) give a0..a3, or b0, b1 of columns 0-7 then 8-15.
__device__ inline TileLane a_tile_lane(int lane) { return {lane % 8 + lane / 8 % 2 * 8, lane / 16 * 8}; }
// A B operand stored as rows of n (keys, rotation columns): matrices (rows 0-7, k 0-7), (0-7,
// 8-15), (8-15, 0-7), (8-15, 8-15) give b0, b1 of n 0-7, then b0, b1 of n 8-15.
__device__ inline TileLane b_tile_lane(int lane) { return {lane % 8 + lane / 16 * 8, lane / 8 % 2 * 8}; }

// c += a · b for one 16 x 8 tile.
__device__ inline void mma_bf16_16816(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

}  // namespace hashscope::gpu
