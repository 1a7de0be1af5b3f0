// Cryptographic bucketing on the device: bucket[r] = the first `bits` bits (big-endian) of
// SHA-256 over row r's float32 little-endian bytes, bit-equal to OpenSSL's SHA256 over the same
// bytes. Unlike an LSH, near rows land in unrelated buckets: the app's contrast case.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace hashscope::gpu {

// rows [count][d] f32 -> buckets [count], bits in 1..32.
void launch_sha256_buckets(const float* rows, std::uint32_t* buckets, long long count, int d, int bits,
                           cudaStream_t stream);

}  // namespace hashscope::gpu
