// The learned-vs-SimHash-vs-exact comparison against quantities recomputed with the float64 oracle:
// brute-force selections, dense probabilities, attention over the kept keys, distance histograms.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/random.hpp"
#include "core/simhash.hpp"
#include "core/topk_comparison.hpp"
#include "reference/compare.hpp"
#include "reference/reference_hamming.hpp"
#include "reference/reference_sparse_attention.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;

ref::Bits bits_of(const PackedCodes& c) {
    ref::Bits out;
    for (int i = 0; i < c.rows; ++i) {
        std::vector<int> row;
        for (int b = 0; b < c.bits; ++b) row.push_back(c.bit(i, b));
        out.push_back(row);
    }
    return out;
}

struct Expected {
    double recall = 0, mass = 0, error = 0;
};

Expected expected(const ref::Mat& q, const ref::Mat& k, const ref::Mat& v, const std::vector<std::vector<std::int32_t>>& kept,
                  int top, bool causal) {
    const auto dense = ref::dense_attention(q, k, v, causal);
    const auto out = ref::sparse_attention(q, k, v, kept);
    Expected e;
    e.recall = ref::recall(ref::exact_top_k(q, k, top, causal), kept);
    for (int i = 0; i < q.rows; ++i)
        for (auto j : kept[std::size_t(i)]) e.mass += dense.probabilities(i, j);
    e.mass /= q.rows;
    double diff = 0, norm = 0;
    for (std::size_t x = 0; x < out.a.size(); ++x) {
        diff += (out.a[x] - dense.output.a[x]) * (out.a[x] - dense.output.a[x]);
        norm += dense.output.a[x] * dense.output.a[x];
    }
    e.error = std::sqrt(diff / norm);
    return e;
}

TEST(TopKComparison, MatchesOracle) {
    Rng rng(12);
    const int nq = 24, nk = 96, d = 8;
    const Matrix<double> q = normal_matrix<double>(nq, d, rng), k = normal_matrix<double>(nk, d, rng),
                         v = normal_matrix<double>(nk, 4, rng);
    const Matrix<double> p16 = random_planes<double>(d, 16, 1), p8 = random_planes<double>(d, 8, 2);
    const std::vector<CodedMethod> methods{{"simhash16", simhash_codes(q, p16), simhash_codes(k, p16)},
                                           {"simhash8", simhash_codes(q, p8), simhash_codes(k, p8)}};
    for (bool causal : {false, true}) {
        SCOPED_TRACE(causal ? "causal" : "not causal");
        const Matrix<double> qc = causal ? k.topRows(nk).eval() : q;
        const std::vector<CodedMethod> used =
            causal ? std::vector<CodedMethod>{{"simhash16", simhash_codes(qc, p16), simhash_codes(k, p16)}} : methods;
        const auto c = compare_topk(qc, k, v, used, {.sparsities = {4, 16, 64}, .histogram_top = 5, .causal = causal});
        ASSERT_EQ(c.scores.size(), 3 * (used.size() + 1));
        const auto rq = ref::to_ref(qc), rk = ref::to_ref(k), rv = ref::to_ref(v);
        for (const auto& s : c.scores) {
            SCOPED_TRACE(s.method + " sparsity " + std::to_string(s.sparsity));
            EXPECT_EQ(s.top, std::max(1, nk / s.sparsity));
            std::vector<std::vector<std::int32_t>> kept;
            if (s.method == "exact") kept = ref::exact_top_k(rq, rk, s.top, causal);
            for (const auto& m : used)
                if (m.name == s.method) kept = ref::hamming_topk(bits_of(m.queries), bits_of(m.keys), s.top, 0, 0, causal);
            const Expected e = expected(rq, rk, rv, kept, s.top, causal);
            EXPECT_NEAR(s.recall, e.recall, 1e-12);
            EXPECT_NEAR(s.mass, e.mass, 1e-12);
            EXPECT_NEAR(s.output_error, e.error, 1e-10);
            if (s.method == "exact") {
                EXPECT_EQ(s.recall, 1.0);
            }
        }
        // Histograms: every visible pair counted once, pivotal ones by the exact top-5.
        const auto pivotal = ref::exact_top_k(rq, rk, 5, causal);
        for (std::size_t m = 0; m < used.size(); ++m) {
            const auto qb = bits_of(used[m].queries), kb = bits_of(used[m].keys);
            std::vector<std::int64_t> want_pivotal(std::size_t(used[m].keys.bits) + 1), want_rest = want_pivotal;
            for (int i = 0; i < rq.rows; ++i)
                for (int j = 0; j < (causal ? i + (nk - rq.rows) + 1 : nk); ++j) {
                    const bool is = std::count(pivotal[std::size_t(i)].begin(), pivotal[std::size_t(i)].end(), j) > 0;
                    ++(is ? want_pivotal : want_rest)[std::size_t(ref::hamming(qb[std::size_t(i)], kb[std::size_t(j)]))];
                }
            EXPECT_EQ(c.histograms[m].method, used[m].name);
            EXPECT_EQ(c.histograms[m].pivotal, want_pivotal);
            EXPECT_EQ(c.histograms[m].rest, want_rest);
        }
    }
}

TEST(TopKComparison, ExactKeepsTheMostMass) {
    Rng rng(3);
    const Matrix<float> q = normal_matrix<float>(32, 16, rng), k = normal_matrix<float>(256, 16, rng),
                        v = normal_matrix<float>(256, 8, rng);
    const Matrix<float> planes = random_planes<float>(16, 32, 4);
    const auto c = compare_topk(q, k, v, {{"simhash", simhash_codes(q, planes), simhash_codes(k, planes)}});
    ASSERT_EQ(c.scores.size(), 10u);
    for (std::size_t s = 0; s < c.scores.size(); s += 2) {
        EXPECT_EQ(c.scores[s].method, "exact");
        EXPECT_GE(c.scores[s].mass, c.scores[s + 1].mass - 1e-6);
        EXPECT_GE(c.scores[s].recall, c.scores[s + 1].recall);
    }
}

TEST(TopKComparison, RefusesMismatchedCodes) {
    Rng rng(3);
    const Matrix<double> q = normal_matrix<double>(4, 8, rng), k = normal_matrix<double>(16, 8, rng);
    const Matrix<double> planes = random_planes<double>(8, 8, 1);
    EXPECT_THROW(compare_topk(q, k, k, {{"bad", simhash_codes(k, planes), simhash_codes(k, planes)}}), InputError);
    EXPECT_THROW(compare_topk(q, k, k, {}, {.sparsities = {0}}), InputError);
    EXPECT_THROW(compare_topk(q, k, k, {}, {.histogram_top = 17}), InputError);
}

}  // namespace
