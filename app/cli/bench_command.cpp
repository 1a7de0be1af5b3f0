// `hashscope bench --gpu [--json] [--quick] [--repeats R] [--warmup W] [--reformer-n N,...] [--decode-n N,...]
// [--prefill-n N,...]`: times every GPU kernel on the shapes (kernels/gpu_benchmark.hpp)
// and prints a table, or with --json one object: device, measured copy bandwidth, and per kernel
// the median and minimum milliseconds, bytes, flops and the derived GB/s, TFLOP/s and items/s.
// Exit codes: 0 done, 2 bad flags, 3 no usable GPU (no device, a CUDA error, or a failed check). A
// kernel that fails does not stop the others: their rows are printed, the failures listed ("failures"
// in the JSON, a line each on stderr), and the exit code is 3.
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "kernels/gpu_benchmark.hpp"

namespace hashscope::cli {
namespace {

struct BenchOptions {
    CommonOptions common;
    bool gpu = false;
    gpu::BenchOptions run;
};

nlohmann::json row_json(const gpu::BenchRow& r) {
    const double seconds = r.median_ms * 1e-3;  // stage rows carry no bytes or items: their rates are 0
    return {{"kernel", r.kernel},          {"shape", r.shape},
            {"median_ms", r.median_ms},    {"min_ms", r.min_ms},
            {"bytes", r.bytes},            {"flops", r.flops},
            {"gbps", r.bytes / seconds * 1e-9}, {"tflops", r.flops / seconds * 1e-12},
            {"items", r.items},            {"items_name", r.items_name},
            {"items_per_s", r.items / seconds}};
}

// Prints the report; returns how many kernels failed.
std::size_t run_bench(const BenchOptions& o) {
    if (!o.gpu) throw InputError("--gpu is required: the CPU kernels are timed by tests/bench (bench_attention)");
    const gpu::BenchReport report = gpu::run_gpu_benchmarks(o.run);
    nlohmann::json j{{"command", "bench"}, {"device", report.device}, {"copy_gbps", report.copy_gbps},
                     {"warmup", o.run.warmup}, {"repeats", o.run.repeats}, {"rows", nlohmann::json::array()},
                     {"failures", report.failures}};
    for (const auto& r : report.rows) j["rows"].push_back(row_json(r));
    for (const auto& failure : report.failures) std::cerr << "hashscope bench: " << failure << "\n";
    if (o.common.json) {
        std::cout << j.dump() << "\n";
        return report.failures.size();
    }
    std::cout << report.device << "; device-to-device copy " << int(report.copy_gbps) << " GB/s (read + write)\n";
    for (const auto& r : j["rows"]) {
        std::printf("%-9s %-72s %10.4f ms %8.0f GB/s %7.1f TFLOP/s %10.3g %s/s\n", r["kernel"].get<std::string>().c_str(),
                    r["shape"].get<std::string>().c_str(), r["median_ms"].get<double>(), r["gbps"].get<double>(),
                    r["tflops"].get<double>(), r["items_per_s"].get<double>(), r["items_name"].get<std::string>().c_str());
    }
    return report.failures.size();
}

}  // namespace

Command add_bench_command(CLI::App& root) {
    auto o = std::make_shared<BenchOptions>();
    CLI::App* app = root.add_subcommand("bench", "Time the GPU kernels (medians of CUDA-event timings)");
    app->add_flag("--gpu", o->gpu, "Run the GPU benchmark");
    app->add_flag("--quick", o->run.quick, "Small shapes only (a smoke run)");
    app->add_option("--repeats", o->run.repeats, "Timed runs per kernel (the median is reported)")->check(CLI::Range(1, 10000))->default_str("30");
    app->add_option("--warmup", o->run.warmup, "Untimed runs before timing")->check(CLI::Range(0, 1000))->default_str("5");
    app->add_option("--reformer-n", o->run.reformer_n, "Sequence lengths of the Reformer curve")->delimiter(',')
        ->check(CLI::Range(65, 1 << 24));
    app->add_option("--decode-n", o->run.decode_n, "Cached tokens of the Hamming top-k decode")->delimiter(',')
        ->check(CLI::Range(512, 1 << 24));
    app->add_option("--prefill-n", o->run.prefill_n, "Sequence lengths of the Hamming top-k prefill")->delimiter(',')
        ->check(CLI::Range(512, 1 << 17));
    add_common_options(*app, o->common);
    return {app, [o] {
                try {
                    std::size_t failures = 0;
                    const int code = run_guarded("bench", [&] { failures = run_bench(*o); });
                    return code == 0 && failures ? 3 : code;
                } catch (const gpu::GpuError& e) {
                    std::cerr << "hashscope bench: " << e.what() << "\n";
                    return 3;
                }
            }};
}

}  // namespace hashscope::cli
