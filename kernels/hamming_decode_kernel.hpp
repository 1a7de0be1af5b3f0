// Hamming top-k sparse decode (the HashAttention path) on the device: one query per query head
// attends to a selected subset of n cached tokens. Selection, per query head:
//   - sinks: positions [0, sinks) and window: [n - window, n) are always kept;
//   - of the positions between, the k nearest to the query's code in Hamming distance over packed
//     uint32 signatures (XOR + popcount), ties going to the lower position.
// The k-th distance is found by a histogram over distances 0..bits (no sort), then the ties at that
// distance are ranked by position. Attention over the selected rows (bf16 K/V, grouped-query:
// query head h reads KV head h / (q_heads / kv_heads)) is split across blocks and merged.
// With `shared`, the query heads of a KV head's group share one selection by their summed
// distances (core's shared_hamming_topk): one selection per KV head, and each selected row is
// gathered once for the group's heads instead of once per head.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {

inline constexpr int kHammingSegment = 128;     // selected rows per attention block
inline constexpr int kHammingMaxDim = 128;      // and d a multiple of 4 (8-byte row loads)
inline constexpr int kHammingMaxDistance = 512;  // of a shared selection: group x bits

struct HammingDecodeShape {
    int q_heads = 1, kv_heads = 1, n = 0, d = 0;
    int words = 1;  // uint32 words per signature (bits = 32 * words, at most 64)
    int k = 0, sinks = 0, window = 0;
    bool shared = false;  // one selection per KV head for its group of query heads
    __host__ __device__ int group() const { return q_heads / kv_heads; }
    // Heads with a selection of their own, and the largest distance one can count.
    __host__ __device__ int selections() const { return shared ? kv_heads : q_heads; }
    __host__ __device__ int max_distance() const { return (shared ? group() : 1) * 32 * words; }
    __host__ __device__ int middle_begin() const { return sinks < n ? sinks : n; }
    __host__ __device__ int middle_end() const { return n - window > middle_begin() ? n - window : middle_begin(); }
    // Most positions one head can select (host and device: the kernels size their lists with it).
    __host__ __device__ int capacity() const {
        const int middle = middle_end() - middle_begin();
        return (n - middle) + (k < middle ? k : middle);
    }
    // Attention blocks per selection list: kHammingSegment of its rows each.
    __host__ __device__ int segments() const { return (capacity() + kHammingSegment - 1) / kHammingSegment; }
};

struct HammingDecodeWorkspace {
    explicit HammingDecodeWorkspace(const HammingDecodeShape& shape);
    // The device memory one takes, at most (blocks_per_head at its largest: a block per tile).
    static double bytes_at_most(const HammingDecodeShape& shape);
    int blocks_per_head;                     // of the cooperative selection (as many as the device holds at once)
    DeviceBuffer<std::uint8_t> distance;     // [selections][n] distances, a byte each (two past 255)
    DeviceBuffer<std::uint32_t> histogram;   // [selections][bins: 65, 256 or 513], zero between calls
    DeviceBuffer<std::uint32_t> block_histogram;  // [selections][blocks_per_head][bins], cumulative per block
    DeviceBuffer<std::uint32_t> arrivals;    // [selections]: blocks past reading the histogram, zero between calls
    DeviceBuffer<std::int32_t> selected;     // [selections][capacity], ascending positions
    DeviceBuffer<std::int32_t> count;        // [selections]
    DeviceBuffer<float> partial;             // [q_heads][segments][d + 2]: max, sum, unnormalised output
};

// key_codes [kv_heads][n][words], query_codes [q_heads][words] -> workspace.selected / count.
// Shared selections take group x bits <= kHammingMaxDistance (else GpuError).
void launch_hamming_select(const std::uint32_t* key_codes, const std::uint32_t* query_codes,
                           const HammingDecodeShape& shape, HammingDecodeWorkspace& workspace, cudaStream_t stream);

// q [q_heads][d], k, v [kv_heads][n][d] -> out [q_heads][d], over the selection in the workspace.
// q, k and v start 16-byte aligned (rows are read in 16-byte pieces at d 64 and 128).
void launch_sparse_decode(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, float* out,
                          const HammingDecodeShape& shape, HammingDecodeWorkspace& workspace, cudaStream_t stream);

}  // namespace hashscope::gpu
