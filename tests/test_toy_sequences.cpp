// The toy generators: same seed gives the same bits, golden values pin the draw order (and so the
// numbers on every platform), each kind has the structure its header promises, bad parameters
// are refused naming the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "core/toy_sequences.hpp"

namespace hashscope {
namespace {

constexpr ToyKind kAllKinds[] = {ToyKind::clusters, ToyKind::induction, ToyKind::needle, ToyKind::uniform,
                                 ToyKind::llm_like};

ToySequence make(ToyKind kind, std::uint64_t seed = 1) {
    ToyParams p;
    p.kind = kind;
    p.seed = seed;
    return make_toy_sequence(p);
}

double dot(const Matrix<double>& a, int i, const Matrix<double>& b, int j) {
    double s = 0;
    for (Eigen::Index c = 0; c < a.cols(); ++c) s += a(i, c) * b(j, c);
    return s;
}

double cosine(const Matrix<double>& a, int i, const Matrix<double>& b, int j) {
    return dot(a, i, b, j) / std::sqrt(dot(a, i, a, i) * dot(b, j, b, j));
}

double mean_pair_cosine(const Matrix<double>& k) {
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < k.rows(); ++i)
        for (int j = i + 1; j < k.rows(); ++j, ++pairs) sum += cosine(k, i, k, j);
    return sum / pairs;
}

TEST(ToySequences, SameSeedGivesIdenticalBits) {
    for (const auto kind : kAllKinds) {
        const auto a = make(kind, 42), b = make(kind, 42);
        EXPECT_TRUE(a.q == b.q) << toy_kind_name(kind);
        EXPECT_TRUE(a.k == b.k) << toy_kind_name(kind);
        EXPECT_TRUE(a.v == b.v) << toy_kind_name(kind);
        EXPECT_EQ(a.labels, b.labels) << toy_kind_name(kind);
        EXPECT_EQ(a.description, b.description) << toy_kind_name(kind);
    }
}

TEST(ToySequences, DifferentSeedsDiffer) {
    for (const auto kind : kAllKinds) {
        const auto a = make(kind, 1), b = make(kind, 2);
        EXPECT_FALSE(a.q == b.q) << toy_kind_name(kind);
        EXPECT_FALSE(a.k == b.k) << toy_kind_name(kind);
        EXPECT_FALSE(a.v == b.v) << toy_kind_name(kind);
    }
}

TEST(ToySequences, GoldenValuesPinTheDrawOrder) {
    // Observed with the default parameters (seed 1), then recomputed from scratch by a separate
    // Python mt19937_64 + Box-Muller script for clusters (q, labels), needle (q, k), uniform (q) and
    // llm_like (k, v). Exact equality: the generators promise the same bits everywhere.
    struct Golden {
        ToyKind kind;
        double q00, k00, k_last, v00;
        std::vector<int> labels;
    };
    const Golden golden[] = {
        {ToyKind::clusters, 0.59622511575127257, 0.37747382245102651, 0.43692329610989045, 1.1718798306117184,
         {0, 3, 1, 0, 3}},
        {ToyKind::induction, 0.52576207893474269, -1.7475651560646928, -0.67215464119913215,
         -0.53748564576526781, {474, 257, 7, 40, 244}},
        {ToyKind::needle, -0.80859409822830786, 1.1636327183342201, -0.11478495031730203, 0.83030021708552848,
         {0, 0, 0, 0, 0}},
        {ToyKind::uniform, 0.35099249780849107, 0.051649529712391749, -0.38613744491678109, 0.79635629718852763,
         {0, 0, 0, 0, 0}},
        {ToyKind::llm_like, 0.59622511575127257, 2.4154457035044392, 1.609169067213855, 1.1718798306117184,
         {0, 3, 1, 0, 3}},
    };
    for (const auto& g : golden) {
        const auto s = make(g.kind);
        SCOPED_TRACE(toy_kind_name(g.kind));
        EXPECT_EQ(s.q(0, 0), g.q00);
        EXPECT_EQ(s.k(0, 0), g.k00);
        EXPECT_EQ(s.k(s.k.rows() - 1, s.k.cols() - 1), g.k_last);
        EXPECT_EQ(s.v(0, 0), g.v00);
        EXPECT_EQ(std::vector<int>(s.labels.begin(), s.labels.begin() + 5), g.labels);
    }
}

TEST(ToySequences, ShapesFollowTheParameters) {
    for (const auto kind : kAllKinds)
        for (const int n : {1, 2, 7}) {
            ToyParams p;
            p.kind = kind;
            p.n = n;
            p.d = 3;
            p.dv = 5;
            p.outlier_dims = 1;
            const auto s = make_toy_sequence(p);
            SCOPED_TRACE(std::string(toy_kind_name(kind)) + " n=" + std::to_string(n));
            EXPECT_EQ(s.q.rows(), n);
            EXPECT_EQ(s.q.cols(), 3);
            EXPECT_EQ(s.k.rows(), n);
            EXPECT_EQ(s.k.cols(), 3);
            EXPECT_EQ(s.v.rows(), n);
            EXPECT_EQ(s.v.cols(), 5);
            EXPECT_EQ(s.labels.size(), std::size_t(n));
            EXPECT_TRUE(s.q.allFinite() && s.k.allFinite() && s.v.allFinite());
            EXPECT_NE(s.description.find(toy_kind_name(kind)), std::string::npos) << s.description;
        }
}

TEST(ToySequences, ClustersSeparateByLabel) {
    // Same cluster: cosine about 1 / (1 + spread^2). Different clusters: random directions in 64
    // dimensions, cosine about N(0, 1/64). 0.8 splits the two with a wide margin.
    const auto s = make(ToyKind::clusters);
    std::set<int> seen(s.labels.begin(), s.labels.end());
    EXPECT_EQ(seen, (std::set<int>{0, 1, 2, 3}));
    for (int i = 0; i < s.q.rows(); ++i)
        for (int j = 0; j < s.k.rows(); ++j)
            ASSERT_EQ(cosine(s.q, i, s.k, j) > 0.8, s.labels[std::size_t(i)] == s.labels[std::size_t(j)])
                << "q " << i << ", k " << j;
}

TEST(ToySequences, ClustersWithoutSpreadAreTheCentres) {
    ToyParams p;
    p.spread = 0;
    const auto s = make_toy_sequence(p);
    EXPECT_TRUE(s.q == s.k);
    for (int i = 0; i < p.n; ++i) {
        EXPECT_NEAR(s.q.row(i).norm(), std::sqrt(double(p.d)), 1e-12);  // unit-RMS centres
        for (int j = 0; j < i; ++j)
            if (s.labels[std::size_t(i)] == s.labels[std::size_t(j)]) {
                ASSERT_TRUE(s.q.row(i) == s.q.row(j)) << i << ", " << j;
            }
    }
}

TEST(ToySequences, InductionQueriesFindTheKeyAfterThePreviousOccurrence) {
    ToyParams p;
    p.kind = ToyKind::induction;
    p.n = 101;  // odd: the prefix is 51 tokens and the copy 50
    const auto s = make_toy_sequence(p);
    const int prefix = 51;
    for (int i = 0; i + prefix < p.n; ++i) EXPECT_EQ(s.labels[std::size_t(i)], s.labels[std::size_t(i + prefix)]);
    for (int i = prefix; i < p.n; ++i) {
        // The key carrying the previous occurrence's token, at i - prefix + 1, scores about d.
        EXPECT_GT(dot(s.q, i, s.k, i - prefix + 1), 0.8 * p.d) << i;
        int best = 0;
        for (int j = 1; j <= i; ++j)
            if (dot(s.q, i, s.k, j) > dot(s.q, i, s.k, best)) best = j;
        // A token repeated inside the prefix gives several matching keys; each carries the token.
        ASSERT_GE(best, 1) << i;
        EXPECT_EQ(s.labels[std::size_t(best - 1)], s.labels[std::size_t(i)]) << i;
    }
}

TEST(ToySequences, NeedleIsEveryQuerysBestKey) {
    for (const int where : {-1, 0, 37}) {
        ToyParams p;
        p.kind = ToyKind::needle;
        p.n = 64;
        p.needle_position = where;
        const auto s = make_toy_sequence(p);
        const auto planted = std::find(s.labels.begin(), s.labels.end(), 1) - s.labels.begin();
        EXPECT_EQ(std::count(s.labels.begin(), s.labels.end(), 1), 1);
        if (where >= 0) {
            EXPECT_EQ(planted, where);
        }
        for (int i = 0; i < p.n; ++i) {
            int best = 0;
            for (int j = 1; j < p.n; ++j)
                if (dot(s.q, i, s.k, j) > dot(s.q, i, s.k, best)) best = j;
            ASSERT_EQ(best, planted) << "query " << i;
        }
    }
}

TEST(ToySequences, UniformIsStandardNormal) {
    const auto s = make(ToyKind::uniform);
    for (const Matrix<double>* m : {&s.q, &s.k, &s.v}) {
        const double mean = m->mean();
        const double variance = (m->array() - mean).square().mean();
        EXPECT_NEAR(mean, 0.0, 0.03);  // 16384 samples: standard error 0.008
        EXPECT_NEAR(variance, 1.0, 0.05);
    }
}

TEST(ToySequences, LlmLikeKeysShareOneDirection) {
    const auto llm = make(ToyKind::llm_like), clusters = make(ToyKind::clusters);
    EXPECT_GT(mean_pair_cosine(llm.k), 0.9);
    EXPECT_LT(mean_pair_cosine(clusters.k), 0.4);  // 4 clusters: about 1/4
}

TEST(ToySequences, LlmLikeIsClustersPlusOneSharedKeyShift) {
    // The shift is the same for every key, so softmax(q . k) is that of the clusters kind.
    ToyParams p;
    p.kind = ToyKind::llm_like;
    p.outlier_dims = 3;
    const auto llm = make_toy_sequence(p);
    p.kind = ToyKind::clusters;
    const auto clusters = make_toy_sequence(p);
    EXPECT_TRUE(llm.q == clusters.q);
    EXPECT_TRUE(llm.v == clusters.v);
    EXPECT_EQ(llm.labels, clusters.labels);
    const Vector<double> shift = (llm.k.row(0) - clusters.k.row(0)).transpose();
    for (int i = 1; i < p.n; ++i)
        ASSERT_LT((llm.k.row(i) - clusters.k.row(i) - shift.transpose()).norm(), 1e-12) << i;
    // The dense mean has entries of about mean_scale; exactly outlier_dims stand far above it.
    const auto big = (shift.array().abs() > p.outlier_scale / 2).count();
    EXPECT_EQ(big, 3);
    EXPECT_NEAR(shift.norm(), std::sqrt(p.mean_scale * p.mean_scale * p.d + 3 * p.outlier_scale * p.outlier_scale),
                0.1 * shift.norm());
}

TEST(ToySequences, LlmLikeKeysCollapseUnderSimHash) {
    // 8 random hyperplanes (sign bits written out here): nearly every llm_like key gets the same
    // code, while clusters keys spread over at least their 4 clusters.
    Rng rng(99);
    const Matrix<double> planes = normal_matrix<double>(64, 8, rng);
    auto largest_code_share = [&](const Matrix<double>& k) {
        std::map<int, int> count;
        for (int i = 0; i < k.rows(); ++i) {
            int code = 0;
            for (int b = 0; b < 8; ++b) {
                double x = 0;
                for (int c = 0; c < 64; ++c) x += k(i, c) * planes(c, b);
                code |= int(x >= 0) << b;
            }
            ++count[code];
        }
        int most = 0;
        for (const auto& [code, c] : count) most = std::max(most, c);
        return double(most) / double(k.rows());
    };
    EXPECT_GT(largest_code_share(make(ToyKind::llm_like).k), 0.6);
    EXPECT_LT(largest_code_share(make(ToyKind::clusters).k), 0.4);
}

TEST(ToySequences, KindNamesRoundTrip) {
    EXPECT_STREQ(toy_kind_name(ToyKind::clusters), "clusters");
    EXPECT_STREQ(toy_kind_name(ToyKind::induction), "induction");
    EXPECT_STREQ(toy_kind_name(ToyKind::needle), "needle");
    EXPECT_STREQ(toy_kind_name(ToyKind::uniform), "uniform");
    EXPECT_STREQ(toy_kind_name(ToyKind::llm_like), "llm_like");
    for (const auto kind : kAllKinds) EXPECT_EQ(parse_toy_kind(toy_kind_name(kind)), kind);
    EXPECT_EQ(parse_toy_kind("Clusters"), std::nullopt);
    EXPECT_EQ(parse_toy_kind("llm-like"), std::nullopt);
    EXPECT_EQ(parse_toy_kind(""), std::nullopt);
}

// The message must start with the flag, followed by a space (so "--n" is not "--needle-...").
void expect_refused(const ToyParams& p, const std::string& flag) {
    try {
        make_toy_sequence(p);
        ADD_FAILURE() << flag << " was accepted";
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(flag + " ", 0), 0u) << e.what();
    }
}

