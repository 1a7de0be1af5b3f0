// BLAKE3 bucketing kernel: one thread per row, the row's words read straight from global memory
// into each block's message (blake3_chunk.hpp holds the hash itself, shared with the host tests).
#include "kernels/blake3_kernel.hpp"

#include "kernels/blake3_chunk.hpp"
#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {
namespace {

__global__ void blake3_kernel(const std::uint32_t* __restrict__ rows, std::uint32_t* __restrict__ buckets,
                              long long count, int d, int bits) {
    const long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (r >= count) return;
    const std::uint32_t* row = rows + r * d;
    buckets[r] = blake3::bucket([row](int i) { return __ldg(row + i); }, d, bits);
}

}  // namespace

void launch_blake3_buckets(const float* rows, std::uint32_t* buckets, long long count, int d, int bits,
                           cudaStream_t stream) {
    if (d > kBlake3MaxWords) throw GpuError("the GPU BLAKE3 kernel hashes rows of at most 1024 bytes (d <= 256)");
    if (count == 0) return;
    constexpr int threads = 128;
    blake3_kernel<<<unsigned((count + threads - 1) / threads), threads, 0, stream>>>(
        reinterpret_cast<const std::uint32_t*>(rows), buckets, count, d, bits);
    check_launch("blake3_kernel");
}

}  // namespace hashscope::gpu
