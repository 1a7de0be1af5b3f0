// The one error the GPU path raises: no device, a failed allocation or launch. Callers catch it
// and run the CPU twin instead, with the message shown.
#pragma once

#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace hashscope::gpu {

struct GpuError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Before a call allocates anything: GpuError, saying what it needs and what is free, when the
// call's buffers (`need` bytes, counted by the caller) exceed the device's free memory. CUDA-free,
// so the rule is tested without a device.
inline void check_device_memory(const std::string& what, double need, std::size_t free) {
    if (need <= double(free)) return;
    char sizes[96];
    std::snprintf(sizes, sizeof sizes, " needs %.1f MiB on the GPU, %.1f MiB are free", need / 1048576.0, double(free) / 1048576.0);
    throw GpuError(what + sizes);
}

}  // namespace hashscope::gpu
