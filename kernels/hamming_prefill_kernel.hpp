// Hamming top-k sparse attention for every query of a sequence (the prefill of the HashAttention
// path) on the device: the twin of core's hamming_topk (core/hamming_topk.hpp) followed by
// sparse_attention (core/sparse_attention.hpp), with their meaning exactly:
//   - query i sees keys [0, visible): visible = i + (n_k - n_q) + 1 with `causal`, else n_k;
//   - it keeps keys [0, sinks) and its last `window` visible keys, and of the others the nearest to
//     its code in Hamming distance (ties to the lower position) until it holds min(top, visible);
//   - softmax attention with scale 1/sqrt(d) over exactly those keys.
// Grouped-query heads: query head h reads KV head h / (q_heads / kv_heads).
//
// Selection is a warp per query and never sorts: one pass counts the candidates' distances (a lane
// owns a distance bin and counts it from six or seven warp ballots, so no atomics), the prefix of
// the histogram gives the threshold T, a second pass keeps every candidate nearer than T and, in
// position order, the first ones at T. Attention is a warp per query too, an online softmax over
// its selected rows, four rows in flight at a time.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {

struct HammingPrefillShape {
    int q_heads = 1, kv_heads = 1, n_q = 0, n_k = 0, d = 0;
    int words = 1;  // uint32 words per signature (bits = 32 * words, at most 64)
    int top = 1, sinks = 0, window = 0;
    bool causal = true;
};

inline constexpr int kHammingPrefillMaxDim = 128;  // and d a multiple of 4 (8-byte row loads)

struct HammingPrefillWorkspace {
    explicit HammingPrefillWorkspace(const HammingPrefillShape& shape);
    DeviceBuffer<std::int32_t> selected;  // [q_heads][n_q][top]: kept positions, ascending
    DeviceBuffer<std::int32_t> count;     // [q_heads][n_q]: min(top, visible)
};

// key_codes [kv_heads][n_k][words], query_codes [q_heads][n_q][words] -> workspace.selected / count.
void launch_hamming_prefill_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes,
                                   const HammingPrefillShape& shape, HammingPrefillWorkspace& workspace,
                                   cudaStream_t stream);

// q [q_heads][n_q][d], k, v [kv_heads][n_k][d] (T = float or __nv_bfloat16) -> out [q_heads][n_q][d],
// over the selection.
template <class T>
void launch_hamming_prefill_attend(const T* q, const T* k, const T* v, float* out, const HammingPrefillShape& shape,
                                   const HammingPrefillWorkspace& workspace, cudaStream_t stream);

}  // namespace hashscope::gpu
