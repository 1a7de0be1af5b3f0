// Chunk attention on mma.sync fragments (see reformer_chunk_mma.hpp). One block walks chunks
// [first, last) of one head with a warp per 16 query rows (2 x chunk threads). Shared memory holds
// three slots of gathered rows: the look-back chunk, the own chunk and the next one, loading by
// cp.async while the current chunk is attended. A warp's scores for its 16 queries against the
// 2 x chunk keys (look-back, then own) stay in accumulator registers; masked, exponentiated and
// re-packed as bf16 they are the A operand of the product with V. Why this replaced the WMMA
// kernel for these shapes: that one stored scores and probabilities to shared memory between
// three block-wide barriers per chunk and gathered every chunk twice (ncu: latency-bound at 37.5%
// occupancy, 2026-12-04).
#include "kernels/reformer_chunk_mma.hpp"

#include <cuda_pipeline.h>

#include <algorithm>

#include "kernels/device_buffer.hpp"
#include "kernels/mma_fragments.cuh"

namespace hashscope::gpu {
namespace {

constexpr int kSlots = 3;                                 // look-back, own, next
constexpr int kMaxScoreTiles = 2 * kReformerMaxChunk / 8;  // 16 x 8 score tiles of one warp

// Rows of D bf16 are stored in 16-byte pieces, piece p of row r at p ^ (r % 8): the 8 rows an
// ldmatrix reads at one logical piece then sit in 8 different bank groups (rows are 128 or 256
// bytes, so unswizzled they would all share one).
template <int D>
__device__ inline int swizzled(int row, int column) {
    return row * D + (((column / 8) ^ (row & 7)) * 8) + column % 8;
}

__host__ __device__ inline std::size_t slot_bytes(int chunk, int d) {
    return (std::size_t(2) * chunk * d * sizeof(__nv_bfloat16) + 3 * std::size_t(chunk) * 4 + 127) / 128 * 128;
}

// One slot: the chunk's x rows (queries and keys) and v rows, and per row its concat index
// ((head * rounds + round) * n + position), position and key scale.
struct Slot {
    __nv_bfloat16 *x, *v;
    int *concat, *position;
    float* scale;
};

template <int D>
__device__ Slot slot_at(unsigned char* shared, int s, int chunk) {
    unsigned char* base = shared + s * slot_bytes(chunk, D);
    Slot slot;
    slot.x = reinterpret_cast<__nv_bfloat16*>(base);
    slot.v = slot.x + chunk * D;
    slot.concat = reinterpret_cast<int*>(slot.v + chunk * D);
    slot.position = slot.concat + chunk;
    slot.scale = reinterpret_cast<float*>(slot.position + chunk);
    return slot;
}

// The head's rows and scales, and a warp's share of a gather: the warp's 16 rows of the chunk
// (16 warp .. 16 warp + 15; thread t brings the concat index of its own row, t / 2). Its lanes copy
// consecutive 16-byte pieces of a row, so each copy instruction reads whole rows, 4 at d 64 and 2
// at d 128 (with a lane per half row, each read half of 32 sectors: ncu, 2026-12-05).
template <int D>
struct HeadRows {
    const __nv_bfloat16 *x, *v;
    const float* scale;
    int n;

