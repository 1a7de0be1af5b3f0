// Reformer LSH attention forward on the device, the twin of core/reformer_attention.hpp for many
// heads at once: hash (rotations + first-maximum argmax), a stable CUB radix sort of
// (head, round, bucket) keys carrying the concatenated position, attention of each chunk of the
// sorted sequence to itself and to the chunk before it (wrapping), unsort by scattering each slot's
// output to its (round, position), and the logsumexp combination of rounds. n <= chunk runs full
// self-attention with the same keys and masks, as core does.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {

struct ReformerShape {
    int heads = 1, n = 0, d = 0, dv = 0;
    int rounds = 1, buckets = 2, chunk = 32;
    bool causal = false;
    bool standard_attention() const { return n <= chunk; }
    std::size_t slots() const { return std::size_t(heads) * rounds * n; }  // concatenated rounds, all heads
};

// The largest chunk and head dimensions the attention kernel's shared memory is laid out for.
inline constexpr int kReformerMaxChunk = 64;
inline constexpr int kReformerMaxDim = 128;

// The masks of core/reformer_attention.hpp (kReformerCausalMask, kReformerSelfMask), as the kernels'
// floats: finite, so a token with nothing else to see still attends to itself.
inline constexpr float kReformerCausalMaskF = -1e9f, kReformerSelfMaskF = -1e5f;

// Throws GpuError when the shape exceeds the limits above.
inline void check_reformer_limits(const ReformerShape& s) {
    const int chunk = s.standard_attention() ? s.n : s.chunk;  // full attention is one chunk of n
    if (chunk > kReformerMaxChunk || s.d > kReformerMaxDim || s.dv > kReformerMaxDim)
        throw GpuError("the GPU Reformer kernel takes --chunk <= 64 and head dimensions <= 128");
}

// The tensor-core hash (bf16, d a multiple of 16) projects on the rotations split once into hi/lo
// bf16 halves, each rotation column's d values contiguous, columns padded to a multiple of 16.
template <class T>
bool reformer_hash_on_tensor_cores(const ReformerShape& s) {
    return std::is_same_v<T, __nv_bfloat16> && s.d % 16 == 0;
}
inline int reformer_rotation_columns(const ReformerShape& s) { return (s.buckets / 2 + 15) / 16 * 16; }

// Every intermediate, kept on the device so the app can show them and the benchmark can reuse them.
template <class T>
struct ReformerWorkspace {
    explicit ReformerWorkspace(const ReformerShape& shape);
    DeviceBuffer<std::int32_t> buckets;          // [heads][rounds][n], without offsets
    DeviceBuffer<std::uint32_t> sort_keys;       // (head * rounds + round) * buckets + bucket
    DeviceBuffer<std::uint32_t> sorted_keys;
    DeviceBuffer<std::int32_t> concat;           // (head * rounds + round) * n + position
    DeviceBuffer<std::int32_t> sorted;           // sorted slot -> concat index, heads in turn
    DeviceBuffer<float> key_scale;               // [heads][n]: 1 / (sqrt(d) * rms(x_j))
    DeviceBuffer<__nv_bfloat16> rotation_split;  // hi then lo, each [heads][rounds][columns][d]; tensor-core hash only
    DeviceBuffer<T> round_output;                // [heads][rounds][n][dv], original order
    DeviceBuffer<float> round_logsumexp;         // [heads][rounds][n]
    DeviceBuffer<unsigned char> sort_scratch;
};

// x [heads][n][d], v [heads][n][dv], rotations [heads][rounds][d][buckets / 2] (f32),
// out [heads][n][dv]. The shape must satisfy check_reformer_inputs and the limits above; x, v and
// out start 16-byte aligned (as cudaMalloc's buffers do): bf16 rows move 16 bytes at a time.
template <class T>
void launch_reformer(const T* x, const T* v, const float* rotations, T* out, const ReformerShape& shape,
                     ReformerWorkspace<T>& workspace, cudaStream_t stream);

// The four stages launch_reformer runs in turn, exposed so the benchmark can time each:
// hash (buckets, sort keys, key scales), sort, attend (round outputs), combine (out).
template <class T>
void launch_reformer_hash(const T* x, const float* rotations, const ReformerShape& shape, ReformerWorkspace<T>& workspace,
                          cudaStream_t stream);
template <class T>
void launch_reformer_sort(const ReformerShape& shape, ReformerWorkspace<T>& workspace, cudaStream_t stream);
template <class T>
void launch_reformer_attend(const T* x, const T* v, const ReformerShape& shape, ReformerWorkspace<T>& workspace,
                            cudaStream_t stream);
template <class T>
void launch_reformer_combine(T* out, const ReformerShape& shape, ReformerWorkspace<T>& workspace, cudaStream_t stream);

}  // namespace hashscope::gpu
