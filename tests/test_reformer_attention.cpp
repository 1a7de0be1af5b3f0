// Reformer LSH attention against hand-worked cases and the float64 loop oracle in
// tests/reference/reference_attention.hpp (written from the transformers LSHSelfAttention spec,
// not from core), the trace's invariants, exact reductions to dense attention, round-order and seed
// properties, and input validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/reformer_attention.hpp"
#include "reference/compare.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;
using ref::scaled_error;
using ref::to_ref;

template <class T>
double scaled_error(const Vector<T>& got, const std::vector<double>& want) {
    EXPECT_EQ(std::size_t(got.size()), want.size());
    if (std::size_t(got.size()) != want.size()) return INFINITY;
    double err = 0.0, scale = 1.0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        err = std::max(err, std::abs(double(got(Eigen::Index(i))) - want[i]));
        scale = std::max(scale, std::abs(want[i]));
    }
    return err / scale;
}

ReformerConfig config(int hashes, int buckets, int chunk, bool causal) {
    ReformerConfig c;
    c.n_hashes = hashes;
    c.n_buckets = buckets;
    c.chunk = chunk;
    c.causal = causal;
    return c;
}

// Invariants every trace must satisfy, checked from the trace alone.
template <class T>
void check_trace(const ReformerTrace<T>& t, int n, const ReformerConfig& c) {
    const int H = c.n_hashes, slots = H * n;
    ASSERT_EQ(t.n, n);
    ASSERT_EQ(int(t.buckets.size()), H);
    for (const auto& round : t.buckets) {
        ASSERT_EQ(int(round.size()), n);
        for (auto b : round) {
            EXPECT_GE(b, 0);
            EXPECT_LT(b, c.n_buckets);
        }
    }
    ASSERT_EQ(int(t.sorted_to_concat.size()), slots);
    ASSERT_EQ(int(t.concat_to_sorted.size()), slots);
    std::vector<int> seen(std::size_t(slots), 0);
    for (auto s : t.sorted_to_concat) {
        ASSERT_GE(s, 0);
        ASSERT_LT(s, slots);
        ++seen[std::size_t(s)];
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; })) << "not a permutation";
    for (int s = 0; s < slots; ++s) {
        EXPECT_EQ(t.concat_to_sorted[std::size_t(t.sorted_to_concat[std::size_t(s)])], s);
        EXPECT_EQ(t.sorted_to_concat[std::size_t(t.concat_to_sorted[std::size_t(s)])], s);
        EXPECT_EQ(t.round_of_slot(s) * n + t.position_of_slot(s), t.sorted_to_concat[std::size_t(s)]);
    }
    // Nondecreasing offset bucket; ties in increasing concatenated index (the sort is stable).
    auto offset_bucket = [&](int concat) {
        return (concat / n) * c.n_buckets + t.buckets[std::size_t(concat / n)][std::size_t(concat % n)];
    };
    for (int s = 1; s < slots; ++s) {
        const int a = t.sorted_to_concat[std::size_t(s - 1)], b = t.sorted_to_concat[std::size_t(s)];
        EXPECT_LE(offset_bucket(a), offset_bucket(b)) << "slot " << s;
        if (offset_bucket(a) == offset_bucket(b)) {
            EXPECT_LT(a, b) << "slot " << s;
        }
    }
    EXPECT_EQ(t.standard_attention, n <= c.chunk);
    if (!t.standard_attention) {
        EXPECT_EQ(t.num_chunks(), slots / c.chunk);
    }
    const std::size_t rounds = t.standard_attention ? 1 : std::size_t(H);
    EXPECT_EQ(t.round_outputs.size(), rounds);
    EXPECT_EQ(t.round_logsumexp.size(), rounds);
    EXPECT_EQ(t.output.rows(), n);
    EXPECT_TRUE(t.output.allFinite());
}

