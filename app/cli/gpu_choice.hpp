// `--gpu` on the headless commands: the step runs on the device when one takes it, else on the CPU
// twin with one line on stderr saying why. A GPU error (no device, a build without CUDA, out of
// memory, a shape the kernels do not take) is never fatal; bad input is the CPU's InputError either
// way. The report says what ran: "compute": "gpu" | "cpu", "gpu_device", or "gpu_fallback" (why not).
#pragma once

#include <iostream>
#include <string>
#include <type_traits>

#include "app/cli/cli_common.hpp"
#include "kernels/gpu.hpp"

namespace hashscope::cli {

// Registers --gpu on `command`.
inline void add_gpu_flag(CLI::App& command, bool& gpu, const std::string& what) {
    command.add_flag("--gpu", gpu, "Run " + what + " on the GPU when there is one (float32; else the CPU runs, with a line on stderr)");
}

// The kernels compute in float32: --precision f64 stays on the CPU.
template <class T>
void require_float_for_gpu() {
    if constexpr (!std::is_same_v<T, float>) throw gpu::GpuError("the GPU computes in float32; --precision f64 runs on the CPU");
}

// The CPU runs the step: the report says so and, when --gpu asked for the GPU, why not (and stderr).
inline void report_cpu(bool wanted, const char* command, nlohmann::json& report, const std::string& why_not) {
    if (wanted) {
        std::cerr << "hashscope " << command << ": GPU not used (" << why_not << "): running on the CPU\n";
        report["gpu_fallback"] = why_not;
    }
    report["compute"] = "cpu";
}

// on_gpu() when `wanted` and it does not throw GpuError, else on_cpu(); both return a Result.
template <class Result, class Gpu, class Cpu>
Result gpu_or_cpu(bool wanted, const char* command, nlohmann::json& report, Gpu&& on_gpu, Cpu&& on_cpu) {
    std::string why_not;
    if (wanted) {
        try {
            Result result = on_gpu();
            report["compute"] = "gpu";
            report["gpu_device"] = gpu::device_description();
            return result;
        } catch (const gpu::GpuError& e) {
            why_not = e.what();
        }
    }
    report_cpu(wanted, command, report, why_not);
    return on_cpu();
}

}  // namespace hashscope::cli
