// The element types model weights come in, and their conversion to float. Quantised GGML types
// store fixed-size blocks (a scale plus packed small integers); they are expanded per tensor when a
// layer needs them, so a quantised model stays quantised in memory. Layouts follow the GGUF
// specification (ggml docs/gguf.md and ggml-common.h), written here from that description:
//   Q8_0  32 values: f16 d, int8 q[32]                     x = d q
//   Q4_0  32 values: f16 d, uint8 q[16]                    x_j = d (lo4(q_j) - 8), x_{j+16} = d (hi4(q_j) - 8)
//   Q4_K 256 values: f16 d, f16 dmin, 12 bytes of eight 6-bit (scale, min) pairs, uint8 q[128];
//                    x = d scale_s lo/hi4(q) - dmin min_s over 8 sub-blocks of 32
//   Q6_K 256 values: uint8 ql[128], uint8 qh[64], int8 scales[16], f16 d; x = d scale (q6 - 32)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace hashscope {

enum class TensorType { f32, f16, bf16, q8_0, q4_0, q4_k, q6_k };

const char* tensor_type_name(TensorType type);  // "F32", "Q4_K", ...

// GGML's numeric type ids (F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30).
std::optional<TensorType> tensor_type_from_ggml(std::uint32_t id);
std::uint32_t ggml_type_id(TensorType type);

std::int64_t block_values(TensorType type);  // values per block (1 for plain types)
std::int64_t block_bytes(TensorType type);   // bytes per block

// Bytes `count` values occupy; nullopt when count is not a whole number of blocks.
std::optional<std::uint64_t> tensor_bytes(TensorType type, std::uint64_t count);

float half_to_float(std::uint16_t bits);
float bfloat16_to_float(std::uint16_t bits);

// Expands `data` (exactly tensor_bytes(type, out.size()) bytes) into `out`.
void dequantise(TensorType type, std::span<const std::byte> data, std::span<float> out);

}  // namespace hashscope
