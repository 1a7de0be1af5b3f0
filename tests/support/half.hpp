// IEEE binary16 for test data, made from bit fields (clang 14 has no _Float16 on x86-64): the bits
// of the half nearest a double (ties to even; subnormals; overflow to infinity) and the float it
// stands for, which is exact.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace hashscope_test {

struct Half {
    std::uint16_t bits = 0;
    float value = 0;
};

inline float half_value(std::uint16_t bits) {
    const int exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
    const float magnitude = exponent == 0    ? std::ldexp(float(mantissa), -24)
                            : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                             : std::ldexp(float(1024 + mantissa), exponent - 25);
    return bits & 0x8000 ? -magnitude : magnitude;
}

inline Half to_half(double x) {
    const float f = float(x);  // the test values are floats already; double only for convenience
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    const std::uint32_t sign = (u >> 16) & 0x8000, mantissa = u & 0x7fffff;
    const int exponent = int((u >> 23) & 0xff) - 127 + 15;
    std::uint32_t bits;
    if (exponent >= 31) {
        bits = sign | 0x7c00;
    } else if (exponent <= 0) {  // subnormal half: shift the full significand, round to even
        const int shift = 14 - exponent;
        if (shift > 24) {
            bits = sign;
        } else {
            const std::uint32_t significand = mantissa | 0x800000, kept = significand >> shift;
            const std::uint32_t rest = significand & ((1u << shift) - 1), halfway = 1u << (shift - 1);
            bits = sign | (kept + (rest > halfway || (rest == halfway && (kept & 1))));
        }
    } else {
        const std::uint32_t kept = std::uint32_t(exponent) << 10 | mantissa >> 13, rest = mantissa & 0x1fff;
        bits = sign | (kept + (rest > 0x1000 || (rest == 0x1000 && (kept & 1))));  // a carry bumps the exponent, as it should
    }
    return {std::uint16_t(bits), half_value(std::uint16_t(bits))};
}

}  // namespace hashscope_test
