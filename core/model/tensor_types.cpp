#include "core/model/tensor_types.hpp"

#include <bit>
#include <cmath>
#include <cstring>

namespace hashscope {
namespace {

struct TypeInfo {
    TensorType type;
    const char* name;
    std::uint32_t ggml_id;
    std::int64_t values;
    std::int64_t bytes;
};

constexpr TypeInfo kTypes[] = {
    {TensorType::f32, "F32", 0, 1, 4},       {TensorType::f16, "F16", 1, 1, 2},
    {TensorType::bf16, "BF16", 30, 1, 2},    {TensorType::q8_0, "Q8_0", 8, 32, 34},
    {TensorType::q4_0, "Q4_0", 2, 32, 18},   {TensorType::q4_k, "Q4_K", 12, 256, 144},
    {TensorType::q6_k, "Q6_K", 14, 256, 210},
};

const TypeInfo& info(TensorType type) {
    for (const auto& t : kTypes)
        if (t.type == type) return t;
    return kTypes[0];
}

std::uint16_t u16(const std::byte* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
std::uint8_t u8(const std::byte* p) { return std::uint8_t(*p); }

void q8_0_block(const std::byte* b, float* y) {
    const float d = half_to_float(u16(b));
    for (int j = 0; j < 32; ++j) y[j] = d * float(std::int8_t(u8(b + 2 + j)));
}

void q4_0_block(const std::byte* b, float* y) {
    const float d = half_to_float(u16(b));
    for (int j = 0; j < 16; ++j) {
        const int q = u8(b + 2 + j);
        y[j] = d * float((q & 0xF) - 8);
        y[j + 16] = d * float((q >> 4) - 8);
    }
}

// Sub-block s (0..7) of Q4_K: the first four keep their 6-bit scale and min in the low bits of bytes
// s and s+4; the last four take 4 bits from byte s+4 and their top 2 bits from bytes s-4 and s.
void q4_k_scale_min(const std::byte* scales, int s, int& scale, int& min) {
    if (s < 4) {
        scale = u8(scales + s) & 63;
        min = u8(scales + s + 4) & 63;
    } else {
        scale = (u8(scales + s + 4) & 0xF) | ((u8(scales + s - 4) >> 6) << 4);
        min = (u8(scales + s + 4) >> 4) | ((u8(scales + s) >> 6) << 4);
    }
}

void q4_k_block(const std::byte* b, float* y) {
    const float d = half_to_float(u16(b)), dmin = half_to_float(u16(b + 2));
    const std::byte* scales = b + 4;
    const std::byte* q = b + 16;
    // Each 32-byte group of q holds two sub-blocks: low nibbles, then high nibbles.
    for (int group = 0; group < 4; ++group) {
        int scale_lo, min_lo, scale_hi, min_hi;
        q4_k_scale_min(scales, 2 * group, scale_lo, min_lo);
        q4_k_scale_min(scales, 2 * group + 1, scale_hi, min_hi);
        for (int l = 0; l < 32; ++l) {
            const int byte = u8(q + 32 * group + l);
            y[64 * group + l] = d * float(scale_lo) * float(byte & 0xF) - dmin * float(min_lo);
            y[64 * group + 32 + l] = d * float(scale_hi) * float(byte >> 4) - dmin * float(min_hi);
        }
    }
}

void q6_k_block(const std::byte* b, float* y) {
    const std::byte* ql = b;
    const std::byte* qh = b + 128;
    const std::byte* scales = b + 192;
    const float d = half_to_float(u16(b + 208));
    // Two halves of 128 values; in each, value l + 32 i takes its low 4 bits from ql (nibble i / 2 of
    // byte l + 32 (i % 2)) and its high 2 bits from bits 2i..2i+1 of qh[l]; a scale covers 16 values.
    for (int half = 0; half < 2; ++half) {
        const std::byte* lo = ql + 64 * half;
        const std::byte* hi = qh + 32 * half;
        for (int l = 0; l < 32; ++l) {
            for (int i = 0; i < 4; ++i) {
                const int low_byte = u8(lo + l + 32 * (i % 2));
                const int low = i < 2 ? (low_byte & 0xF) : (low_byte >> 4);
                const int high = (u8(hi + l) >> (2 * i)) & 3;
                const int q = (low | (high << 4)) - 32;
                const int scale = std::int8_t(u8(scales + 8 * half + l / 16 + 2 * i));
                y[128 * half + 32 * i + l] = d * float(scale) * float(q);
            }
        }
    }
}

}  // namespace

const char* tensor_type_name(TensorType type) { return info(type).name; }

std::optional<TensorType> tensor_type_from_ggml(std::uint32_t id) {
    for (const auto& t : kTypes)
        if (t.ggml_id == id) return t.type;
    return std::nullopt;
}

std::uint32_t ggml_type_id(TensorType type) { return info(type).ggml_id; }
std::int64_t block_values(TensorType type) { return info(type).values; }
std::int64_t block_bytes(TensorType type) { return info(type).bytes; }

std::optional<std::uint64_t> tensor_bytes(TensorType type, std::uint64_t count) {
    const auto& t = info(type);
    if (count % std::uint64_t(t.values) != 0) return std::nullopt;
    return count / std::uint64_t(t.values) * std::uint64_t(t.bytes);
}

float half_to_float(std::uint16_t bits) {
    const int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
    float magnitude;
    if (exponent == 0) magnitude = std::ldexp(float(mantissa), -24);  // zero and subnormals
    else if (exponent == 31) magnitude = mantissa ? NAN : INFINITY;
    else magnitude = std::ldexp(float(mantissa | 0x400), exponent - 25);
    return sign ? -magnitude : magnitude;
}

float bfloat16_to_float(std::uint16_t bits) { return std::bit_cast<float>(std::uint32_t(bits) << 16); }

void dequantise(TensorType type, std::span<const std::byte> data, std::span<float> out) {
    const auto& t = info(type);
    const std::size_t blocks = out.size() / std::size_t(t.values);
    const std::byte* p = data.data();
    switch (type) {
    case TensorType::f32: std::memcpy(out.data(), p, out.size() * 4); return;
    case TensorType::f16:
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = half_to_float(u16(p + 2 * i));
        return;
    case TensorType::bf16:
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = bfloat16_to_float(u16(p + 2 * i));
        return;
    case TensorType::q8_0:
        for (std::size_t b = 0; b < blocks; ++b) q8_0_block(p + b * 34, out.data() + b * 32);
        return;
    case TensorType::q4_0:
        for (std::size_t b = 0; b < blocks; ++b) q4_0_block(p + b * 18, out.data() + b * 32);
        return;
    case TensorType::q4_k:
        for (std::size_t b = 0; b < blocks; ++b) q4_k_block(p + b * 144, out.data() + b * 256);
        return;
    case TensorType::q6_k:
        for (std::size_t b = 0; b < blocks; ++b) q6_k_block(p + b * 210, out.data() + b * 256);
        return;
    }
}

}  // namespace hashscope
