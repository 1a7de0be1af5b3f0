// The GPU path's memory guard: a call counts its buffers before allocating and refuses, saying what
// it needs and what is free, so that the caller runs the CPU twin with that message (the rule is
// CUDA-free; tests/gpu exercise the calls on the device).
#include <gtest/gtest.h>

#include "kernels/gpu_error.hpp"

namespace {

using hashscope::gpu::check_device_memory;
using hashscope::gpu::GpuError;

TEST(DeviceMemoryGuard, RefusesWhatDoesNotFitSayingNeedAndFree) {
    EXPECT_NO_THROW(check_device_memory("reformer", 1024.0 * 1024.0, std::size_t(1) << 20));  // exactly fits
    try {
        check_device_memory("reformer", 3.5 * 1048576.0, std::size_t(3) << 20);
        FAIL() << "no error";
    } catch (const GpuError& e) {
        EXPECT_STREQ(e.what(), "reformer needs 3.5 MiB on the GPU, 3.0 MiB are free");
    }
    // Shapes whose byte count overflows 64 bits are counted in double and refused, not wrapped.
    EXPECT_THROW(check_device_memory("simhash", 1e30, ~std::size_t(0)), GpuError);
}

}  // namespace
