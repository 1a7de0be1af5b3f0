#include "app/gui/gpu_twin.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

#include "core/sparse_attention.hpp"
#include "kernels/gpu.hpp"

namespace hashscope::gui {
namespace {

template <class F>
double milliseconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// "GPU 0.52 ms (with transfers) vs CPU 1.30 ms, float; buckets identical, outputs within 3.0e-07".
void describe(GpuComparison& c, const std::string& prefix, const char* compared, const char* units) {
    char line[256];
    std::snprintf(line, sizeof line, "GPU %.2f ms (with transfers) vs CPU %.2f ms, float; %s %s, outputs within %.1e",
                  c.gpu_ms, c.cpu_ms, compared, c.mismatches == 0 ? "identical" : "DIFFER", c.max_output_difference);
    c.message = prefix + line;
    if (c.mismatches) c.message += " (" + std::to_string(c.mismatches) + " " + units + ")";
}

}  // namespace

bool gpu_built() { return gpu::built_with_cuda(); }

const ComputeStatus& compute_status() {
    static const ComputeStatus status = [] {
        ComputeStatus s;
        s.gpu = gpu::gpu_available();
        const std::string device = gpu::device_description();
        if (s.gpu) {
            s.label = "GPU: " + device.substr(0, device.find(" ("));
            s.detail = device + ". With compute = GPU (Scene view) Reformer and the Learned view's top-k run there too.";
        } else {
            s.label = gpu::built_with_cuda() ? "CPU only: no GPU" : "CPU only: built without CUDA";
            s.detail = "Everything runs on the CPU (" + device + ").";
        }
        return s;
    }();
    return status;
}

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
        c.message = std::string("Reformer: GPU not used, the CPU ran: ") + e.what();
        return c;
    }
    c.ran = true;
    const auto& g = device.front();
    for (std::size_t h = 0; h < cpu.buckets.size(); ++h)
        for (std::size_t i = 0; i < cpu.buckets[h].size(); ++i) c.mismatches += g.buckets[h][i] != cpu.buckets[h][i];
    c.max_output_difference = double((g.output - cpu.output).cwiseAbs().maxCoeff());
    describe(c, "Reformer: ", "buckets", "positions");
    return c;
}

GpuComparison run_topk_on_gpu(const std::string& method, const Matrix<double>& q, const Matrix<double>& k,
                              const Matrix<double>& v, const PackedCodes& query_codes, const PackedCodes& key_codes,
                              const HammingTopKOptions& options) {
    GpuComparison c;
    const Matrix<float> qf = q.cast<float>(), kf = k.cast<float>(), vf = v.cast<float>();
    std::vector<std::vector<std::int32_t>> cpu_kept;
    Matrix<float> cpu_output;
    c.cpu_ms = milliseconds([&] {
        cpu_kept = hamming_topk(query_codes, key_codes, options).selected;
        cpu_output = sparse_attention(qf, kf, vf, cpu_kept).output;
    });
    gpu::HammingPrefillResult device;
    try {
        c.gpu_ms = milliseconds([&] { device = gpu::hamming_prefill({qf}, {query_codes}, {kf}, {vf}, {key_codes}, options); });
    } catch (const std::exception& e) {
        c.message = std::string("Hamming top-k: GPU not used, the CPU ran: ") + e.what();
        return c;
    }
    c.ran = true;
    for (std::size_t i = 0; i < cpu_kept.size(); ++i) {
        std::sort(cpu_kept[i].begin(), cpu_kept[i].end());  // the device lists them ascending
        c.mismatches += cpu_kept[i] != device.selected[0][i];
    }
    c.max_output_difference = double((device.output[0] - cpu_output).cwiseAbs().maxCoeff());
    describe(c, method + " top-" + std::to_string(options.top) + ": ", "kept keys", "queries");
    return c;
}

}  // namespace hashscope::gui