    __device__ void gather(const Slot& slot, int concat) const {
        constexpr int kPieces = D / 8;  // 16-byte pieces per row; 16 rows x kPieces over 32 lanes
        const int lane = threadIdx.x % 32, own_row = threadIdx.x / 2, first_row = 16 * (threadIdx.x / 32);
        const int position = concat % n;
        // Not unrolled: unrolled, the pieces' addresses stayed live into the attention (141 registers
        // at d 64 instead of 126, one block an SM fewer).
#pragma unroll 1
        for (int i = 0; i < kPieces / 2; ++i) {
            const int e = lane + 32 * i, local = e / kPieces, piece = e % kPieces;
            const int from = __shfl_sync(0xffffffffu, position, 2 * local);  // row first_row + local's, from its owner
            __pipeline_memcpy_async(slot.x + swizzled<D>(first_row + local, 8 * piece), x + std::size_t(from) * D + 8 * piece, 16);
            __pipeline_memcpy_async(slot.v + swizzled<D>(first_row + local, 8 * piece), v + std::size_t(from) * D + 8 * piece, 16);
        }
        if (threadIdx.x % 2 == 0) {
            slot.concat[own_row] = concat, slot.position[own_row] = position;
            __pipeline_memcpy_async(slot.scale + own_row, scale + position, sizeof(float));
        }
    }
};

// The logit of query i for key j: core's masks over the scaled score.
__device__ inline float masked_logit(float scaled, int i, int j, bool causal) {
    return i == j ? kReformerSelfMaskF : causal && j > i ? kReformerCausalMaskF : scaled;
}

// Key tile t (keys 8 t .. 8 t + 7) of the 2 x chunk: the look-back chunk's rows first, then the own
// chunk's; chunk is a multiple of 16, so no tile straddles the two. (The slot is copied, not
// pointed to: a pointer to it would put the caller's slots in local memory.)
struct KeyRow {
    Slot slot;
    int row;
};
__device__ inline KeyRow key_tile(const Slot& back, const Slot& own, int chunk, int t) {
    return 8 * t < chunk ? KeyRow{back, 8 * t} : KeyRow{own, 8 * t - chunk};
}

// The warp's 16 queries (rows 16 warp .. of the own chunk) against the 2 x chunk keys.
template <int D>
__device__ void attend_chunk(const Slot& back, const Slot& own, int chunk, bool causal,
                             __nv_bfloat16* __restrict__ round_output, float* __restrict__ round_logsumexp) {
    const int lane = threadIdx.x % 32, group = lane / 4, pair = 2 * (lane % 4);
    const int q0 = 16 * (threadIdx.x / 32), score_tiles = 2 * chunk / 8;
    const TileLane at = a_tile_lane(lane), bt = b_tile_lane(lane);

    std::uint32_t q[D / 16][4];
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk)
        ldmatrix_x4(q[kk], own.x + swizzled<D>(q0 + at.row, 16 * kk + at.column));

    float s[kMaxScoreTiles][4] = {};
#pragma unroll
    for (int t = 0; t < kMaxScoreTiles; t += 2) {
        if (t >= score_tiles) break;
        const KeyRow k = key_tile(back, own, chunk, t);
#pragma unroll
        for (int kk = 0; kk < D / 16; ++kk) {
            std::uint32_t b[4];
            ldmatrix_x4(b, k.slot.x + swizzled<D>(k.row + bt.row, 16 * kk + bt.column));
            mma_bf16_16816(s[t], q[kk], b[0], b[1]);
            mma_bf16_16816(s[t + 1], q[kk], b[2], b[3]);
        }
    }

    // Rows group and group + 8 of the warp's queries; the 4 lanes of a quad hold a row between them.
    const int i[2] = {own.position[q0 + group], own.position[q0 + group + 8]};
    float peak[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int t = 0; t < kMaxScoreTiles; ++t) {
        if (t >= score_tiles) break;
        const KeyRow k = key_tile(back, own, chunk, t);
#pragma unroll
        for (int e = 0; e < 2; ++e) {
            const int j = k.slot.position[k.row + pair + e];
            const float scale = k.slot.scale[k.row + pair + e];
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                float& logit = s[t][2 * r + e];
                logit = masked_logit(logit * scale, i[r], j, causal);
                peak[r] = fmaxf(peak[r], logit);
            }
        }
    }
    float sum[2] = {0.f, 0.f};
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        peak[r] = fmaxf(peak[r], __shfl_xor_sync(0xffffffffu, peak[r], 1));
        peak[r] = fmaxf(peak[r], __shfl_xor_sync(0xffffffffu, peak[r], 2));
    }
