#include "kernels/l2_flush.hpp"

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {
namespace {

__device__ unsigned flush_sink;

// Reads every 16 bytes once. The sum is stored only when it equals a constant the compiler cannot
// rule out, so the reads stay.
__global__ void l2_flush_kernel(const uint4* __restrict__ buffer, std::size_t count) {
    unsigned sum = 0;
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < count; i += std::size_t(gridDim.x) * blockDim.x) {
        const uint4 v = buffer[i];
        sum ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (sum == 0x9e3779b9u) flush_sink = sum;
}

}  // namespace

void launch_l2_flush(const uint4* buffer, std::size_t count, cudaStream_t stream) {
    l2_flush_kernel<<<1024, 256, 0, stream>>>(buffer, count);
    check_launch("l2_flush_kernel");
}

}  // namespace hashscope::gpu