// ---------------------------------------------------------------------------------------------
// Worked on paper: n = 4, d = 2, n_buckets = 4, chunk = 2, R_0 = identity, so x R_0 = x and the
// bucket is the argmax of (x0, x1, -x0, -x1):
//   x0 = ( 1, 0  ): ( 1, 0,  -1, -0  ) -> bucket 0
//   x1 = ( 0, 2  ): ( 0, 2,  -0, -2  ) -> bucket 1
//   x2 = (-1, 0.5): (-1, 0.5, 1, -0.5) -> bucket 2
//   x3 = ( 2, 1  ): ( 2, 1,  -2, -1  ) -> bucket 0
// Sorted by (bucket, index): (0,0) (0,3) (1,1) (2,2) -> sorted_to_concat = [0, 3, 1, 2],
// concat_to_sorted = [0, 2, 3, 1]. Chunks: c0 = positions {0, 3}, c1 = {1, 2}; c0 looks back
// (wrapping) to c1, c1 to c0, so every query sees all four keys once and its own at -1e5.
// Keys: k_j = x_j / sqrt(|x_j|^2 / 2 + 1e-6) / sqrt(2) ~ x_j / |x_j| (the 1e-6 moves them by ~1e-6).
// Query 0, V = [1, 2, 3, 4]: logits vs keys 1, 2, 3 = x0.k_j = 0, -1/sqrt(1.25) = -2/sqrt5, 2/sqrt5
//   out_0 = (2 + 3 e^{-2/sqrt5} + 4 e^{2/sqrt5}) / (1 + e^{-2/sqrt5} + e^{2/sqrt5})
//         = (2 + 3*0.408842 + 4*2.445923) / 3.854765 = 3.375102.
// Query 3: logits vs keys 0, 1, 2 = 2, 1, (-2 + 0.5)/sqrt(1.25) = -3/sqrt5
//   out_3 = (1 e^2 + 2 e^1 + 3 e^{-3/sqrt5}) / (e^2 + e + e^{-3/sqrt5}) = 1.312585.
// Causal: query 0 sees only itself (others at -1e9) -> out_0 = v_0 = 1 and lse = -1e5;
// query 3 sees keys 0..2 as before -> out_3 unchanged.
TEST(ReformerAttention, HandWorkedOneRound) {
    Matrix<double> x(4, 2), v(4, 1);
    x << 1, 0, 0, 2, -1, 0.5, 2, 1;
    v << 1, 2, 3, 4;
    const std::vector<Matrix<double>> rot{Matrix<double>::Identity(2, 2)};
    const auto t = reformer_attention(x, v, rot, config(1, 4, 2, false));
    EXPECT_EQ(t.buckets, (std::vector<std::vector<std::int32_t>>{{0, 1, 2, 0}}));
    EXPECT_EQ(t.sorted_to_concat, (std::vector<std::int32_t>{0, 3, 1, 2}));
    EXPECT_EQ(t.concat_to_sorted, (std::vector<std::int32_t>{0, 2, 3, 1}));
    EXPECT_FALSE(t.standard_attention);
    EXPECT_EQ(t.num_chunks(), 2);
    const double a = 2 / std::sqrt(5.0), b = 3 / std::sqrt(5.0);
    const double out0 = (2 + 3 * std::exp(-a) + 4 * std::exp(a)) / (1 + std::exp(-a) + std::exp(a));
    const double out3 = (std::exp(2.0) + 2 * std::exp(1.0) + 3 * std::exp(-b)) / (std::exp(2.0) + std::exp(1.0) + std::exp(-b));
    EXPECT_NEAR(out0, 3.375102, 1e-6);  // the paper value
    EXPECT_NEAR(t.output(0, 0), out0, 1e-5);
    EXPECT_NEAR(t.output(3, 0), out3, 1e-5);

    const auto c = reformer_attention(x, v, rot, config(1, 4, 2, true));
    EXPECT_EQ(c.sorted_to_concat, t.sorted_to_concat);
    EXPECT_EQ(c.output(0, 0), 1.0);
    EXPECT_EQ(c.round_logsumexp[0](0), -1e5);
    EXPECT_NEAR(c.output(3, 0), out3, 1e-5);
}