TEST(ToySequences, BadParametersNameTheirFlag) {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    auto with = [](ToyKind kind, auto change) {
        ToyParams p;
        p.kind = kind;
        change(p);
        return p;
    };
    try {
        make_toy_sequence(with(ToyKind::uniform, [](ToyParams& p) { p.n = 0; }));
        ADD_FAILURE() << "n = 0 was accepted";
    } catch (const InputError& e) {
        EXPECT_STREQ(e.what(), "--n must be at least 1, got 0");
    }
    for (const auto kind : kAllKinds) {
        SCOPED_TRACE(toy_kind_name(kind));
        expect_refused(with(kind, [](ToyParams& p) { p.n = -5; }), "--n");
        expect_refused(with(kind, [](ToyParams& p) { p.d = 0; }), "--d");
        expect_refused(with(kind, [](ToyParams& p) { p.dv = 0; }), "--dv");
        expect_refused(with(kind, [](ToyParams& p) { p.spread = -0.1; }), "--spread");
        expect_refused(with(kind, [&](ToyParams& p) { p.spread = nan; }), "--spread");
    }
    expect_refused(with(ToyKind::clusters, [](ToyParams& p) { p.clusters = 0; }), "--clusters");
    expect_refused(with(ToyKind::llm_like, [](ToyParams& p) { p.clusters = 0; }), "--clusters");
    expect_refused(with(ToyKind::induction, [](ToyParams& p) { p.vocab = 0; }), "--vocab");
    expect_refused(with(ToyKind::needle, [](ToyParams& p) { p.needle_position = 256; }), "--needle-position");
    expect_refused(with(ToyKind::needle, [](ToyParams& p) { p.needle_position = -2; }), "--needle-position");
    expect_refused(with(ToyKind::needle, [&](ToyParams& p) { p.needle_strength = inf; }), "--needle-strength");
    expect_refused(with(ToyKind::llm_like, [](ToyParams& p) { p.mean_scale = -1; }), "--mean-scale");
    expect_refused(with(ToyKind::llm_like, [](ToyParams& p) { p.outlier_dims = 65; }), "--outlier-dims");
    expect_refused(with(ToyKind::llm_like, [](ToyParams& p) { p.outlier_dims = -1; }), "--outlier-dims");
    expect_refused(with(ToyKind::llm_like, [&](ToyParams& p) { p.outlier_scale = inf; }), "--outlier-scale");
}

TEST(ToySequences, RangeEdgesAndOtherKindsParametersAreAccepted) {
    ToyParams p;
    p.kind = ToyKind::needle;
    p.needle_position = 255;
    EXPECT_NO_THROW(make_toy_sequence(p));
    p.kind = ToyKind::llm_like;
    p.outlier_dims = 64;
    p.needle_position = 1000;  // a needle parameter: llm_like ignores it
    EXPECT_NO_THROW(make_toy_sequence(p));
    // One token of width 1 with the default outlier_dims = 2, which only llm_like would refuse.
    p = ToyParams{};
    p.n = p.d = p.dv = 1;
    p.spread = 0;
    for (const auto kind : {ToyKind::clusters, ToyKind::induction, ToyKind::needle, ToyKind::uniform}) {
        p.kind = kind;
        EXPECT_NO_THROW(make_toy_sequence(p)) << toy_kind_name(kind);
    }
}

}  // namespace
}  // namespace hashscope
