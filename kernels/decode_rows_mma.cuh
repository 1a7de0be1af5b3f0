// Up to 8 queries attending to a warp's share of gathered K/V rows on mma.sync, for head dims 64
// and 128: the tensor-core twin of attend_rows (warp_rows.cuh) for the Hamming decode. attend_rows
// spends a 5-shuffle warp sum on every (row, query) score and its arithmetic on each row in turn;
// here a warp takes 16 rows at a time in 24 (d 128) products.
//
// The rows are first staged in shared memory by cp.async, all of a warp's tiles at once, one
// commit group per tile: the warp's whole share is in flight together and the first tile is
// attended while the next lands. (Loaded from global memory straight into fragments, each warp
// waited for its tiles in turn: ncu at n = 1M saw 12 warps an SM at 69% of DRAM, stalled on
// those loads.)
//
// Scores come transposed, S^T = Q K^T: the queries are the 16 rows of A (8 real at most, the rest
// zero) and the keys its n, so a lane's scores are one query's over four keys, and as bf16 they
// are at once the B operand of O^T = V^T P^T, whose m are the dims. Each operand is loaded from
// the staged rows into its fragment in 16-byte pieces, which takes one trick. The dims are
// permuted, the same way for q and k (a dot product does not care), so that each lane's share of
// a row is whole 16-byte pieces (8 dims):
//   - in Q K^T, lane quad position p = lane % 4 holds pieces p, p + 4, ... of its rows; its word w
//     (of piece w / 4) holds 2 dims, k-step kk's logical columns 2p, 2p + 1 being word 2 kk and
//     columns 2p + 8, 2p + 9 word 2 kk + 1 (a bijection over the D / 16 steps);
//   - in V^T P^T, lane group g = lane / 4 holds pieces g, g + 8 (one piece at d 64); m-tile mt's
//     logical rows g and g + 8 are the two dims of its word mt. Two rows' words interleave into an
//     A register with one byte permute. The output fragments say which dims they hold, and are
//     stored there.
#pragma once

#include <cuda_bf16.h>
#include <cuda_pipeline.h>

#include <cstdint>

#include "kernels/bf16_words.cuh"
#include "kernels/mma_fragments.cuh"