// Two rounds make the chunk look-back visible. Same X, R_0 = identity, R_1 = [[0, 1], [1, 0]] so
// x R_1 = (x1, x0):
//   round 1: x0 -> (0, 1, -0, -1) -> 1;  x1 -> (2, 0, -2, -0) -> 0;  x2 -> (0.5, -1, -0.5, 1) -> 3;
//            x3 -> (1, 2, -1, -2) -> 1.
//   offset buckets: round 0 [0, 1, 2, 0], round 1 [5, 4, 7, 5] (offset 4)
//   sorted (offset bucket, concat): (0,0) (0,3) (1,1) (2,2) (4,5) (5,4) (5,7) (7,6)
//   sorted_to_concat = [0, 3, 1, 2, 5, 4, 7, 6]; chunks of 2 hold positions
//   c0 = {0, 3}, c1 = {1, 2}, c2 = {1, 0}, c3 = {3, 2}.
//   Key positions (previous chunk, then own): c0 <- c3: [3, 2, 0, 3]; c1 <- c0: [0, 3, 1, 2];
//   c2 <- c1: [1, 2, 1, 0]; c3 <- c2: [1, 0, 3, 2]. So in round 0, query 0 sees key 3 twice and
//   never key 1, and in round 1 query 1 (slot 4, chunk 2) sees itself twice and key 2 once.
TEST(ReformerAttention, HandWorkedTwoRoundsLookBack) {
    Matrix<double> x(4, 2), v(4, 2);
    x << 1, 0, 0, 2, -1, 0.5, 2, 1;
    v << 1, -1, 2, 0.5, 3, 2, 4, -3;
    Matrix<double> swap(2, 2);
    swap << 0, 1, 1, 0;
    const std::vector<Matrix<double>> rot{Matrix<double>::Identity(2, 2), swap};
    const auto t = reformer_attention(x, v, rot, config(2, 4, 2, false));
    EXPECT_EQ(t.buckets, (std::vector<std::vector<std::int32_t>>{{0, 1, 2, 0}, {1, 0, 3, 1}}));
    EXPECT_EQ(t.sorted_to_concat, (std::vector<std::int32_t>{0, 3, 1, 2, 5, 4, 7, 6}));
    EXPECT_EQ(t.num_chunks(), 4);

    // Each (round, position)'s keys from the table above, then plain softmax with the masks.
    const std::vector<std::vector<int>> chunk_keys{{3, 2, 0, 3}, {0, 3, 1, 2}, {1, 2, 1, 0}, {1, 0, 3, 2}};
    const std::vector<int> chunk_of_concat{0, 1, 1, 0, 2, 2, 3, 3};  // concat index -> chunk
    const ref::Mat keys = ref::reformer_keys(to_ref(x));
    for (int concat = 0; concat < 8; ++concat) {
        const int h = concat / 4, i = concat % 4;
        std::vector<double> logits;
        for (int j : chunk_keys[std::size_t(chunk_of_concat[std::size_t(concat)])])
            logits.push_back(i == j ? -1e5 : x(i, 0) * keys(j, 0) + x(i, 1) * keys(j, 1));
        const double lse = ref::logsumexp(logits);
        double o0 = 0, o1 = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int j = chunk_keys[std::size_t(chunk_of_concat[std::size_t(concat)])][k];
            o0 += std::exp(logits[k] - lse) * v(j, 0), o1 += std::exp(logits[k] - lse) * v(j, 1);
        }
        EXPECT_NEAR(t.round_logsumexp[std::size_t(h)](i), lse, 1e-12) << "round " << h << " pos " << i;
        EXPECT_NEAR(t.round_outputs[std::size_t(h)](i, 0), o0, 1e-12) << "round " << h << " pos " << i;
        EXPECT_NEAR(t.round_outputs[std::size_t(h)](i, 1), o1, 1e-12) << "round " << h << " pos " << i;
    }
    // Combination: weights softmax over rounds of the logsumexps.
    for (int i = 0; i < 4; ++i) {
        const double l0 = t.round_logsumexp[0](i), l1 = t.round_logsumexp[1](i);
        const double w0 = 1 / (1 + std::exp(l1 - l0)), w1 = 1 - w0;
        for (int col = 0; col < 2; ++col)
            EXPECT_NEAR(t.output(i, col), w0 * t.round_outputs[0](i, col) + w1 * t.round_outputs[1](i, col), 1e-12);
    }
}

TEST(ReformerAttention, HandWorkedTieTakesFirstMaximum) {
    // x = (1, 1) with R = identity: (1, 1, -1, -1) ties buckets 0 and 1 -> 0.
    // x = (-1, -1): (-1, -1, 1, 1) ties 2 and 3 -> 2.   x = (0, 0): all zero -> 0.
    Matrix<double> x(3, 2);
    x << 1, 1, -1, -1, 0, 0;
    const auto b = reformer_buckets<double>(x, {Matrix<double>::Identity(2, 2)});
    EXPECT_EQ(b, (std::vector<std::vector<std::int32_t>>{{0, 2, 0}}));
}

