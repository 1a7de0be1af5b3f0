#include "app/gui/gpu_twin.hpp"

#include <chrono>
#include <cstdio>
#include <exception>

#include "kernels/gpu.hpp"

namespace hashscope::gui {
namespace {

template <class F>
double milliseconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

bool gpu_built() { return gpu::built_with_cuda(); }

GpuComparison run_on_gpu(const Matrix<double>& x, const Matrix<double>& v, const std::vector<Matrix<double>>& rotations,
                         const ReformerConfig& config) {
    GpuComparison c;
    const Matrix<float> xf = x.cast<float>(), vf = v.cast<float>();
    std::vector<Matrix<float>> rf;
    for (const auto& r : rotations) rf.push_back(r.cast<float>());
    ReformerTrace<float> cpu;
    c.cpu_ms = milliseconds([&] { reformer_attention(xf, vf, rf, config, cpu); });
    std::vector<gpu::ReformerResult> device;
    try {
        c.gpu_ms = milliseconds([&] { device = gpu::reformer_attention({xf}, {vf}, {rf}, config); });
    } catch (const std::exception& e) {
        c.message = std::string("GPU not used, the CPU ran: ") + e.what();
        return c;
    }
    c.ran = true;
    const auto& g = device.front();
    for (std::size_t h = 0; h < cpu.buckets.size(); ++h)
        for (std::size_t i = 0; i < cpu.buckets[h].size(); ++i) c.bucket_mismatches += g.buckets[h][i] != cpu.buckets[h][i];
    c.max_output_difference = double((g.output - cpu.output).cwiseAbs().maxCoeff());
    char line[256];
    std::snprintf(line, sizeof line, "GPU %.2f ms (with transfers) vs CPU %.2f ms, float; buckets %s, outputs within %.1e",
                  c.gpu_ms, c.cpu_ms, c.bucket_mismatches == 0 ? "identical" : "DIFFER", c.max_output_difference);
    c.message = line;
    if (c.bucket_mismatches) c.message += " (" + std::to_string(c.bucket_mismatches) + " positions)";
    return c;
}

}  // namespace hashscope::gui
