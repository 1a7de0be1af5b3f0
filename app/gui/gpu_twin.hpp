// The scene's Reformer attention on the GPU beside its CPU twin (issue 8's toggle): the same float
// inputs through kernels/ and through core, both timed, buckets and outputs compared. Any failure on
// the GPU side (a build without CUDA, no device, out of memory, a shape the kernel refuses) becomes
// a one-line message and the CPU path stands; nothing here throws.
#pragma once

#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope::gui {

enum class ComputeTarget { cpu, gpu };

struct GpuComparison {
    bool ran = false;      // the GPU computed; false: the CPU path ran alone and `message` says why
    std::string message;   // one line for the scene view
    double gpu_ms = 0.0;   // device run with uploads and downloads
    double cpu_ms = 0.0;   // core's float twin on the same inputs
    int bucket_mismatches = 0;        // (round, position) pairs where the two hashed differently
    double max_output_difference = 0.0;
};

// Whether this build has a GPU path at all (configured with HASHSCOPE_CUDA and nvcc found).
bool gpu_built();

GpuComparison run_on_gpu(const Matrix<double>& x, const Matrix<double>& v, const std::vector<Matrix<double>>& rotations,
                         const ReformerConfig& config);

}  // namespace hashscope::gui
