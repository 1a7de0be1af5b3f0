// Dense softmax attention against a hand-worked example and the float64 loop oracle in
// tests/reference/reference_attention.hpp; masks, probabilities and input validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/dense_attention.hpp"
#include "core/random.hpp"
#include "reference/compare.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;
using ref::scaled_error;
using ref::to_ref;

// ---------------------------------------------------------------------------------------------
// Worked on paper. d = 1 so the scale 1/sqrt(d) is 1.
//   Q = [[0], [ln 2]],  K = [[0], [1], [2]],  V = [[1, 0], [0, 1], [1, 1]]
//   scores row 0: 0, 0, 0            -> p = 1/3, 1/3, 1/3     lse = ln 3
//          row 1: 0, ln2, 2 ln2      -> e^s = 1, 2, 4 -> p = 1/7, 2/7, 4/7     lse = ln 7
//   O row 0 = (1/3 + 1/3, 1/3 + 1/3) = (2/3, 2/3)
//   O row 1 = (1/7 + 4/7, 2/7 + 4/7) = (5/7, 6/7)
// Causal with n = 2 < m = 3: query i sees keys j <= i + 1.
//   row 0 sees keys 0, 1: p = 1/2, 1/2, 0    lse = ln 2    O = (1/2, 1/2)
//   row 1 sees all three: unchanged.
TEST(DenseAttention, HandWorkedExample) {
    Matrix<double> q(2, 1), k(3, 1), v(3, 2);
    q << 0, std::log(2.0);
    k << 0, 1, 2;
    v << 1, 0, 0, 1, 1, 1;
    const auto t = dense_attention(q, k, v);
    Matrix<double> p(2, 3), o(2, 2);
    p << 1. / 3, 1. / 3, 1. / 3, 1. / 7, 2. / 7, 4. / 7;
    o << 2. / 3, 2. / 3, 5. / 7, 6. / 7;
    EXPECT_LT((t.probabilities - p).cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_LT((t.output - o).cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_NEAR(t.logsumexp(0), std::log(3.0), 1e-15);
    EXPECT_NEAR(t.logsumexp(1), std::log(7.0), 1e-15);

    const auto c = dense_attention(q, k, v, {.causal = true});
    p << 0.5, 0.5, 0, 1. / 7, 2. / 7, 4. / 7;
    o << 0.5, 0.5, 5. / 7, 6. / 7;
    EXPECT_LT((c.probabilities - p).cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_EQ(c.probabilities(0, 2), 0.0);
    EXPECT_LT((c.output - o).cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_NEAR(c.logsumexp(0), std::log(2.0), 1e-15);
}

// The scale is 1/sqrt(d), not 1/d: d = 4, so scores are q.k / 2.
//   Q = [[2 ln 3, 0, 0, 0]], K = [[1, 0, 0, 0], [0, 1, 0, 0]]: scores ln 3, 0 -> p = 3/4, 1/4.
//   V = [[4], [8]] -> O = 3 + 2 = 5.  (With 1/d the scores would be ln3/2, 0 and O = 5.46...)
// Four causal queries on four keys with all scores equal: row i is uniform over i + 1 keys, so with
// V = [[0], [1], [2], [3]] the outputs are 0, 1/2, 1, 3/2.
TEST(DenseAttention, HandWorkedScaleAndCausalRows) {
    Matrix<double> q(1, 4), k(2, 4), v(2, 1);
    q << 2 * std::log(3.0), 0, 0, 0;
    k << 1, 0, 0, 0, 0, 1, 0, 0;
    v << 4, 8;
    const auto t = dense_attention(q, k, v);
    EXPECT_NEAR(t.probabilities(0, 0), 0.75, 1e-15);
    EXPECT_NEAR(t.probabilities(0, 1), 0.25, 1e-15);
    EXPECT_NEAR(t.output(0, 0), 5.0, 1e-14);
    EXPECT_NEAR(t.logsumexp(0), std::log(4.0), 1e-15);

    const Matrix<float> q4 = Matrix<float>::Ones(4, 3), k4 = Matrix<float>::Ones(4, 3);
    Matrix<float> v4(4, 1);
    v4 << 0, 1, 2, 3;
    const auto c = dense_attention(q4, k4, v4, {.causal = true});
    const float expected[4] = {0.f, 0.5f, 1.f, 1.5f};
    for (int i = 0; i < 4; ++i) {
        EXPECT_NEAR(c.output(i, 0), expected[i], 1e-6f) << "row " << i;
        for (int j = 0; j < 4; ++j) EXPECT_EQ(c.probabilities(i, j) == 0.f, j > i) << i << "," << j;
    }
}

// ---------------------------------------------------------------------------------------------
struct Case {
    int n, m, d, dv;
    bool causal;
    double spread;  // scales Q so some rows are peaked and some flat
};

const Case kCases[] = {
    {1, 1, 1, 1, false, 1.0},  {1, 1, 1, 1, true, 1.0},   {4, 4, 8, 3, false, 1.0},  {4, 4, 8, 3, true, 1.0},
    {7, 13, 5, 2, false, 2.0}, {7, 13, 5, 2, true, 2.0},  {1, 9, 16, 4, true, 1.0},  {16, 16, 32, 32, true, 3.0},
    {33, 40, 12, 7, true, 1.5}, {33, 40, 12, 7, false, 0.3}, {64, 64, 64, 16, false, 4.0}, {20, 5, 3, 6, false, 1.0},
};

template <class T>
void check_against_reference(double tol) {
    std::uint64_t seed = 1000;
    for (const auto& c : kCases) {
        SCOPED_TRACE("n=" + std::to_string(c.n) + " m=" + std::to_string(c.m) + " d=" + std::to_string(c.d) +
                     " dv=" + std::to_string(c.dv) + (c.causal ? " causal" : ""));
        Rng rng(seed++);
        // Generated in double, then cast, and the oracle sees the cast values: only arithmetic differs.
        const Matrix<T> q = (normal_matrix<double>(c.n, c.d, rng) * c.spread).cast<T>();
        const Matrix<T> k = normal_matrix<double>(c.m, c.d, rng).cast<T>();
        const Matrix<T> v = normal_matrix<double>(c.m, c.dv, rng).cast<T>();
        const auto got = dense_attention(q, k, v, {.causal = c.causal});
        const auto want = ref::dense_attention(to_ref(q), to_ref(k), to_ref(v), c.causal);

        EXPECT_LE(scaled_error(got.output, want.output), tol);
        EXPECT_LE(scaled_error(got.probabilities, want.probabilities), tol);
        ASSERT_EQ(got.logsumexp.size(), c.n);
        for (int i = 0; i < c.n; ++i)
            EXPECT_LE(std::abs(double(got.logsumexp(i)) - want.logsumexp[std::size_t(i)]),
                      tol * std::max(1.0, std::abs(want.logsumexp[std::size_t(i)])))
                << "row " << i;

        // Rows sum to 1; masked entries are exactly 0 and visible ones positive or underflowed.
        for (int i = 0; i < c.n; ++i) {
            EXPECT_NEAR(double(got.probabilities.row(i).sum()), 1.0, tol) << "row " << i;
            for (int j = 0; j < c.m; ++j) {
                const bool masked = c.causal && j > i + (c.m - c.n);
                if (masked) {
                    EXPECT_EQ(got.probabilities(i, j), T(0)) << i << "," << j;
                } else {
                    EXPECT_GE(got.probabilities(i, j), T(0)) << i << "," << j;
                }
            }
        }
    }
}

TEST(DenseAttention, MatchesReferenceDouble) { check_against_reference<double>(1e-9); }
TEST(DenseAttention, MatchesReferenceFloat) { check_against_reference<float>(1e-4); }

TEST(DenseAttention, LargeLogitsStayFinite) {
    // Scores of +-1000: a naive exp() overflows; a stable softmax gives a one-hot row.
    Matrix<double> q(1, 1), k(3, 1), v(3, 1);
    q << 1000;
    k << 1, -1, 0.5;
    v << 1, 2, 3;
    const auto t = dense_attention(q, k, v);
    EXPECT_TRUE(t.output.allFinite());
    EXPECT_NEAR(t.output(0, 0), 1.0, 1e-12);
    EXPECT_NEAR(t.logsumexp(0), 1000.0, 1e-9);
}

// ---------------------------------------------------------------------------------------------
void expect_input_error(const std::function<void()>& f, const std::vector<std::string>& words) {
    try {
        f();
        ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
        for (const auto& w : words)
            EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << "'" << w << "' missing from: " << e.what();
    }
}

TEST(DenseAttention, ShapeMismatchNamesOperands) {
    const Matrix<double> q = Matrix<double>::Ones(3, 4), k = Matrix<double>::Ones(5, 4), v = Matrix<double>::Ones(5, 2);
    const Matrix<double> k_wrong_d = Matrix<double>::Ones(5, 3), v_wrong_m = Matrix<double>::Ones(6, 2);
    expect_input_error([&] { dense_attention(q, k_wrong_d, v); }, {"Q [3, 4]", "K [5, 3]", "head dimension"});
    expect_input_error([&] { dense_attention(q, k, v_wrong_m); }, {"K [5, 4]", "V [6, 2]", "number of keys"});
    expect_input_error([&] { dense_attention(Matrix<double>(0, 4), k, v); }, {"empty"});
    expect_input_error([&] { dense_attention(q, k, Matrix<double>(5, 0)); }, {"empty"});
    // Causal needs the queries to be the last n of the m keys.
    expect_input_error([&] { dense_attention(Matrix<double>(Matrix<double>::Ones(6, 4)), k, v, {.causal = true}); }, {"causal"});
}

TEST(DenseAttention, MemoryBudgetRefusal) {
    const Matrix<float> q = Matrix<float>::Ones(100, 2), k = Matrix<float>::Ones(200, 2), v = Matrix<float>::Ones(200, 1);
    EXPECT_EQ(dense_score_bytes(100, 200, 4), 80000u);
    expect_input_error([&] { dense_attention(q, k, v, {.memory_budget_bytes = 79999}); }, {"100 x 200", "budget"});
    EXPECT_NO_THROW(dense_attention(q, k, v, {.memory_budget_bytes = 80000}));
    // A realistic refusal: 2 GiB default budget, 32768 x 32768 doubles = 8 GiB. Refused before any
    // allocation, so the test does not need the memory.
    const Matrix<double> qb = Matrix<double>::Ones(32768, 1), kb = Matrix<double>::Ones(32768, 1),
                         vb = Matrix<double>::Ones(32768, 1);
    expect_input_error([&] { dense_attention(qb, kb, vb); }, {"32768 x 32768", "8192 MiB", "2048 MiB"});
}

// A block of query rows, and the output walked in blocks, against the oracle's rows: causal with
// n < m puts the mask's offset on the block's absolute positions; n = 600 spans three blocks.
TEST(DenseAttention, RowBlocksAndBlockedOutputMatchReference) {
    struct Block {
        int n, m, first, rows;
        bool causal;
    };
    const Block blocks[] = {{9, 13, 3, 4, true}, {9, 13, 0, 9, true}, {9, 13, 8, 1, false}, {600, 640, 250, 300, true},
                            {600, 600, 0, 0, false}};
    std::uint64_t seed = 2000;
    for (const Block& b : blocks) {
        SCOPED_TRACE("n=" + std::to_string(b.n) + " first=" + std::to_string(b.first) + " rows=" + std::to_string(b.rows));
        Rng rng(seed++);
        const Matrix<double> q = normal_matrix<double>(b.n, 6, rng), k = normal_matrix<double>(b.m, 6, rng),
                             v = normal_matrix<double>(b.m, 3, rng);
        const auto want = ref::dense_attention(to_ref(q), to_ref(k), to_ref(v), b.causal);
        const auto got = dense_attention_rows(q, k, v, b.first, b.rows, {.causal = b.causal});
        ASSERT_EQ(got.probabilities.rows(), b.rows);
        ASSERT_EQ(got.output.rows(), b.rows);
        for (int r = 0; r < b.rows; ++r) {
            const auto i = std::size_t(b.first + r);
            EXPECT_NEAR(got.logsumexp(r), want.logsumexp[i], 1e-9) << "row " << i;
            for (int j = 0; j < b.m; ++j) EXPECT_NEAR(got.probabilities(r, j), want.probabilities(int(i), j), 1e-9);
            for (int c = 0; c < 3; ++c) EXPECT_NEAR(got.output(r, c), want.output(int(i), c), 1e-9);
        }
        EXPECT_LE(scaled_error(dense_attention_output(q, k, v, {.causal = b.causal}), want.output), 1e-9);
    }
    const Matrix<double> q = Matrix<double>::Ones(5, 2), k = Matrix<double>::Ones(5, 2), v = Matrix<double>::Ones(5, 1);
    expect_input_error([&] { dense_attention_rows(q, k, v, 3, 3); }, {"rows [3, 6)", "5 queries"});
    expect_input_error([&] { dense_attention_rows(q, k, v, -1, 2); }, {"rows [-1, 1)"});
}

}  // namespace
