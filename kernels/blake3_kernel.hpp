// BLAKE3 bucketing on the device: bucket[r] = the first `bits` bits (big-endian) of BLAKE3 over
// row r's float32 little-endian bytes, bit-equal to core's crypto buckets (the official C code).
// Rows of at most 1024 bytes (d <= 256): one chunk, which is then the root (blake3_chunk.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace hashscope::gpu {

inline constexpr int kBlake3MaxWords = 256;

// rows [count][d] f32 -> buckets [count], bits in 1..32, d <= kBlake3MaxWords.
void launch_blake3_buckets(const float* rows, std::uint32_t* buckets, long long count, int d, int bits,
                           cudaStream_t stream);

}  // namespace hashscope::gpu