// ---------------------------------------------------------------------------------------------
struct ReformerCase {
    int n, d, dv, H, nb, C;
};

// Chosen to cover: n <= C (standard attention, including H*n/C == 1 and C not dividing H*n),
// 2 chunks, C dividing n, C dividing H*n but not n (chunks straddling rounds), many chunks, nb = 2.
const ReformerCase kReformerCases[] = {
    {8, 4, 3, 2, 4, 16},   // H*n / C = 1: n <= C, standard attention
    {6, 3, 2, 1, 2, 6},    // n == C: standard attention
    {5, 4, 3, 3, 4, 8},    // n <= C and C does not divide H*n: still standard attention
    {8, 4, 3, 1, 4, 4},    // 2 chunks
    {16, 8, 8, 2, 4, 8},   // 4 chunks, C divides n
    {12, 6, 5, 2, 8, 8},   // 3 chunks, C divides H*n but not n
    {10, 5, 4, 3, 6, 6},   // 5 chunks, C divides H*n but not n
    {9, 4, 2, 2, 4, 6},    // 3 chunks, odd n
    {32, 16, 8, 4, 8, 4},  // 32 chunks
    {24, 8, 4, 1, 2, 3},   // nb = 2, chunk of 3
};

template <class T>
void check_case(const ReformerCase& k, bool causal, std::uint64_t seed, double tol) {
    SCOPED_TRACE("n=" + std::to_string(k.n) + " d=" + std::to_string(k.d) + " H=" + std::to_string(k.H) +
                 " nb=" + std::to_string(k.nb) + " C=" + std::to_string(k.C) + (causal ? " causal" : ""));
    const auto cfg = config(k.H, k.nb, k.C, causal);
    Rng rng(seed);
    // Generated in double and cast; the oracle sees the cast values, so only arithmetic differs.
    const Matrix<T> x = normal_matrix<double>(k.n, k.d, rng).cast<T>();
    const Matrix<T> v = normal_matrix<double>(k.n, k.dv, rng).cast<T>();
    std::vector<Matrix<T>> rot;
    for (const auto& r : random_rotations<double>(k.d, cfg, seed + 7)) rot.push_back(r.template cast<T>());

    const auto want = ref::reformer_attention(to_ref(x), to_ref(v), to_ref(rot), k.nb, k.C, causal);
    if (std::is_same_v<T, float>) {
        // Buckets are compared exactly, which needs each argmax to win by more than f32 rounding of
        // x R (~1e-6 here). The data is fixed by the seed; if this ever fires, change the seed.
        for (double m : want.min_bucket_margin) ASSERT_GT(m, 1e-4) << "near-tie in the test data";
    }
    const auto got = reformer_attention(x, v, rot, cfg);
    check_trace(got, k.n, cfg);
    for (int h = 0; h < k.H; ++h)
        for (int i = 0; i < k.n; ++i)
            ASSERT_EQ(got.buckets[std::size_t(h)][std::size_t(i)], want.buckets[std::size_t(h)][std::size_t(i)])
                << "round " << h << " position " << i;
    EXPECT_EQ(std::vector<int>(got.sorted_to_concat.begin(), got.sorted_to_concat.end()), want.sorted_to_concat);
    EXPECT_EQ(got.standard_attention, want.standard_attention);
    ASSERT_EQ(got.round_outputs.size(), want.round_outputs.size());
    for (std::size_t h = 0; h < want.round_outputs.size(); ++h) {
        EXPECT_LE(scaled_error(got.round_outputs[h], want.round_outputs[h]), tol) << "round " << h;
        EXPECT_LE(scaled_error(got.round_logsumexp[h], want.round_lse[h]), tol) << "round " << h;
    }
    EXPECT_LE(scaled_error(got.output, want.output), tol);
}

TEST(ReformerAttention, MatchesReferenceDouble) {
    std::uint64_t seed = 100;
    for (const auto& k : kReformerCases)
        for (bool causal : {false, true}) check_case<double>(k, causal, seed++, 1e-9);
}

TEST(ReformerAttention, MatchesReferenceFloat) {
    std::uint64_t seed = 500;
    for (const auto& k : kReformerCases)
        for (bool causal : {false, true}) check_case<float>(k, causal, seed++, 1e-4);
}

