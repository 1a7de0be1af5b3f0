// The fixture every CLI test suite shares: runs the real `hashscope` executable (HASHSCOPE_EXE),
// gives each test its own scratch directory, and checks the bad-input contract: exit 2, one line
// naming the problem, no output file and no temporary left behind.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/npy.hpp"
#include "support/cli_run.hpp"
#include "core/random.hpp"
#include "reference/reference_attention.hpp"

namespace hashscope_test {

namespace fs = std::filesystem;
using hashscope::NpyArray;

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("hashscope_cli_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string path(const std::string& name) const { return (dir / name).string(); }

    // Seeded normal matrix written as float64 .npy; returned for the oracle too.
    hashscope_ref::Mat write_random(const std::string& name, int rows, int cols, std::uint64_t seed) {
        hashscope::Rng rng(seed);
        hashscope_ref::Mat m(rows, cols);
        for (auto& x : m.a) x = rng.normal();
        hashscope::write_npy(path(name), hashscope::make_npy<double>(m.a, {rows, cols}));
        return m;
    }

    static std::vector<double> read_values(const std::string& file) {
        return hashscope::npy_values<double>(hashscope::read_npy(file));
    }

    // Bad input: exit 2, exactly one line that contains `expected`, no file at `out`.
    void expect_refused(const std::string& args, const std::string& expected, const std::string& out) {
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << "message: " << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
        EXPECT_FALSE(fs::exists(out)) << out;
        for (const auto& entry : fs::directory_iterator(dir))
            EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
    }

    fs::path dir;
};

inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

}  // namespace hashscope_test
