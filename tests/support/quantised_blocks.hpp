// Test-side GGML block encodings built from chosen small integers and scales, with the values the
// specification says they stand for, computed here from those integers (not by decoding bytes):
// the independent side of the dequantisation tests. Scales are rounded to binary16 (half.hpp), so
// the expected values are exact in float.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/random.hpp"
#include "support/half.hpp"

namespace hashscope_test {

enum GgmlType : std::uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kQ4_K = 12, kQ6_K = 14, kBF16 = 30 };

struct Encoded {
    std::vector<std::uint8_t> bytes;
    std::vector<float> values;  // what the bytes stand for
};

inline void put_half(std::vector<std::uint8_t>& out, Half h) {
    out.push_back(std::uint8_t(h.bits & 0xff));  // little-endian, as GGUF stores it
    out.push_back(std::uint8_t(h.bits >> 8));
}

inline int uniform_int(hashscope::Rng& rng, int lo, int hi) { return lo + int(rng.below(std::uint64_t(hi - lo + 1))); }
inline Half random_scale(hashscope::Rng& rng) { return to_half(0.002 + 0.02 * rng.uniform()); }

// `count` values of `type` (a multiple of its block size) drawn from `rng`.
inline Encoded encode_random(GgmlType type, std::size_t count, hashscope::Rng& rng) {
    Encoded e;
    if (type == kF32) {
        for (std::size_t i = 0; i < count; ++i) e.values.push_back(float(0.1 * rng.normal()));
        e.bytes.resize(count * 4);
        std::memcpy(e.bytes.data(), e.values.data(), count * 4);
    } else if (type == kF16) {
        for (std::size_t i = 0; i < count; ++i) {
            const Half h = to_half(0.1 * rng.normal());
            put_half(e.bytes, h);
            e.values.push_back(h.value);
        }
    } else if (type == kBF16) {
        for (std::size_t i = 0; i < count; ++i) {
            const float f = float(0.1 * rng.normal());
            std::uint32_t bits;
            std::memcpy(&bits, &f, 4);
            bits &= 0xFFFF0000u;  // bfloat16 is the top half of a float32
            float truncated;
            std::memcpy(&truncated, &bits, 4);
            e.values.push_back(truncated);
            e.bytes.push_back(std::uint8_t(bits >> 16));
            e.bytes.push_back(std::uint8_t(bits >> 24));
        }
    } else if (type == kQ8_0) {
        for (std::size_t b = 0; b < count / 32; ++b) {
            const Half d = random_scale(rng);
            put_half(e.bytes, d);
            for (int j = 0; j < 32; ++j) {
                const int q = uniform_int(rng, -127, 127);
                e.bytes.push_back(std::uint8_t(std::int8_t(q)));
                e.values.push_back(d.value * float(q));
            }
        }
    } else if (type == kQ4_0) {
        for (std::size_t b = 0; b < count / 32; ++b) {
            const Half d = random_scale(rng);
            put_half(e.bytes, d);
            int q[32];
            for (int& x : q) x = uniform_int(rng, 0, 15);
            // Byte j holds value j in its low nibble and value j + 16 in its high nibble.
            for (int j = 0; j < 16; ++j) e.bytes.push_back(std::uint8_t(q[j] | (q[j + 16] << 4)));
            for (int j = 0; j < 32; ++j) e.values.push_back(d.value * float(q[j] - 8));
        }
    } else if (type == kQ4_K) {
        for (std::size_t b = 0; b < count / 256; ++b) {
            const Half d = random_scale(rng), dmin = random_scale(rng);
            put_half(e.bytes, d);
            put_half(e.bytes, dmin);
            int sc[8], m[8], q[256];
            for (int s = 0; s < 8; ++s) sc[s] = uniform_int(rng, 0, 63), m[s] = uniform_int(rng, 0, 63);
            for (int& x : q) x = uniform_int(rng, 0, 15);
            // Sub-blocks 0-3 keep 6 bits in bytes 0-3 (scales) and 4-7 (mins); 4-7 keep their low
            // 4 bits in bytes 8-11 (scale low nibble, min high nibble), their top 2 bits in the top
            // bits of bytes 0-3 (scales) and 4-7 (mins).
            std::uint8_t packed[12];
            for (int j = 0; j < 4; ++j) {
                packed[j] = std::uint8_t((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
                packed[j + 4] = std::uint8_t((m[j] & 63) | ((m[j + 4] >> 4) << 6));
                packed[j + 8] = std::uint8_t((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
            }
            e.bytes.insert(e.bytes.end(), packed, packed + 12);
            // Four runs of 32 bytes; run g holds sub-block 2g in low nibbles, 2g + 1 in high ones.
            for (int g = 0; g < 4; ++g)
                for (int l = 0; l < 32; ++l) e.bytes.push_back(std::uint8_t(q[64 * g + l] | (q[64 * g + 32 + l] << 4)));
            for (int i = 0; i < 256; ++i) {
                const int s = i / 32;
                e.values.push_back(d.value * float(sc[s]) * float(q[i]) - dmin.value * float(m[s]));
            }
        }
    } else if (type == kQ6_K) {
        for (std::size_t b = 0; b < count / 256; ++b) {
            int q[256], sc[16];
            for (int& x : q) x = uniform_int(rng, 0, 63);
            for (int& x : sc) x = uniform_int(rng, -128, 127);
            const Half d = random_scale(rng);
            // Values 128h + 32i + l (h < 2, i < 4, l < 32): low 4 bits in ql[64h + l + 32 (i % 2)]
            // (low nibble for i < 2), high 2 bits at bit 2i of qh[32h + l]; 16 values per scale.
            std::uint8_t ql[128] = {}, qh[64] = {};
            for (int h = 0; h < 2; ++h)
                for (int i = 0; i < 4; ++i)
                    for (int l = 0; l < 32; ++l) {
                        const int v = q[128 * h + 32 * i + l];
                        ql[64 * h + l + 32 * (i % 2)] |= std::uint8_t((v & 15) << (i < 2 ? 0 : 4));
                        qh[32 * h + l] |= std::uint8_t((v >> 4) << (2 * i));
                    }
            e.bytes.insert(e.bytes.end(), ql, ql + 128);
            e.bytes.insert(e.bytes.end(), qh, qh + 64);
            for (int s : sc) e.bytes.push_back(std::uint8_t(std::int8_t(s)));
            put_half(e.bytes, d);
            for (int i = 0; i < 256; ++i) e.values.push_back(d.value * float(sc[i / 16]) * float(q[i] - 32));
        }
    }
    return e;
}

}  // namespace hashscope_test
