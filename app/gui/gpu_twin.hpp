// The app's GPU toggle (compute=gpu): the scene's Reformer attention and the Learned view's Hamming
// top-k on the GPU beside their CPU twins — the same float inputs through kernels/ and through core,
// both timed, results compared. Any failure on the GPU side (a build without CUDA, no device, out of
// memory, a shape the kernel refuses) becomes a one-line message and the CPU path stands; nothing
// here throws.
#pragma once

#include <string>
#include <vector>

#include "core/hamming_topk.hpp"
#include "core/matrix.hpp"
#include "core/packed_codes.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope::gui {

enum class ComputeTarget { cpu, gpu };

struct GpuComparison {
    bool ran = false;      // the GPU computed; false: the CPU path ran alone and `message` says why
    std::string message;   // one line for the scene view
    double gpu_ms = 0.0;   // device run with uploads and downloads
    double cpu_ms = 0.0;   // core's float twin on the same inputs
    int mismatches = 0;    // Reformer: (round, position) pairs hashed differently; top-k: queries kept differently
    double max_output_difference = 0.0;
};

// Whether this build has a GPU path at all (configured with HASHSCOPE_CUDA and nvcc found).
bool gpu_built();

// What the app computes on, found once, for the menu bar: "GPU: NVIDIA H200" or "CPU only: no GPU",
// with the device (or why there is none) in `detail`.
struct ComputeStatus {
    bool gpu = false;
    std::string label, detail;
};
const ComputeStatus& compute_status();

GpuComparison run_on_gpu(const Matrix<double>& x, const Matrix<double>& v, const std::vector<Matrix<double>>& rotations,
                         const ReformerConfig& config);

// One method's Hamming top-k (kept sets and attention over them) on the GPU beside core's float
// twin, hamming_topk + sparse_attention; `method` names it in the message when the GPU ran.
GpuComparison run_topk_on_gpu(const std::string& method, const Matrix<double>& q, const Matrix<double>& k,
                              const Matrix<double>& v, const PackedCodes& query_codes, const PackedCodes& key_codes,
                              const HammingTopKOptions& options);

}  // namespace hashscope::gui