// Causal position 0 sees only itself in every round, so each round returns v_0 with a logsumexp near
// the -1e5 self mask, and any convex combination of rounds is v_0 again. In float the rounds' weights
// must still sum to 1 there (they did not when formed as exp(lse - logsumexp(lse)) at magnitude 1e5).
TEST(ReformerAttention, CausalFirstPositionIsItsOwnValueInFloat) {
    const int n = 16, d = 4, dv = 3;
    Rng rng(21);
    const Matrix<float> x = normal_matrix<float>(n, d, rng), v = normal_matrix<float>(n, dv, rng);
    for (int H : {2, 3, 4}) {
        const auto cfg = config(H, 4, 4, true);
        const auto t = reformer_attention(x, v, random_rotations<float>(d, cfg, 22 + std::uint64_t(H)), cfg);
        for (int c = 0; c < dv; ++c) EXPECT_NEAR(t.output(0, c), v(0, c), 1e-6f * std::abs(v(0, c))) << "H=" << H;
    }
}

// The in-place overload reuses a trace's storage; whatever ran before (more rounds, a longer
// sequence, the n <= chunk path) must leave no trace in the next result: it equals a fresh call's.
TEST(ReformerAttention, ReusedTraceEqualsFreshTrace) {
    struct Run {
        int n, hashes, buckets, chunk;
        bool causal;
    };
    const Run runs[] = {{48, 4, 8, 8, false}, {24, 2, 4, 6, true}, {8, 3, 4, 16, false}, {48, 4, 8, 8, true},
                        {32, 1, 2, 4, false}};
    ReformerTrace<double> reused;
    std::uint64_t seed = 900;
    for (const auto& r : runs) {
        Rng rng(seed++);
        const Matrix<double> x = normal_matrix<double>(r.n, 5, rng), v = normal_matrix<double>(r.n, 3, rng);
        const auto cfg = config(r.hashes, r.buckets, r.chunk, r.causal);
        const auto rotations = random_rotations<double>(5, cfg, seed++);
        reformer_attention(x, v, rotations, cfg, reused);
        const auto fresh = reformer_attention(x, v, rotations, cfg);
        check_trace(reused, r.n, cfg);
        EXPECT_EQ(reused.buckets, fresh.buckets) << "n=" << r.n;
        EXPECT_EQ(reused.sorted_to_concat, fresh.sorted_to_concat) << "n=" << r.n;
        EXPECT_EQ(reused.standard_attention, fresh.standard_attention) << "n=" << r.n;
        ASSERT_EQ(reused.round_outputs.size(), fresh.round_outputs.size()) << "n=" << r.n;
        for (std::size_t h = 0; h < fresh.round_outputs.size(); ++h) {
            EXPECT_EQ(reused.round_outputs[h], fresh.round_outputs[h]) << "n=" << r.n << " round " << h;
            EXPECT_EQ(reused.round_logsumexp[h], fresh.round_logsumexp[h]) << "n=" << r.n << " round " << h;
        }
        EXPECT_EQ(reused.output, fresh.output) << "n=" << r.n;
    }
}

TEST(ReformerAttention, SortMatchesReferenceOnManyTies) {
    // Few buckets, many rounds: long runs of equal offset buckets exercise stability.
    Rng rng(9);
    const int n = 40, nb = 2, H = 5;
    std::vector<std::vector<std::int32_t>> buckets(H, std::vector<std::int32_t>(n));
    for (auto& round : buckets)
        for (auto& b : round) b = std::int32_t(rng.below(nb));
    std::vector<std::pair<int, int>> keyed;
    for (int h = 0; h < H; ++h)
        for (int i = 0; i < n; ++i) keyed.push_back({h * nb + buckets[std::size_t(h)][std::size_t(i)], h * n + i});
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::int32_t> want;
    for (const auto& kv : keyed) want.push_back(kv.second);
    EXPECT_EQ(reformer_sort(buckets, nb), want);
}

// ---------------------------------------------------------------------------------------------
// (a) Reductions to dense attention. The self logit -1e5 makes exp(-1e5 - max) underflow to exactly
// 0 next to any ordinary logit, so whenever each key is in view exactly once, Reformer equals plain
// attention with Reformer's keys that excludes the query's own position.

