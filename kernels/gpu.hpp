// The host API the app, CLI and tests call: CUDA-free signatures over core's matrices, each the GPU
// twin of a core function with the same meaning. Every call throws GpuError when there is no
// device or CUDA fails (out of memory, a bad launch); callers catch it and run the CPU path.
// Built without CUDA, gpu_available() is false and every other call throws GpuError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dense_attention.hpp"
#include "core/hamming_topk.hpp"
#include "core/matrix.hpp"
#include "core/reformer_attention.hpp"
#include "core/simhash.hpp"
#include "kernels/gpu_error.hpp"

namespace hashscope::gpu {

// Whether kernels/ was compiled (a CUDA build), device or not.
bool built_with_cuda();
// A CUDA build with at least one usable device (cudaGetDeviceCount > 0).
bool gpu_available();
// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)", or why there is none.
std::string device_description();

// The element type the kernels read keys and values in; results are compared in float.
enum class Storage { f32, bf16 };

// x rounded to the nearest bfloat16, element by element: what the bf16 kernels see, so a CPU twin
// given this matrix computes the same function.
Matrix<float> round_to_bf16(const Matrix<float>& x);

// core::simhash_codes on the device: bit i of row r is 1 where x_r . planes[:, i] >= 0.
SimHashCodes simhash_codes(const Matrix<float>& x, const Matrix<float>& planes, Storage storage = Storage::f32);

// core::reformer_attention for several heads at once (each with its own x, v and rotations; all
// of one shape), returning per head what the device computed.
struct ReformerResult {
    bool standard_attention = false;
    std::vector<std::vector<std::int32_t>> buckets;  // [round][position]
    std::vector<std::int32_t> sorted_to_concat;      // sorted slot -> round * n + position
    Matrix<float> output;                            // [n, dv]
};
std::vector<ReformerResult> reformer_attention(const std::vector<Matrix<float>>& x, const std::vector<Matrix<float>>& v,
                                               const std::vector<std::vector<Matrix<float>>>& rotations,
                                               const ReformerConfig& config, Storage storage = Storage::f32);

// core::dense_attention's output and logsumexp (the probabilities are never formed on the device).
struct DenseResult {
    Vector<float> logsumexp;  // [n]
    Matrix<float> output;     // [n, dv]
};
DenseResult dense_attention(const Matrix<float>& q, const Matrix<float>& k, const Matrix<float>& v, bool causal,
                            Storage storage = Storage::f32);

// Hamming top-k sparse decode for one query per query head (kernels/hamming_decode_kernel.hpp):
// q [q_heads, d]; per KV head k, v [n, d] and key codes (n rows); query codes (q_heads rows); 32- or
// 64-bit codes. q, k and v are read as bf16. Returns each head's selected positions (ascending)
// and the attention output [q_heads, d]. With `shared`, the heads of a KV head's group share one
// selection by their summed distances (core's shared_hamming_topk; group x bits <= 512).
struct HammingDecodeOptions {
    int k = 0, sinks = 0, window = 0;
    bool shared = false;
};
struct HammingDecodeResult {
    std::vector<std::vector<std::int32_t>> selected;
    Matrix<float> output;
};
HammingDecodeResult hamming_decode(const Matrix<float>& q, const SimHashCodes& query_codes, const std::vector<Matrix<float>>& k,
                                   const std::vector<Matrix<float>>& v, const std::vector<SimHashCodes>& key_codes,
                                   const HammingDecodeOptions& options);

// core::hamming_topk followed by core::sparse_attention for every query of a sequence (the
// prefill; kernels/hamming_prefill_kernel.hpp), several heads at once: per query head q [n_q, d]
// and its codes, per KV head k, v [n_k, d] and their codes; grouped-query heads share KV heads;
// codes of at most 64 bits; q, k and v read as `storage`. Returns each query's kept positions
// (ascending) and each query head's output [n_q, d].
struct HammingPrefillResult {
    std::vector<std::vector<std::vector<std::int32_t>>> selected;  // [q head][query]
    std::vector<Matrix<float>> output;                              // [q head] -> [n_q, d]
};
HammingPrefillResult hamming_prefill(const std::vector<Matrix<float>>& q, const std::vector<SimHashCodes>& query_codes,
                                     const std::vector<Matrix<float>>& k, const std::vector<Matrix<float>>& v,
                                     const std::vector<SimHashCodes>& key_codes, const HammingTopKOptions& options,
                                     Storage storage = Storage::f32);

// core::hamming_topk's kept keys on the device (the prefill's selection alone), each row nearest
// first by (distance, position) as core lists it; codes of at most 64 bits.
std::vector<std::vector<std::int32_t>> hamming_topk(const SimHashCodes& queries, const SimHashCodes& keys,
                                                    const HammingTopKOptions& options);

// The first `bits` (1..32) bits, big-endian, of SHA-256 over each row's float32 little-endian bytes.
std::vector<std::uint32_t> sha256_buckets(const Matrix<float>& x, int bits);
// The same with BLAKE3, for rows of at most 1024 bytes (d <= 256; longer ones: GpuError).
std::vector<std::uint32_t> blake3_buckets(const Matrix<float>& x, int bits);

}  // namespace hashscope::gpu
