// `hashscope topk`, `learn` and the top-k methods of `attend`, through the real executable: the
// selections agree with the brute-force oracle (codes recomputed here from the planes, or from the
// model file read by its documented layout), attention over them with the float64 loop, and bad
// input exits 2 with one line and no output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "support/cli_fixture.hpp"
#include "reference/reference_hamming.hpp"
#include "reference/reference_sparse_attention.hpp"

using namespace hashscope_test;
namespace ref = hashscope_ref;

namespace {

std::vector<std::vector<std::int32_t>> read_indices(const std::string& file, int* width = nullptr) {
    const NpyArray a = hashscope::read_npy(file);
    EXPECT_EQ(a.dtype, hashscope::DType::i32);
    EXPECT_EQ(a.shape.size(), 2u);
    if (width) *width = int(a.shape[1]);
    const auto values = hashscope::npy_values<std::int32_t>(a);
    std::vector<std::vector<std::int32_t>> rows(std::size_t(a.shape[0]));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::int64_t c = 0; c < a.shape[1]; ++c)
            if (const auto j = values[i * std::size_t(a.shape[1]) + std::size_t(c)]; j >= 0) rows[i].push_back(j);
    return rows;
}

ref::Bits sign_bits(const ref::Mat& projections) {
    ref::Bits bits;
    for (int i = 0; i < projections.rows; ++i) {
        std::vector<int> row;
        for (int b = 0; b < projections.cols; ++b) row.push_back(projections(i, b) >= 0 ? 1 : 0);
        bits.push_back(row);
    }
    return bits;
}

ref::Mat product(const ref::Mat& x, const ref::Mat& w) {
    ref::Mat out(x.rows, w.cols);
    for (int i = 0; i < x.rows; ++i)
        for (int j = 0; j < w.cols; ++j)
            for (int c = 0; c < x.cols; ++c) out(i, j) += x(i, c) * w(c, j);
    return out;
}

// The model file read by the layout documented in core/learned_hash.hpp, and each mapping applied
// with plain loops: standardise, W1 + b1, SiLU, W2 + b2, sign.
struct ModelFile {
    std::uint32_t heads = 0, d = 0, hidden = 0, bits = 0;
    std::vector<double> values;
    std::size_t cursor = 0;

    explicit ModelFile(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        char magic[8];
        std::uint32_t header[5];
        in.read(magic, 8);
        in.read(reinterpret_cast<char*>(header), sizeof header);
        EXPECT_EQ(std::string(magic, 8), "HSLHASH1");
        EXPECT_EQ(header[0], 1u);
        heads = header[1], d = header[2], hidden = header[3], bits = header[4];
        double x;
        while (in.read(reinterpret_cast<char*>(&x), sizeof x)) values.push_back(x);
    }
    ref::Mat next(int rows, int cols) {
        ref::Mat m(rows, cols);
        for (auto& x : m.a) x = values.at(cursor++);
        return m;
    }
    // Applies the next mapping in the file (query before key, head after head) to x.
    ref::Bits codes(const ref::Mat& x) {
        const ref::Mat mean = next(1, int(d)), inv_std = next(1, int(d)), w1 = next(int(d), int(hidden)),
                       b1 = next(1, int(hidden)), w2 = next(int(hidden), int(bits)), b2 = next(1, int(bits));
        ref::Mat z(x.rows, x.cols);
        for (int i = 0; i < x.rows; ++i)
            for (int c = 0; c < x.cols; ++c) z(i, c) = (x(i, c) - mean(0, c)) * inv_std(0, c);
        ref::Mat h = product(z, w1);
        for (int i = 0; i < h.rows; ++i)
            for (int c = 0; c < h.cols; ++c) {
                const double pre = h(i, c) + b1(0, c);
                h(i, c) = pre / (1 + std::exp(-pre));
            }
        ref::Mat u = product(h, w2);
        for (int i = 0; i < u.rows; ++i)
            for (int c = 0; c < u.cols; ++c) u(i, c) += b2(0, c);
        return sign_bits(u);
    }
};

class TopKCli : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        q = write_random("q.npy", 20, 6, 1);
        k = write_random("k.npy", 40, 6, 2);
        v = write_random("v.npy", 40, 3, 3);
        planes = write_random("p.npy", 6, 12, 4);
    }
    std::string files() const { return " --q " + path("q.npy") + " --k " + path("k.npy"); }
    ref::Mat q, k, v, planes;
};