TEST(ReformerAttention, OneBucketTwoChunksEqualsDenseExcludingSelf) {
    const int n = 16, d = 6, dv = 3;
    Rng rng(2);
    Matrix<double> x = normal_matrix<double>(n, d, rng);
    const Matrix<double> v = normal_matrix<double>(n, dv, rng);
    const auto rot = random_rotations<double>(d, config(1, 2, n / 2, false), 3);
    // nb = 2: bucket 0 iff x.r >= -x.r. Flip rows onto the positive side so all share bucket 0.
    for (int i = 0; i < n; ++i)
        if ((x.row(i) * rot[0])(0, 0) < 0) x.row(i) *= -1;
    for (bool causal : {false, true}) {
        SCOPED_TRACE(causal ? "causal" : "non-causal");
        const auto t = reformer_attention(x, v, rot, config(1, 2, n / 2, causal));
        EXPECT_FALSE(t.standard_attention);
        EXPECT_EQ(t.num_chunks(), 2);
        EXPECT_EQ(t.buckets[0], std::vector<std::int32_t>(n, 0));
        std::vector<std::int32_t> identity(n);
        std::iota(identity.begin(), identity.end(), 0);
        EXPECT_EQ(t.sorted_to_concat, identity);
        const auto want = ref::dense_excluding_self(to_ref(x), to_ref(v), causal);
        // Causal row 0 has no other key: it attends to itself alone and returns v_0.
        const int first = causal ? 1 : 0;
        if (causal) {
            EXPECT_LT((t.output.row(0) - v.row(0)).cwiseAbs().maxCoeff(), 1e-15);
        }
        for (int i = first; i < n; ++i)
            for (int c = 0; c < dv; ++c) EXPECT_NEAR(t.output(i, c), want(i, c), 1e-12) << i << "," << c;
    }
}

TEST(ReformerAttention, StandardAttentionEqualsDenseExcludingSelf) {
    const int n = 10, d = 4, dv = 5;
    Rng rng(4);
    const Matrix<double> x = normal_matrix<double>(n, d, rng), v = normal_matrix<double>(n, dv, rng);
    for (int H : {1, 3})
        for (bool causal : {false, true}) {
            SCOPED_TRACE("H=" + std::to_string(H) + (causal ? " causal" : ""));
            const auto cfg = config(H, 4, n, causal);  // n == chunk: no hashing
            const auto t = reformer_attention(x, v, random_rotations<double>(d, cfg, 5), cfg);
            EXPECT_TRUE(t.standard_attention);
            const auto want = ref::dense_excluding_self(to_ref(x), to_ref(v), causal);
            for (int i = causal ? 1 : 0; i < n; ++i)
                for (int c = 0; c < dv; ++c) EXPECT_NEAR(t.output(i, c), want(i, c), 1e-12) << i << "," << c;
            if (causal) {
                EXPECT_LT((t.output.row(0) - v.row(0)).cwiseAbs().maxCoeff(), 1e-15);
            }
        }
}

TEST(ReformerAttention, FullAttentionEqualsDenseExcludingSelfAtAnyLength) {
    // n = 40 is longer than any chunk used elsewhere: the full target does not depend on chunking.
    const int n = 40, d = 6, dv = 3;
    Rng rng(11);
    const Matrix<double> x = normal_matrix<double>(n, d, rng), v = normal_matrix<double>(n, dv, rng);
    for (bool causal : {false, true}) {
        const auto full = reformer_full_attention(x, v, causal);
        const auto want = ref::dense_excluding_self(to_ref(x), to_ref(v), causal);
        for (int i = causal ? 1 : 0; i < n; ++i) {
            for (int c = 0; c < dv; ++c) EXPECT_NEAR(full.output(i, c), want(i, c), 1e-12) << i << "," << c;
            EXPECT_EQ(full.probabilities(i, i), 0.0) << "self is masked";
            EXPECT_NEAR(full.probabilities.row(i).sum(), 1.0, 1e-12);
        }
    }
    EXPECT_THROW(reformer_full_attention(x, Matrix<double>(n - 1, dv), false), InputError);
}