#pragma unroll
    for (int t = 0; t < kMaxScoreTiles; ++t) {
        if (t >= score_tiles) break;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            s[t][c] = __expf(s[t][c] - peak[c / 2]);
            sum[c / 2] += s[t][c];
        }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 1);
        sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 2);
    }
    const int concat[2] = {own.concat[q0 + group], own.concat[q0 + group + 8]};
    if (lane % 4 == 0)
        for (int r = 0; r < 2; ++r) round_logsumexp[concat[r]] = peak[r] + logf(sum[r]);

    // Unnormalised probabilities (bf16) times V, 16 keys at a time; 1 / sum applied at the end.
    float o[D / 8][4] = {};
#pragma unroll
    for (int t = 0; t < kMaxScoreTiles; t += 2) {
        if (t >= score_tiles) break;
        const std::uint32_t p[4] = {pack_bf16x2(s[t][0], s[t][1]), pack_bf16x2(s[t][2], s[t][3]),
                                    pack_bf16x2(s[t + 1][0], s[t + 1][1]), pack_bf16x2(s[t + 1][2], s[t + 1][3])};
        const KeyRow k = key_tile(back, own, chunk, t);
#pragma unroll
        for (int nd = 0; nd < D / 16; ++nd) {
            std::uint32_t b[4];
            ldmatrix_x4_trans(b, k.slot.v + swizzled<D>(k.row + at.row, 16 * nd + at.column));
            mma_bf16_16816(o[2 * nd], p, b[0], b[1]);
            mma_bf16_16816(o[2 * nd + 1], p, b[2], b[3]);
        }
    }
    // Stores: a lane holds 2 columns of each 8-column tile; the lanes of a pair swap one word per
    // two tiles so that each stores 4 columns (8 bytes): the even lane tile t's, the odd lane tile
    // t + 1's, and a quad's store covers 32 contiguous bytes of its row, a whole sector (4-byte
    // stores filled half of one: ncu, 2026-12-05).
    const bool odd = lane % 2;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        const float inverse = 1.f / sum[r];
        __nv_bfloat16* row = round_output + std::size_t(concat[r]) * D;
#pragma unroll
        for (int t = 0; t < D / 8; t += 2) {
            const std::uint32_t here = pack_bf16x2(o[t][2 * r] * inverse, o[t][2 * r + 1] * inverse);
            const std::uint32_t next = pack_bf16x2(o[t + 1][2 * r] * inverse, o[t + 1][2 * r + 1] * inverse);
            const std::uint32_t partner = __shfl_xor_sync(0xffffffffu, odd ? here : next, 1);
            if (odd) *reinterpret_cast<uint2*>(row + 8 * (t + 1) + pair - 2) = make_uint2(partner, next);
            else *reinterpret_cast<uint2*>(row + 8 * t + pair) = make_uint2(here, partner);
        }
    }
}

// Blocks an SM: at d 64 shared memory holds four, and a compile-time chunk of 64 left alone takes
// 130 registers, which would hold three; at d 128 shared memory holds two. In the kernel, Chunk > 0
// fixes the chunk at compile time (tile loops, slot offsets and which slot a key tile reads fold
// away; ncu found it bound by its issue slots, ALU busiest), 0 takes it from `runtime_chunk`.
template <int D>
constexpr int kChunkBlocksPerSm = D == 64 ? 4 : 2;