namespace hashscope::gpu {

// A warp's share of a segment in shared memory: Tiles x 16 rows of K and of V, each row's 16-byte
// pieces swizzled (staged_piece).
template <int D, int Tiles>
struct StagedRows {
    __nv_bfloat16 k[16 * Tiles][D], v[16 * Tiles][D];
};

// Where piece `piece` of staged row `row` lies. The 8 lanes of each quarter-warp phase of a
// 16-byte load read, for K, pieces p of rows g and g + 1 (g even) and, for V, pieces g, g + 1 of
// rows 2p + c: XOR-ing bits 1-2 of the row into bits 1-2 of the piece and bit 0 into bit 2 gives
// both 8 different 16-byte bank groups (rows are 128 or 256 bytes, so unswizzled a phase would
// share two or four).
__device__ inline int staged_piece(int row, int piece) { return piece ^ (row & 6) ^ ((row & 1) << 2); }

// Copies the warp's rows (list entry `entry` of lane l is row l's; past `count`, row 0, weighed
// by nothing) into `staged`, one commit group per tile: a tile's 16 rows by 16-byte pieces, the
// lanes of an instruction reading whole rows.
template <int D, int Tiles>
__device__ inline void stage_rows(const __nv_bfloat16* __restrict__ keys, const __nv_bfloat16* __restrict__ values,
                                  int entry, int count, int lane, StagedRows<D, Tiles>& staged) {
    constexpr int kPieces = D / 8;
    static_assert(16 * Tiles <= 32, "one list entry a lane");
    const int row_of_lane = lane < count ? entry : 0;
#pragma unroll
    for (int tile = 0; tile < Tiles; ++tile) {
        if (16 * tile < count)
#pragma unroll
            for (int i = 0; i < 16 * kPieces / 32; ++i) {
                const int e = lane + 32 * i, r = 16 * tile + e / kPieces, piece = e % kPieces;
                const std::size_t from = std::size_t(__shfl_sync(0xffffffffu, row_of_lane, r)) * D + 8 * piece;
                const int to = 8 * staged_piece(r, piece);
                __pipeline_memcpy_async(&staged.k[r][to], keys + from, 16);
                __pipeline_memcpy_async(&staged.v[r][to], values + from, 16);
            }
        __pipeline_commit();
    }
}

// The 16-byte piece at `at` as words 4 i .. 4 i + 3 of w.
template <int Words>
__device__ inline void load_piece(const __nv_bfloat16* at, int i, std::uint32_t (&w)[Words]) {
    const uint4 piece = *reinterpret_cast<const uint4*>(at);
    w[4 * i] = piece.x, w[4 * i + 1] = piece.y, w[4 * i + 2] = piece.z, w[4 * i + 3] = piece.w;
}

// Words 32-bit words (pairs of bf16) of staged row r: its pieces first, first + Lanes, ... (of the
// Lanes lanes that share the row).
template <int Lanes, int Words, int D>
__device__ inline void load_pieces(const __nv_bfloat16 (&row)[D], int r, int first, std::uint32_t (&w)[Words]) {
    static_assert(Words % 4 == 0, "whole 16-byte pieces");
#pragma unroll
    for (int i = 0; i < Words / 4; ++i) load_piece(&row[8 * staged_piece(r, Lanes * i + first)], i, w);
}

// Queries [Q][D] (rows 16-byte aligned) over the first `count` staged rows (stage_rows' groups
// still in flight), scores scaled by `scale`; per query, this warp's running maximum, sum of
// exp(score - maximum) and unnormalised output go to peak, total and out (a warp without rows
// leaves -inf, 0, 0).
template <int Q, int D, int Tiles, int Ld>
__device__ inline void attend_staged_rows(const __nv_bfloat16* __restrict__ queries, float scale,
                                          const StagedRows<D, Tiles>& staged, int count, int lane, float (&peak)[Q],
                                          float (&total)[Q], float (&out)[Q][Ld]) {
    static_assert(Q >= 1 && Q <= 8 && (D == 64 || D == 128) && Ld >= D, "8 queries, d 64 or 128");
    constexpr int kSteps = D / 16;          // k-steps of Q K^T, and m-tiles of V^T P^T
    constexpr int kKeyWords = D / 8;        // a lane's quarter of a K (or q) row, in words
    constexpr int kValueWords = D / 16;     // its eighth of a V row
    const int g = lane / 4, p = lane % 4;
    // This lane's V rows of a 16-row tile: the k of its A registers (and of its P words).
    const int value_row[4] = {2 * p, 2 * p + 1, 2 * p + 8, 2 * p + 9};

    std::uint32_t qw[kKeyWords] = {};  // query g's quarter p: A rows g (rows g + 8 stay zero)
    if (g < Q)
#pragma unroll
        for (int i = 0; i < kKeyWords / 4; ++i) load_piece(queries + g * D + 8 * (4 * i + p), i, qw);
    float running_peak = -INFINITY, running_sum = 0.f;  // query g's; the sum over this lane's keys
    float acc[kSteps][4] = {};  // O^T: dims (g, g + 8 of each m-tile) x queries 2p, 2p + 1
#pragma unroll
    for (int tile = 0; tile < Tiles; ++tile) {
        const int t0 = 16 * tile;
        if (t0 >= count) break;
        __pipeline_wait_prior(Tiles - 1 - tile);
        __syncwarp();  // every lane's copies of the tile have landed
        std::uint32_t kw[2][kKeyWords], vw[4][kValueWords];
#pragma unroll
        for (int nt = 0; nt < 2; ++nt) load_pieces<4>(staged.k[t0 + 8 * nt + g], 8 * nt + g, p, kw[nt]);
#pragma unroll
        for (int r = 0; r < 4; ++r) load_pieces<8>(staged.v[t0 + value_row[r]], value_row[r], g, vw[r]);

        // S^T for key rows 8 nt + n: this lane gets query g's scores for keys 2p, 2p + 1, 2p + 8, 2p + 9.
        float s[2][4] = {};
#pragma unroll
        for (int nt = 0; nt < 2; ++nt)
#pragma unroll
            for (int kk = 0; kk < kSteps; ++kk) {
                const std::uint32_t a[4] = {qw[2 * kk], 0u, qw[2 * kk + 1], 0u};
                mma_bf16_16816(s[nt], a, kw[nt][2 * kk], kw[nt][2 * kk + 1]);
            }
        float score[4] = {s[0][0], s[0][1], s[1][0], s[1][1]}, tile_peak = -INFINITY;
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            score[e] = t0 + value_row[e] < count ? score[e] * scale : -INFINITY;
            tile_peak = fmaxf(tile_peak, score[e]);
        }
        tile_peak = fmaxf(tile_peak, __shfl_xor_sync(0xffffffffu, tile_peak, 1));
        tile_peak = fmaxf(tile_peak, __shfl_xor_sync(0xffffffffu, tile_peak, 2));
        const float next = fmaxf(running_peak, tile_peak);  // finite: the tile's first row is in the list
        const float fade = __expf(running_peak - next);    // 0 on the first tile
        running_peak = next;
        // Probabilities as bf16, the B operand (keys 2p, 2p + 1 | 2p + 8, 2p + 9 of query g); the
        // sum adds what is multiplied, the rounded values.
        const std::uint32_t b0 = pack_bf16x2(__expf(score[0] - next), __expf(score[1] - next));
        const std::uint32_t b1 = pack_bf16x2(__expf(score[2] - next), __expf(score[3] - next));
        running_sum = running_sum * fade + (low_bf16(b0) + high_bf16(b0)) + (low_bf16(b1) + high_bf16(b1));
        // The accumulator columns are queries 2p and 2p + 1, whose fades lanes 8p and 8p + 4 hold.
        const float fade_even = __shfl_sync(0xffffffffu, fade, 8 * p), fade_odd = __shfl_sync(0xffffffffu, fade, 8 * p + 4);
#pragma unroll
        for (int mt = 0; mt < kSteps; ++mt) {
            acc[mt][0] *= fade_even, acc[mt][1] *= fade_odd, acc[mt][2] *= fade_even, acc[mt][3] *= fade_odd;
            // V^T rows (dims) g and g + 8 of m-tile mt: the low and high halves of word mt.
            const std::uint32_t a[4] = {__byte_perm(vw[0][mt], vw[1][mt], 0x5410), __byte_perm(vw[0][mt], vw[1][mt], 0x7632),
                                        __byte_perm(vw[2][mt], vw[3][mt], 0x5410), __byte_perm(vw[2][mt], vw[3][mt], 0x7632)};
            mma_bf16_16816(acc[mt], a, b0, b1);
        }
    }
    running_sum += __shfl_xor_sync(0xffffffffu, running_sum, 1);
    running_sum += __shfl_xor_sync(0xffffffffu, running_sum, 2);
    if (p == 0 && g < Q) peak[g] = running_peak, total[g] = running_sum;
#pragma unroll
    for (int mt = 0; mt < kSteps; ++mt) {
        const int dim = 8 * (8 * (mt / 4) + g) + 2 * (mt % 4);  // word mt: piece 8 (mt / 4) + g
        if (2 * p < Q) out[2 * p][dim] = acc[mt][0], out[2 * p][dim + 1] = acc[mt][2];
        if (2 * p + 1 < Q) out[2 * p + 1][dim] = acc[mt][1], out[2 * p + 1][dim + 1] = acc[mt][3];
    }
}

}  // namespace hashscope::gpu
