// The one error the GPU path raises: no device, a failed allocation or launch. Callers catch it
// and run the CPU twin instead, with the message shown.
#pragma once

#include <stdexcept>

namespace hashscope::gpu {

struct GpuError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace hashscope::gpu