template <int D, int Chunk>
__global__ void __launch_bounds__(2 * kReformerMaxChunk, kChunkBlocksPerSm<D>) chunk_attention_mma_kernel(
    const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ v, const float* __restrict__ key_scale,
    const std::int32_t* __restrict__ sorted, int n, int runtime_chunk, int chunks_per_head, int per_block, bool causal,
    __nv_bfloat16* __restrict__ round_output, float* __restrict__ round_logsumexp) {
    extern __shared__ __align__(128) unsigned char shared[];
    const int chunk = Chunk > 0 ? Chunk : runtime_chunk;
    const int head = blockIdx.y;
    const int first = blockIdx.x * per_block, last = min(first + per_block, chunks_per_head);
    const HeadRows<D> rows{x + std::size_t(head) * n * D, v + std::size_t(head) * n * D, key_scale + std::size_t(head) * n, n};
    const std::int32_t* head_sorted = sorted + std::size_t(head) * chunks_per_head * chunk;
    const int row = threadIdx.x / 2;
    auto concat_of = [&](int c) { return head_sorted[std::size_t(c) * chunk + row]; };

    // Chunk first + step is in slot (step + 1) % 3, its look-back in step % 3.
    rows.gather(slot_at<D>(shared, 0, chunk), concat_of((first + chunks_per_head - 1) % chunks_per_head));
    rows.gather(slot_at<D>(shared, 1, chunk), concat_of(first));
    __pipeline_commit();
    int next = first + 1 < last ? concat_of(first + 1) : 0;
    for (int c = first; c < last; ++c) {
        const int step = c - first;
        __pipeline_wait_prior(0);
        __syncthreads();  // the step's rows are in, and the slot step - 1 looked back on is free
        if (c + 1 < last) {
            rows.gather(slot_at<D>(shared, (step + 2) % kSlots, chunk), next);
            __pipeline_commit();
        }
        if (c + 2 < last) next = concat_of(c + 2);
        attend_chunk<D>(slot_at<D>(shared, step % kSlots, chunk), slot_at<D>(shared, (step + 1) % kSlots, chunk), chunk,
                        causal, round_output, round_logsumexp);
    }
}

// How many consecutive chunks one block walks: enough blocks for eight per SM, at most 8 chunks.
int chunks_per_block(std::int64_t chunks, int sms) {
    return int(std::clamp<std::int64_t>(chunks / (8 * std::int64_t(sms)), 1, 8));
}

}  // namespace

bool chunk_attention_mma_applies(const ReformerShape& s) {
    return !s.standard_attention() && s.chunk % 16 == 0 && s.chunk <= kReformerMaxChunk && s.d == s.dv &&
           (s.d == 64 || s.d == 128);
}

void launch_chunk_attention_mma(const __nv_bfloat16* x, const __nv_bfloat16* v, const float* key_scale,
                                const std::int32_t* sorted, const ReformerShape& s, __nv_bfloat16* round_output,
                                float* round_logsumexp, cudaStream_t stream) {
    int device = 0, sms = 0;
    check_cuda(cudaGetDevice(&device), "cudaGetDevice");
    check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    const int chunks_per_head = s.rounds * s.n / s.chunk;
    const int per_block = chunks_per_block(std::int64_t(chunks_per_head) * s.heads, sms);
    const dim3 grid((chunks_per_head + per_block - 1) / per_block, s.heads);
    const std::size_t shared = kSlots * slot_bytes(s.chunk, s.d);
    auto launch = [&](auto kernel) {
        check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
                   "chunk_attention_mma_kernel shared memory");
        kernel<<<grid, 2 * s.chunk, shared, stream>>>(x, v, key_scale, sorted, s.n, s.chunk, chunks_per_head, per_block,
                                                      s.causal, round_output, round_logsumexp);
    };
    // The Reformer's chunk of 64 compiled as such; the other multiples of 16 share one kernel.
    if (s.d == 64) s.chunk == 64 ? launch(chunk_attention_mma_kernel<64, 64>) : launch(chunk_attention_mma_kernel<64, 0>);
    else s.chunk == 64 ? launch(chunk_attention_mma_kernel<128, 64>) : launch(chunk_attention_mma_kernel<128, 0>);
    check_launch("chunk_attention_mma_kernel");
}

}  // namespace hashscope::gpu
