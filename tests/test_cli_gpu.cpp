// `--gpu` on attend and hash. Each case runs once without the flag and once with `--gpu --json`:
// where the GPU ran ("compute": "gpu"), its outputs equal the CPU's — codes and buckets bit for bit
// (grid inputs make every dot product exact, so no sign or argmax depends on summation order),
// attention outputs within 1e-5; where it did not (no device, as in CI, or a method without a
// kernel), one stderr line says why, the JSON records it, and the files are the CPU's bit for bit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "support/cli_fixture.hpp"

namespace {

using namespace hashscope_test;

class CliGpu : public CliTest {
protected:
    // Multiples of 1/8 in [-2, 2] as float32 .npy.
    void write_grid(const std::string& name, std::vector<std::int64_t> shape, std::uint64_t seed) {
        hashscope::Rng rng(seed);
        std::int64_t count = 1;
        for (auto s : shape) count *= s;
        std::vector<float> values(static_cast<std::size_t>(count));
        for (auto& x : values) x = float(int(rng.below(33)) - 16) / 8.f;
        hashscope::write_npy(path(name), hashscope::make_npy<float>(values, shape));
    }

    // Runs `args` writing `outputs` (flag -> file name) as name.cpu.npy and then, with --gpu --json,
    // as name.gpu.npy. Returns whether the GPU ran; checks the fallback contract when it did not.
    bool run_both(const std::string& args, const std::vector<std::pair<std::string, std::string>>& outputs,
                  const std::string& why_not = "") {
        std::string cpu = args, gpu = args + " --gpu --json";
        for (const auto& [flag, name] : outputs) {
            cpu += " " + flag + " " + path(name + ".cpu.npy");
            gpu += " " + flag + " " + path(name + ".gpu.npy");
        }
        const CliRun plain = run_cli(cpu), with_gpu = run_cli(gpu);
        EXPECT_EQ(plain.exit_code, 0) << cpu << "\n" << plain.output;
        EXPECT_EQ(with_gpu.exit_code, 0) << gpu << "\n" << with_gpu.output;
        const auto brace = with_gpu.output.find('{');
        if (brace == std::string::npos) {
            ADD_FAILURE() << "no JSON report: " << with_gpu.output;
            return false;
        }
        const auto report = nlohmann::json::parse(with_gpu.output.substr(brace, with_gpu.output.find('\n', brace) - brace));
        const bool on_gpu = report.at("compute") == "gpu";
        if (!on_gpu) {
            EXPECT_NE(with_gpu.output.find("GPU not used ("), std::string::npos) << with_gpu.output;
            EXPECT_TRUE(report.contains("gpu_fallback")) << report.dump();
            if (!why_not.empty()) {
                EXPECT_NE(report.value("gpu_fallback", "").find(why_not), std::string::npos) << report.dump();
            }
            for (const auto& [flag, name] : outputs)
                EXPECT_EQ(read_values(path(name + ".cpu.npy")), read_values(path(name + ".gpu.npy"))) << name;
        }
        return on_gpu;
    }

    double difference(const std::string& name) const {
        return max_abs_diff(read_values(path(name + ".cpu.npy")), read_values(path(name + ".gpu.npy")));
    }
};

TEST_F(CliGpu, DenseAttention) {
    write_grid("q.npy", {50, 16}, 1), write_grid("k.npy", {50, 16}, 2), write_grid("v.npy", {50, 16}, 3);
    const std::string args = "attend --method dense --causal --q " + path("q.npy") + " --k " + path("k.npy") + " --v " + path("v.npy");
    if (run_both(args, {{"--out", "o"}})) {
        EXPECT_LE(difference("o"), 1e-5);
    }
}

TEST_F(CliGpu, ReformerAttention) {
    write_grid("x.npy", {64, 16}, 4), write_grid("v.npy", {64, 16}, 5), write_grid("r.npy", {16, 2, 4}, 6);
    const std::string args = "attend --method reformer --causal --chunk 16 --qk " + path("x.npy") + " --v " + path("v.npy") +
                             " --rotations " + path("r.npy");
    if (run_both(args, {{"--out", "o"}, {"--buckets-out", "b"}})) {
        EXPECT_EQ(difference("b"), 0.0);
        EXPECT_LE(difference("o"), 1e-5);
    }
}

TEST_F(CliGpu, SimHashTopKAttention) {
    write_grid("q.npy", {70, 16}, 7), write_grid("k.npy", {70, 16}, 8), write_grid("v.npy", {70, 16}, 9);
    write_grid("p.npy", {16, 32}, 10);
    const std::string args = "attend --method simhash-topk --causal --top 12 --sinks 2 --window 3 --planes " + path("p.npy") +
                             " --q " + path("q.npy") + " --k " + path("k.npy") + " --v " + path("v.npy");
    if (run_both(args, {{"--out", "o"}})) {
        EXPECT_LE(difference("o"), 1e-5);
    }
}

TEST_F(CliGpu, HammingTopKSelection) {
    write_grid("q.npy", {90, 16}, 14), write_grid("k.npy", {120, 16}, 15), write_grid("p.npy", {16, 24}, 16);
    const std::string args = "topk --method simhash --causal --top 20 --sinks 3 --window 5 --planes " + path("p.npy") +
                             " --q " + path("q.npy") + " --k " + path("k.npy");
    if (run_both(args, {{"--out", "idx"}})) {
        EXPECT_EQ(difference("idx"), 0.0);  // same keys, same order
    }
    EXPECT_FALSE(run_both("topk --method exact --top 5 --q " + path("q.npy") + " --k " + path("k.npy"), {{"--out", "exact"}},
                          "exact"));
}

TEST_F(CliGpu, SimHashCodesAndDigestBuckets) {
    write_grid("x.npy", {300, 24}, 11), write_grid("p.npy", {24, 40}, 12);
    if (run_both("hash --method simhash --in " + path("x.npy") + " --planes " + path("p.npy"), {{"--out", "codes"}})) {
        EXPECT_EQ(difference("codes"), 0.0);
    }
    for (const std::string algo : {"sha256", "blake3"})
        if (run_both("hash --method crypto --algo " + algo + " --bits 12 --in " + path("x.npy"), {{"--out", algo}})) {
            EXPECT_EQ(difference(algo), 0.0) << algo;
        }
}

TEST_F(CliGpu, WhatNoKernelTakesRunsOnTheCpuSayingWhy) {
    write_grid("x.npy", {40, 8}, 13);
    EXPECT_FALSE(run_both("hash --method crypto --algo xxh3 --bits 8 --in " + path("x.npy"), {{"--out", "buckets"}},
                          "sha256 or blake3"));
    EXPECT_FALSE(run_both("hash --method simhash --bits 8 --precision f64 --in " + path("x.npy"), {{"--out", "codes"}},
                          "float32"));
}

}  // namespace
