// Two bf16 in one 32-bit word, the lower address in the low half (as a row of bf16 loads into a
// register, and as mma.sync fragments hold pairs): packing two floats, and widening each half.
// A bf16 is a float's top 16 bits, so widening is a shift or a mask.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

namespace hashscope::gpu {

// Two floats as bf16 in one register, `low` at the lower address (the lower column).
__device__ inline std::uint32_t pack_bf16x2(float low, float high) {
    const __nv_bfloat162 pair = __floats2bfloat162_rn(low, high);
    return *reinterpret_cast<const std::uint32_t*>(&pair);
}

__device__ inline float low_bf16(std::uint32_t w) { return __uint_as_float(w << 16); }
__device__ inline float high_bf16(std::uint32_t w) { return __uint_as_float(w & 0xffff0000u); }

}  // namespace hashscope::gpu