TEST(ReformerAttention, FullAttentionRowsAreTheReferenceRows) {
    // Rows [first, first + rows): the self and causal masks sit at the absolute positions.
    const int n = 40, d = 6, dv = 3;
    Rng rng(12);
    const Matrix<double> x = normal_matrix<double>(n, d, rng), v = normal_matrix<double>(n, dv, rng);
    for (bool causal : {false, true}) {
        const auto want = ref::dense_excluding_self(to_ref(x), to_ref(v), causal);
        for (const auto& [first, rows] : {std::pair{0, 40}, std::pair{13, 9}, std::pair{39, 1}}) {
            const auto block = reformer_full_attention_rows(x, v, causal, first, rows);
            ASSERT_EQ(block.probabilities.rows(), rows);
            for (int r = 0; r < rows; ++r) {
                const int i = first + r;
                if (causal && i + 1 < n) {
                    EXPECT_EQ(block.probabilities(r, i + 1), 0.0) << "future of " << i;
                }
                if (causal && i == 0) continue;  // position 0 sees only itself: the reference leaves it out
                EXPECT_EQ(block.probabilities(r, i), 0.0) << "self is masked at position " << i;
                for (int c = 0; c < dv; ++c) EXPECT_NEAR(block.output(r, c), want(i, c), 1e-12) << i << "," << c;
            }
        }
    }
    EXPECT_THROW(reformer_full_attention_rows(x, v, false, 35, 6), InputError);
}

// (b) Round order. The combination over rounds is symmetric, but the chunking is not: rounds are
// laid end to end in the sorted sequence and a chunk looks back cyclically, possibly into the previous
// round. Listing the rounds in a cyclically shifted order by k rounds shifts the sorted sequence by
// k*n slots, which leaves every chunk and its look-back neighbour the same exactly when the chunk
// divides k*n. So the output is invariant under those shifts (for H = 2 and chunk | n, under the
// only permutation there is), and not under arbitrary permutations.
TEST(ReformerAttention, InvariantToCyclicRoundOrder) {
    struct Shift {
        int n, H, C, k;
    };
    const Shift shifts[] = {{16, 2, 4, 1}, {12, 3, 4, 1}, {12, 3, 4, 2}, {10, 4, 4, 2}, {9, 2, 9 * 2 / 3, 1}};
    for (const auto& s : shifts) {
        if ((s.k * s.n) % s.C != 0 || s.n <= s.C) continue;  // not a case the property covers
        for (bool causal : {false, true}) {
            SCOPED_TRACE("n=" + std::to_string(s.n) + " H=" + std::to_string(s.H) + " C=" + std::to_string(s.C) +
                         " k=" + std::to_string(s.k) + (causal ? " causal" : ""));
            const int d = 6;
            const auto cfg = config(s.H, 4, s.C, causal);
            Rng rng(std::uint64_t(s.n * 100 + s.H));
            const Matrix<double> x = normal_matrix<double>(s.n, d, rng), v = normal_matrix<double>(s.n, 3, rng);
            const auto rot = random_rotations<double>(d, cfg, 77);
            auto shifted = rot;
            std::rotate(shifted.begin(), shifted.begin() + s.k, shifted.end());
            const auto a = reformer_attention(x, v, rot, cfg), b = reformer_attention(x, v, shifted, cfg);
            EXPECT_LT((a.output - b.output).cwiseAbs().maxCoeff(), 1e-12);
            for (int h = 0; h < s.H; ++h)
                EXPECT_LT((a.round_outputs[std::size_t((h + s.k) % s.H)] - b.round_outputs[std::size_t(h)])
                              .cwiseAbs()
                              .maxCoeff(),
                          1e-12);
        }
    }
}

// The other half of the statement above: swapping rounds 1 and 2 of three changes which chunk the
// first chunk of each round looks back into, so the output changes, in the oracle as in core (and
// core still agrees with the oracle on the permuted list).
TEST(ReformerAttention, NonCyclicRoundOrderChangesChunking) {
    const int n = 12, d = 6;
    const auto cfg = config(3, 4, 4, false);
    Rng rng(31);
    const Matrix<double> x = normal_matrix<double>(n, d, rng), v = normal_matrix<double>(n, 3, rng);
    const auto rot = random_rotations<double>(d, cfg, 32);
    const std::vector<Matrix<double>> swapped{rot[0], rot[2], rot[1]};
    const auto a = reformer_attention(x, v, rot, cfg), b = reformer_attention(x, v, swapped, cfg);
    EXPECT_GT((a.output - b.output).cwiseAbs().maxCoeff(), 1e-6);
    const auto want = ref::reformer_attention(to_ref(x), to_ref(v), to_ref(swapped), 4, 4, false);
    EXPECT_LE(scaled_error(b.output, want.output), 1e-9);
}

