// The CLI contract, run through the real `hashscope` executable: outputs agree with the float64
// oracle in tests/reference, and every bad input exits 2 with one line naming the flag or file and
// leaves no output behind.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/cli_fixture.hpp"

namespace {

using namespace hashscope_test;
using hashscope::NpyArray;

TEST_F(CliTest, DenseMatchesOracleInBothPrecisions) {
    const auto q = write_random("q.npy", 9, 8, 1), k = write_random("k.npy", 12, 8, 2), v = write_random("v.npy", 12, 5, 3);
    for (bool causal : {false, true}) {
        const auto ref = hashscope_ref::dense_attention(q, k, v, causal);
        for (const auto& [precision, tolerance] : {std::pair{"f64", 1e-9}, std::pair{"f32", 1e-4}}) {
            const std::string args = "attend --method dense --q " + path("q.npy") + " --k " + path("k.npy") +
                                     " --v " + path("v.npy") + " --out " + path("o.npy") +
                                     " --precision " + precision + (causal ? " --causal" : "");
            const CliRun r = run_cli(args);
            ASSERT_EQ(r.exit_code, 0) << r.output;
            const NpyArray o = hashscope::read_npy(path("o.npy"));
            EXPECT_EQ(o.dtype, std::string(precision) == "f64" ? hashscope::DType::f64 : hashscope::DType::f32);
            EXPECT_EQ(o.shape, (std::vector<std::int64_t>{9, 5}));
            EXPECT_LT(max_abs_diff(read_values(path("o.npy")), ref.output.a), tolerance) << precision;
        }
    }
}

TEST_F(CliTest, ReformerWithRotationsFileMatchesOracleAndWritesBuckets) {
    const int n = 24, d = 6, rounds = 2, buckets = 4, chunk = 8;
    const auto x = write_random("x.npy", n, d, 4), v = write_random("v.npy", n, 3, 5);
    hashscope::Rng rng(6);
    std::vector<double> flat(std::size_t(d * rounds * buckets / 2));
    for (auto& r : flat) r = rng.normal();
    hashscope::write_npy(path("r.npy"), hashscope::make_npy<double>(flat, {d, rounds, buckets / 2}));
    std::vector<hashscope_ref::Mat> rotations(rounds, hashscope_ref::Mat(d, buckets / 2));
    for (int i = 0; i < d; ++i)
        for (int h = 0; h < rounds; ++h)
            for (int b = 0; b < buckets / 2; ++b) rotations[h](i, b) = flat[std::size_t((i * rounds + h) * (buckets / 2) + b)];
    const auto ref = hashscope_ref::reformer_attention(x, v, rotations, buckets, chunk, true);

    const CliRun r = run_cli("attend --method reformer --qk " + path("x.npy") + " --v " + path("v.npy") + " --rotations " +
                      path("r.npy") + " --chunk 8 --causal --precision f64 --json --out " + path("o.npy") +
                      " --buckets-out " + path("b.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_LT(max_abs_diff(read_values(path("o.npy")), ref.output.a), 1e-9);
    const NpyArray b = hashscope::read_npy(path("b.npy"));
    EXPECT_EQ(b.dtype, hashscope::DType::i32);
    EXPECT_EQ(b.shape, (std::vector<std::int64_t>{rounds, n}));
    const auto got = hashscope::npy_values<int>(b);
    for (int h = 0; h < rounds; ++h)
        for (int i = 0; i < n; ++i) EXPECT_EQ(got[std::size_t(h * n + i)], ref.buckets[h][i]);
    // --json prints one object with the contract's keys.
    for (const char* key : {"\"shapes\"", "\"method\":\"reformer\"", "\"timings_ms\"", "\"memory_bytes\"", "\"reformer\":", "\"relative_l2_error\"", "\"recall_at_k\"", "\"attention_mass\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key << " in " << r.output;
}

TEST_F(CliTest, ReformerDrawnRotationsAreSeeded) {
    write_random("x.npy", 32, 8, 7);
    write_random("v.npy", 32, 4, 8);
    const std::string base = "attend --method reformer --qk " + path("x.npy") + " --v " + path("v.npy") +
                             " --n-hashes 2 --n-buckets 8 --chunk 16 --buckets-out ";
    ASSERT_EQ(run_cli(base + path("b1.npy") + " --seed 3 --out " + path("o1.npy")).exit_code, 0);
    ASSERT_EQ(run_cli(base + path("b2.npy") + " --seed 3 --out " + path("o2.npy")).exit_code, 0);
    ASSERT_EQ(run_cli(base + path("b3.npy") + " --seed 4 --out " + path("o3.npy")).exit_code, 0);
    EXPECT_EQ(read_values(path("b1.npy")), read_values(path("b2.npy")));
    EXPECT_NE(read_values(path("b1.npy")), read_values(path("b3.npy")));
}

TEST_F(CliTest, SimHashBitsMatchOracle) {
    const auto x = write_random("x.npy", 10, 6, 9), planes = write_random("p.npy", 6, 40, 10);
    const auto ref = hashscope_ref::simhash(x, planes);
    ASSERT_EQ(run_cli("hash --method simhash --in " + path("x.npy") + " --planes " + path("p.npy") + " --precision f64 --out " +
                  path("bits.npy")).exit_code, 0);
    const NpyArray bits = hashscope::read_npy(path("bits.npy"));
    EXPECT_EQ(bits.dtype, hashscope::DType::u8);
    EXPECT_EQ(bits.shape, (std::vector<std::int64_t>{10, 40}));
    const auto got = hashscope::npy_values<int>(bits);
    for (int i = 0; i < 10; ++i)
        for (int b = 0; b < 40; ++b) EXPECT_EQ(got[std::size_t(i * 40 + b)], ref.bits[std::size_t(i)][std::size_t(b)]);
}

TEST_F(CliTest, BadInputsExitTwoWithOneLineAndNoOutput) {
    write_random("q.npy", 4, 8, 1);
    write_random("k.npy", 6, 8, 2);
    write_random("v.npy", 6, 3, 3);
    write_random("k7.npy", 6, 7, 4);
    write_random("x.npy", 10, 8, 5);
    write_random("xv.npy", 10, 3, 6);
    write_random("r.npy", 5, 4, 7);  // d = 5, not 8
    { std::ofstream(path("text.npy")) << "this is not numpy\n"; }
    {
        const auto good = hashscope::read_npy(path("q.npy"));
        NpyArray truncated = good;
        hashscope::write_npy(path("trunc.npy"), truncated);
        fs::resize_file(path("trunc.npy"), fs::file_size(path("trunc.npy")) - 8);
        std::vector<double> values(32, 0.0);
        values[5] = std::nan("");
        hashscope::write_npy(path("nan.npy"), hashscope::make_npy<double>(values, {4, 8}));
    }
    {
        // Fortran order: NumPy's header with fortran_order True over valid data.
        std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (4, 8), }";
        header.append(64 - (10 + header.size() + 1) % 64, ' ');
        header += '\n';
        std::ofstream f(path("fortran.npy"), std::ios::binary);
        f.write("\x93NUMPY\x01\x00", 8);
        const char len[2] = {char(header.size() & 0xff), char(header.size() >> 8)};
        f.write(len, 2);
        f << header << std::string(32 * 8, '\0');
    }
    const std::string out = path("o.npy");
    const auto dense = [&](const std::string& q, const std::string& k, const std::string& v) {
        return "attend --method dense --q " + path(q) + " --k " + path(k) + " --v " + path(v) + " --out " + out;
    };
    const std::string reformer = "attend --method reformer --qk " + path("x.npy") + " --v " + path("xv.npy") + " --out " + out;

    expect_refused(dense("text.npy", "k.npy", "v.npy"), "not a .npy file", out);
    expect_refused(dense("missing.npy", "k.npy", "v.npy"), "missing.npy: no such file", out);
    expect_refused(dense("trunc.npy", "k.npy", "v.npy"), "truncated", out);
    expect_refused(dense("fortran.npy", "k.npy", "v.npy"), "Fortran", out);
    expect_refused(dense("nan.npy", "k.npy", "v.npy"), "--q " + path("nan.npy") + ": non-finite", out);
    expect_refused(dense("q.npy", "k7.npy", "v.npy"), "disagree on the head dimension", out);
    expect_refused(dense("q.npy", "k.npy", "xv.npy"), "disagree on the number of keys", out);
    expect_refused("attend --method dense --k " + path("k.npy") + " --v " + path("v.npy") + " --out " + out,
                   "--q is required", out);
    expect_refused(reformer + " --chunk 4 --n-buckets 7", "--n-buckets", out);
    expect_refused(reformer + " --chunk 3 --n-hashes 1", "--chunk 3 does not divide", out);
    expect_refused(reformer + " --chunk 0", "--chunk", out);
    expect_refused(reformer + " --chunk abc", "--chunk: Value abc", out);
    expect_refused(reformer + " --chunk 5 --rotations " + path("r.npy"), "--rotations has d = 5", out);
    expect_refused(reformer + " --chunk 5 --rotations " + path("r.npy") + " --seed 2", "--seed conflicts", out);
    expect_refused(reformer + " --chunk 5 --precision f16", "--precision", out);
    expect_refused(reformer, "--chunk is required", out);
    expect_refused("attend --method magic --out " + out, "--method", out);
    expect_refused("hash --method simhash --in " + path("q.npy") + " --planes " + path("r.npy") + " --out " + out,
                   "planes have d = 5", out);
    expect_refused("hash --method simhash --in " + path("q.npy") + " --bits 0 --out " + out, "--bits", out);
}

TEST_F(CliTest, FailedSecondOutputRemovesTheFirst) {
    write_random("x.npy", 8, 4, 1);
    write_random("v.npy", 8, 2, 2);
    const CliRun r = run_cli("attend --method reformer --qk " + path("x.npy") + " --v " + path("v.npy") + " --chunk 4 --out " +
                      path("o.npy") + " --buckets-out " + path("no/such/dir/b.npy"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("b.npy"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("o.npy")));
}

}  // namespace

// `bench`: without --gpu it names the flag (exit 2); with --gpu and no usable GPU (CI) it exits 3
// with one line; with a GPU, a quick run prints the JSON report with every kernel's rows.
TEST(CliBench, NeedsTheGpuFlagAndReportsAMissingDevice) {
    const CliRun plain = run_cli("bench");
    EXPECT_EQ(plain.exit_code, 2);
    EXPECT_NE(plain.output.find("--gpu"), std::string::npos) << plain.output;
    const CliRun gpu = run_cli("bench --gpu --quick --json --repeats 1 --warmup 0");
    if (gpu.exit_code == 3 && gpu.output.find("\"rows\"") == std::string::npos) {  // no usable GPU
        EXPECT_EQ(gpu.output.rfind("hashscope bench: ", 0), 0u) << gpu.output;
        EXPECT_EQ(std::count(gpu.output.begin(), gpu.output.end(), '\n'), 1) << gpu.output;
    } else {  // a GPU: every kernel ran (exit 3 with rows would name the failed ones in "failures")
        EXPECT_EQ(gpu.exit_code, 0) << gpu.output;
        EXPECT_NE(gpu.output.find("\"rows\""), std::string::npos) << gpu.output;
    }
}