TEST_F(TopKCli, ExactMatchesOracleAndReportsFullRecall) {
    for (bool causal : {false, true}) {
        const CliRun r = run_cli("topk --method exact" + files() + " --top 7 --precision f64 --json --out " + path("i.npy") +
                             (causal ? " --causal" : ""));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(read_indices(path("i.npy")), ref::exact_top_k(q, k, 7, causal));
        const auto report = nlohmann::json::parse(r.output);
        EXPECT_EQ(report["metrics"]["recall_at_k"], 1.0);
        EXPECT_TRUE(report["timings_ms"].contains("select"));
    }
}

TEST_F(TopKCli, SimHashMatchesOracleWithSinksWindowAndCausalPadding) {
    const auto qb = sign_bits(product(q, planes)), kb = sign_bits(product(k, planes));
    for (bool causal : {false, true}) {
        const CliRun r = run_cli("topk --method simhash --planes " + path("p.npy") + files() +
                             " --top 25 --sinks 2 --window 3 --precision f64 --json --out " + path("i.npy") +
                             (causal ? " --causal" : ""));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        int width = 0;
        const auto got = read_indices(path("i.npy"), &width);
        EXPECT_EQ(width, 25);
        const auto want = ref::hamming_topk(qb, kb, 25, 2, 3, causal);
        EXPECT_EQ(got, want);
        // Recall against the exact top-25, as the report must state it.
        EXPECT_NEAR(nlohmann::json::parse(r.output)["metrics"]["recall_at_k"].get<double>(),
                    ref::recall(ref::exact_top_k(q, k, 25, causal), want), 1e-12);
    }
}

