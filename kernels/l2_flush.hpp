// Evicts what a benchmark's previous run left in the L2 cache, for timings of a cold cache: reads a
// buffer of at least twice the cache's size, so the cache ends up holding clean lines of it. A
// memset would leave them dirty instead, and the timed kernel would pay to write them back as its
// own reads replace them (up to the cache's 50 MB on an H200, more than a shared decode reads).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace hashscope::gpu {

void launch_l2_flush(const uint4* buffer, std::size_t count, cudaStream_t stream);

}  // namespace hashscope::gpu