// (c) Seeds.
TEST(ReformerAttention, RandomRotationsSeeded) {
    const auto cfg = config(3, 8, 4, false);
    const auto a = random_rotations<double>(5, cfg, 11), b = random_rotations<double>(5, cfg, 11),
               c = random_rotations<double>(5, cfg, 12);
    ASSERT_EQ(a.size(), 3u);
    for (std::size_t h = 0; h < 3; ++h) {
        EXPECT_EQ(a[h].rows(), 5);
        EXPECT_EQ(a[h].cols(), 4);
        EXPECT_EQ(a[h], b[h]);
        EXPECT_NE(a[h], c[h]);
    }
    // Drawn in C order of a [d, H, n_buckets / 2] array (the --rotations file layout).
    Rng rng(11);
    for (int i = 0; i < 5; ++i)
        for (std::size_t h = 0; h < 3; ++h)
            for (int k = 0; k < 4; ++k) EXPECT_EQ(a[h](i, k), rng.normal()) << i << " " << h << " " << k;

    Rng data(13);
    const Matrix<double> x = normal_matrix<double>(24, 5, data);
    EXPECT_EQ(reformer_buckets(x, a), reformer_buckets(x, b));
    EXPECT_NE(reformer_buckets(x, a), reformer_buckets(x, c));
}

// ---------------------------------------------------------------------------------------------
void expect_input_error(const std::function<void()>& f, const std::string& flag) {
    try {
        f();
        ADD_FAILURE() << "no InputError; expected one naming " << flag;
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << "'" << flag << "' missing from: " << e.what();
    }
}

TEST(ReformerAttention, BadInputsNameTheFlag) {
    const int n = 10, d = 4;
    Rng rng(1);
    const Matrix<double> x = normal_matrix<double>(n, d, rng), v = normal_matrix<double>(n, 2, rng);
    const auto good = config(2, 4, 5, false);
    const auto rot = random_rotations<double>(d, good, 2);
    EXPECT_NO_THROW(reformer_attention(x, v, rot, good));

    auto odd = good;
    odd.n_buckets = 5;
    expect_input_error([&] { reformer_attention(x, v, rot, odd); }, "--n-buckets");
    auto zero_buckets = good;
    zero_buckets.n_buckets = 0;
    expect_input_error([&] { reformer_attention(x, v, rot, zero_buckets); }, "--n-buckets");

    auto bad_chunk = good;
    bad_chunk.chunk = 3;  // 3 does not divide 2 * 10
    expect_input_error([&] { reformer_attention(x, v, rot, bad_chunk); }, "--chunk");
    bad_chunk.chunk = 0;
    expect_input_error([&] { reformer_attention(x, v, rot, bad_chunk); }, "--chunk");

    const auto rot_wrong_d = random_rotations<double>(d + 1, good, 2);
    expect_input_error([&] { reformer_attention(x, v, rot_wrong_d, good); }, "--rotations");
    const auto rot_wrong_cols = random_rotations<double>(d, config(2, 6, 5, false), 2);
    expect_input_error([&] { reformer_attention(x, v, rot_wrong_cols, good); }, "--rotations");
    const std::vector<Matrix<double>> one_round(rot.begin(), rot.begin() + 1);
    expect_input_error([&] { reformer_attention(x, v, one_round, good); }, "--rotations");

    const Matrix<double> v_short = v.topRows(n - 1);
    expect_input_error([&] { reformer_attention(x, v_short, rot, good); }, "--v");

    auto no_rounds = good;
    no_rounds.n_hashes = 0;
    expect_input_error([&] { reformer_attention(x, v, std::vector<Matrix<double>>{}, no_rounds); }, "--n-hashes");
    expect_input_error([&] { reformer_attention(Matrix<double>(0, d), Matrix<double>(0, 2), rot, good); }, "--qk");

    // With n <= chunk there is no chunking, so a chunk that does not divide H*n is fine (transformers
    // runs standard attention there).
    auto long_chunk = good;
    long_chunk.chunk = 16;
    EXPECT_NO_THROW(reformer_attention(x, v, rot, long_chunk));
}

}  // namespace