TEST_F(TopKCli, LearnedModelFollowsTheDocumentedFormat) {
    CliRun r = run_cli("learn" + files() + " --bits 20 --top 5 --epochs 2 --hidden 8 --seed 3 --causal --json --out " +
                       path("m.hslh"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto report = nlohmann::json::parse(r.output);
    EXPECT_EQ(report["curve"].size(), 2u);
    ModelFile model(path("m.hslh"));
    ASSERT_EQ(model.heads, 1u);
    ASSERT_EQ(model.bits, 20u);
    const auto qb = model.codes(q), kb = model.codes(k);
    EXPECT_EQ(model.cursor, model.values.size());
    r = run_cli("topk --method learned --hash-model " + path("m.hslh") + files() + " --top 9 --window 2 --causal --precision f64 --out " +
            path("i.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_indices(path("i.npy")), ref::hamming_topk(qb, kb, 9, 0, 2, true));

    // Sparse attention over the same selection equals the float64 loop.
    r = run_cli("attend --method learned --hash-model " + path("m.hslh") + files() + " --v " + path("v.npy") +
            " --top 9 --window 2 --causal --precision f64 --json --out " + path("o.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto want = ref::sparse_attention(q, k, v, ref::hamming_topk(qb, kb, 9, 0, 2, true));
    EXPECT_LT(max_abs_diff(read_values(path("o.npy")), want.a), 1e-12);
    EXPECT_TRUE(nlohmann::json::parse(r.output)["metrics"].contains("attention_mass"));
}

TEST_F(TopKCli, SimHashTopKAttentionMatchesOracle) {
    const auto selection = ref::hamming_topk(sign_bits(product(q, planes)), sign_bits(product(k, planes)), 10, 1, 0, false);
    const CliRun r = run_cli("attend --method simhash-topk --planes " + path("p.npy") + files() + " --v " + path("v.npy") +
                         " --top 10 --sinks 1 --precision f64 --out " + path("o.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_LT(max_abs_diff(read_values(path("o.npy")), ref::sparse_attention(q, k, v, selection).a), 1e-12);
}

TEST_F(TopKCli, LearnTakesHeads) {
    hashscope::Rng rng(8);
    std::vector<double> q3(2 * 30 * 6), k3(2 * 40 * 6);
    for (auto& x : q3) x = rng.normal();
    for (auto& x : k3) x = rng.normal();
    hashscope::write_npy(path("q3.npy"), hashscope::make_npy<double>(q3, {2, 30, 6}));
    hashscope::write_npy(path("k3.npy"), hashscope::make_npy<double>(k3, {2, 40, 6}));
    const CliRun r = run_cli("learn --q " + path("q3.npy") + " --k " + path("k3.npy") + " --bits 64 --top 4 --epochs 1 --out " +
                         path("m.hslh"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(ModelFile(path("m.hslh")).heads, 2u);
    EXPECT_EQ(run_cli("topk --method learned --hash-model " + path("m.hslh") + files() + " --head 1 --top 4 --out " +
                  path("i.npy")).exit_code, 0);
    expect_refused("topk --method learned --hash-model " + path("m.hslh") + files() + " --head 2 --top 4 --out " +
                       path("j.npy"), "--head 2", path("j.npy"));
}

// Heads as capture writes them: [heads, n, d] in one file, and each head as a reference matrix.
std::vector<ref::Mat> write_heads(const std::string& file, int heads, int n, int d, std::uint64_t seed) {
    hashscope::Rng rng(seed);
    std::vector<double> values(std::size_t(heads) * n * d);
    for (auto& x : values) x = rng.normal();
    hashscope::write_npy(file, hashscope::make_npy<double>(values, {heads, n, d}));
    std::vector<ref::Mat> out;
    for (int h = 0; h < heads; ++h) {
        ref::Mat m(n, d);
        std::copy_n(values.begin() + std::ptrdiff_t(h) * n * d, n * d, m.a.begin());
        out.push_back(m);
    }
    return out;
}

// int32 [kv_heads, n_q, K] -> per KV head, each query's kept keys.
std::vector<std::vector<std::vector<std::int32_t>>> read_grouped_indices(const std::string& file, int kv_heads, int n_q) {
    NpyArray a = hashscope::read_npy(file);
    EXPECT_EQ(a.shape.size(), 3u);
    EXPECT_EQ(a.shape[0], kv_heads);
    EXPECT_EQ(a.shape[1], n_q);
    const std::int64_t width = a.shape[2];
    a.shape = {std::int64_t(kv_heads) * n_q, width};
    hashscope::write_npy(file + ".2d.npy", a);
    const auto rows = read_indices(file + ".2d.npy");
    std::vector<std::vector<std::vector<std::int32_t>>> out(static_cast<std::size_t>(kv_heads));
    for (int j = 0; j < kv_heads; ++j)
        out[std::size_t(j)].assign(rows.begin() + std::ptrdiff_t(j) * n_q, rows.begin() + std::ptrdiff_t(j + 1) * n_q);
    return out;
}

// --shared: 4 query heads over 2 KV heads (groups of 2). SimHash keeps, per KV head, the oracle's
// shared selection over the group's codes; exact keeps the top by the group's summed scores; the
// report's recall per head is the oracle's for the shared and for each head's own selection; attend
// --shared attends over the shared selection and reports each head's error from dense attention.
TEST_F(TopKCli, SharedSelectionMatchesOracleAndReportsRecallPerHead) {
    const int heads = 4, kv_heads = 2, group = 2, n_q = 20, n_k = 40;
    const auto qh = write_heads(path("q3.npy"), heads, n_q, 6, 21), kh = write_heads(path("k3.npy"), kv_heads, n_k, 6, 22),
               vh = write_heads(path("v3.npy"), kv_heads, n_k, 3, 24);
    const std::string files3 = " --q " + path("q3.npy") + " --k " + path("k3.npy");
    for (const bool causal : {false, true}) {
        SCOPED_TRACE(causal ? "causal" : "not causal");
        CliRun r = run_cli("topk --method simhash --shared --planes " + path("p.npy") + files3 +
                           " --top 7 --sinks 1 --window 2 --precision f64 --json --out " + path("s.npy") + (causal ? " --causal" : ""));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        auto report = nlohmann::json::parse(r.output);
        auto got = read_grouped_indices(path("s.npy"), kv_heads, n_q);
        for (int j = 0; j < kv_heads; ++j) {
            const ref::Bits kb = sign_bits(product(kh[std::size_t(j)], planes));
            std::vector<ref::Bits> group_bits;
            for (int g = 0; g < group; ++g) group_bits.push_back(sign_bits(product(qh[std::size_t(j * group + g)], planes)));
            const auto shared = ref::shared_hamming_topk(group_bits, kb, 7, 1, 2, causal);
            EXPECT_EQ(got[std::size_t(j)], shared);
            for (int g = 0; g < group; ++g) {
                const int h = j * group + g;
                const auto truth = ref::exact_top_k(qh[std::size_t(h)], kh[std::size_t(j)], 7, causal);
                EXPECT_NEAR(report["metrics"]["recall_at_k_shared"]["by_head"][h].get<double>(), ref::recall(truth, shared), 1e-12);
                EXPECT_NEAR(report["metrics"]["recall_at_k_own"]["by_head"][h].get<double>(),
                            ref::recall(truth, ref::hamming_topk(group_bits[std::size_t(g)], kb, 7, 1, 2, causal)), 1e-12);
            }
        }
        // attend --shared: each head attends over its group's selection; the report's error per head
        // is the float64 loop's distance from dense attention, for the shared and the own selection.
        r = run_cli("attend --method simhash-topk --shared --planes " + path("p.npy") + files3 + " --v " + path("v3.npy") +
                    " --top 7 --sinks 1 --window 2 --recall-k 5 --precision f64 --json --out " + path("o3.npy") +
                    (causal ? " --causal" : ""));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        report = nlohmann::json::parse(r.output);
        const auto out = read_values(path("o3.npy"));
        ASSERT_EQ(out.size(), std::size_t(heads) * n_q * 3);
        for (int h = 0; h < heads; ++h) {
            const int j = h / group;
            const ref::Bits kb = sign_bits(product(kh[std::size_t(j)], planes));
            std::vector<ref::Bits> group_bits;
            for (int g = 0; g < group; ++g) group_bits.push_back(sign_bits(product(qh[std::size_t(j * group + g)], planes)));
            const auto shared = ref::shared_hamming_topk(group_bits, kb, 7, 1, 2, causal);
            const ref::Mat want = ref::sparse_attention(qh[std::size_t(h)], kh[std::size_t(j)], vh[std::size_t(j)], shared);
            const std::vector<double> got(out.begin() + std::ptrdiff_t(h) * n_q * 3, out.begin() + std::ptrdiff_t(h + 1) * n_q * 3);
            EXPECT_LT(max_abs_diff(got, want.a), 1e-12) << "head " << h;
            const ref::Mat dense = ref::dense_attention(qh[std::size_t(h)], kh[std::size_t(j)], vh[std::size_t(j)], causal).output;
            const ref::Mat own = ref::sparse_attention(qh[std::size_t(h)], kh[std::size_t(j)], vh[std::size_t(j)],
                                                       ref::hamming_topk(group_bits[std::size_t(h % group)], kb, 7, 1, 2, causal));
            const auto relative = [&](const ref::Mat& m) {
                double diff = 0, norm = 0;
                for (std::size_t e = 0; e < m.a.size(); ++e) diff += std::pow(m.a[e] - dense.a[e], 2), norm += std::pow(dense.a[e], 2);
                return std::sqrt(diff / norm);
            };
            EXPECT_NEAR(report["metrics"]["shared"]["relative_l2_error"]["by_head"][h].get<double>(), relative(want), 1e-9);
            EXPECT_NEAR(report["metrics"]["own"]["relative_l2_error"]["by_head"][h].get<double>(), relative(own), 1e-9);
        }

        r = run_cli("topk --method exact --shared" + files3 + " --top 5 --precision f64 --json --out " + path("e.npy") +
                    (causal ? " --causal" : ""));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        report = nlohmann::json::parse(r.output);
        got = read_grouped_indices(path("e.npy"), kv_heads, n_q);
        for (int j = 0; j < kv_heads; ++j) {
            ref::Mat summed(n_q, 6);
            for (int g = 0; g < group; ++g)
                for (std::size_t e = 0; e < summed.a.size(); ++e) summed.a[e] += qh[std::size_t(j * group + g)].a[e];
            EXPECT_EQ(got[std::size_t(j)], ref::exact_top_k(summed, kh[std::size_t(j)], 5, causal));
        }
        EXPECT_EQ(report["metrics"]["recall_at_k_own"]["mean"], 1.0);
        EXPECT_LT(report["metrics"]["recall_at_k_shared"]["mean"].get<double>(), 1.0);
    }
    const std::string out = path("bad.npy");
    write_heads(path("q3h.npy"), 3, n_q, 6, 23);
    expect_refused("topk --method simhash --shared --bits 8 --q " + path("q3h.npy") + " --k " + path("k3.npy") + " --top 4 --out " + out,
                   "not a multiple", out);
    expect_refused("topk --method learned --shared --hash-model " + path("p.npy") + files3 + " --top 4 --out " + out,
                   "--shared applies", out);
    expect_refused("topk --method simhash --bits 8" + files3 + " --top 4 --out " + out, "2-D", out);
    expect_refused("attend --method dense --shared" + files3 + " --v " + path("v3.npy") + " --out " + out, "--shared applies", out);
    expect_refused("attend --method simhash-topk --shared --bits 8" + files3 + " --v " + path("q3.npy") + " --top 4 --out " + out,
                   "--v has 4 heads", out);
    std::vector<double> nan_heads(2 * 40 * 6, 0.5);
    nan_heads[300] = std::numeric_limits<double>::quiet_NaN();  // in the second head
    hashscope::write_npy(path("k3nan.npy"), hashscope::make_npy<double>(nan_heads, {2, 40, 6}));
    expect_refused("topk --method exact --shared --q " + path("q3.npy") + " --k " + path("k3nan.npy") + " --top 4 --out " + out,
                   "non-finite", out);
}

TEST_F(TopKCli, BadInputsExitTwoWithOneLineAndNoOutput) {
    const std::string out = path("out.npy"), model = path("m.hslh");
    ASSERT_EQ(run_cli("learn" + files() + " --bits 16 --top 4 --epochs 1 --out " + model).exit_code, 0);
    write_random("k8.npy", 40, 8, 5);
    hashscope::Rng rng(9);
    std::vector<double> bad(20 * 6);
    for (auto& x : bad) x = rng.normal();
    bad[17] = std::numeric_limits<double>::infinity();
    hashscope::write_npy(path("bad.npy"), hashscope::make_npy<double>(bad, {20, 6}));

    const std::string learned = "topk --method learned --hash-model " + model;
    expect_refused(learned + " --q " + path("k8.npy") + " --k " + path("k8.npy") + " --top 4 --out " + out, "d = 6", out);
    expect_refused(learned + files() + " --bits 32 --top 4 --out " + out, "16-bit", out);
    expect_refused(learned + " --q " + path("bad.npy") + " --k " + path("k.npy") + " --top 4 --out " + out, "non-finite", out);
    expect_refused(learned + files() + " --top 41 --out " + out, "exceeds the number of keys", out);
    expect_refused(learned + files() + " --top 4 --sinks 3 --window 2 --out " + out, "--sinks 3", out);
    expect_refused("topk --method learned" + files() + " --top 4 --out " + out, "--hash-model is required", out);
    expect_refused("topk --method learned --hash-model " + path("p.npy") + files() + " --top 4 --out " + out, "bad magic", out);
    expect_refused("topk --method simhash" + files() + " --top 4 --out " + out, "--planes or --bits", out);
    expect_refused("topk --method exact" + files() + " --top 4 --sinks 1 --out " + out, "--sinks", out);
    expect_refused("topk --method exact" + files() + " --top 0 --out " + out, "--top", out);
    expect_refused("topk --method crypto" + files() + " --top 4 --out " + out, "--method", out);
    expect_refused("attend --method learned --hash-model " + model + files() + " --v " + path("v.npy") + " --top 50 --out " + out,
                   "exceeds the number of keys", out);
    expect_refused("learn --q " + path("bad.npy") + files().substr(files().find(" --k")) + " --out " + model + "2",
                   "non-finite", model + "2");
    expect_refused("learn" + files() + " --bits 65 --out " + model + "2", "--bits", model + "2");
    expect_refused("learn --q " + path("q.npy") + " --k " + path("k8.npy") + " --out " + model + "2", "d = ", model + "2");
    expect_refused("learn" + files() + " --top 41 --out " + model + "2", "exceeds the number of keys", model + "2");
    expect_refused("learn --q " + path("k.npy") + " --k " + path("q.npy") + " --causal --top 4 --out " + model + "2",
                   "--causal needs at least as many keys", model + "2");
}

}  // namespace
