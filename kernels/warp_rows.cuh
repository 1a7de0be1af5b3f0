// Warp-wide pieces the Hamming decode and prefill kernels share: a warp sum, and a row read as four
// dims per lane (one 8-byte bf16 or 16-byte float load per lane: a row is one contiguous access).
#pragma once

#include <cuda_bf16.h>

namespace hashscope::gpu {

__device__ inline float warp_sum(float v) {
    for (int o = 16; o; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Four bf16 of a row at dims 4 * lane .. 4 * lane + 3 (d a multiple of 4), as floats; 0 past d.
__device__ inline void load4(const __nv_bfloat16* row, int lane, int d, float (&x)[4]) {
    x[0] = x[1] = x[2] = x[3] = 0.f;
    if (4 * lane >= d) return;
    const uint2 raw = *reinterpret_cast<const uint2*>(row + 4 * lane);
    const __nv_bfloat162 lo = *reinterpret_cast<const __nv_bfloat162*>(&raw.x), hi = *reinterpret_cast<const __nv_bfloat162*>(&raw.y);
    x[0] = __low2float(lo), x[1] = __high2float(lo), x[2] = __low2float(hi), x[3] = __high2float(hi);
}

__device__ inline void load4(const float* row, int lane, int d, float (&x)[4]) {
    x[0] = x[1] = x[2] = x[3] = 0.f;
    if (4 * lane >= d) return;
    const float4 raw = *reinterpret_cast<const float4*>(row + 4 * lane);
    x[0] = raw.x, x[1] = raw.y, x[2] = raw.z, x[3] = raw.w;
}

}  // namespace hashscope::gpu
