// Attention over selected keys: equal to dense attention when every key is selected (causal too),
// equal to a float64 loop over arbitrary subsets, and refusing malformed selections.
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "core/dense_attention.hpp"
#include "core/random.hpp"
#include "core/sparse_attention.hpp"
#include "reference/compare.hpp"
#include "reference/reference_sparse_attention.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;

template <class T>
Matrix<T> random_matrix(int rows, int cols, Rng& rng) {
    return normal_matrix<double>(rows, cols, rng).cast<T>();
}

template <class T>
void all_keys_equals_dense(bool causal) {
    Rng rng(11);
    const int n = 24, m = 40, d = 16, dv = 8;
    const Matrix<T> q = random_matrix<T>(n, d, rng), k = random_matrix<T>(m, d, rng), v = random_matrix<T>(m, dv, rng);
    std::vector<std::vector<std::int32_t>> all(n);
    for (int i = 0; i < n; ++i) {
        all[std::size_t(i)].resize(std::size_t(causal ? i + (m - n) + 1 : m));
        // Reversed order: the result must not depend on the order of a query's keys.
        std::iota(all[std::size_t(i)].rbegin(), all[std::size_t(i)].rend(), 0);
    }
    const auto sparse = sparse_attention(q, k, v, all);
    const auto dense = dense_attention(q, k, v, {.causal = causal});
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    EXPECT_LT(ref::scaled_error(sparse.output, ref::to_ref(dense.output)), tol);
    for (int i = 0; i < n; ++i) {
        EXPECT_NEAR(double(sparse.logsumexp(i)), double(dense.logsumexp(i)), tol * 10);
        const auto& keys = all[std::size_t(i)];
        for (std::size_t s = 0; s < keys.size(); ++s)
            EXPECT_NEAR(double(sparse.weights[std::size_t(i)][s]), double(dense.probabilities(i, keys[s])), tol);
    }
}

TEST(SparseAttention, AllKeysIsDense) {
    all_keys_equals_dense<double>(false);
    all_keys_equals_dense<double>(true);
    all_keys_equals_dense<float>(false);
    all_keys_equals_dense<float>(true);
}

template <class T>
void subsets_match_reference() {
    Rng rng(5);
    const int n = 30, m = 50, d = 12, dv = 6;
    const Matrix<T> q = random_matrix<T>(n, d, rng), k = random_matrix<T>(m, d, rng), v = random_matrix<T>(m, dv, rng);
    std::vector<std::vector<std::int32_t>> selected(n);
    for (auto& s : selected) {
        const int size = 1 + int(rng.below(20));
        for (int c = 0; c < size; ++c) s.push_back(std::int32_t(rng.below(std::uint64_t(m))));
    }
    const auto got = sparse_attention(q, k, v, selected);
    const auto want = ref::sparse_attention(ref::to_ref(q), ref::to_ref(k), ref::to_ref(v), selected);
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    EXPECT_LT(ref::scaled_error(got.output, want), tol);
}

TEST(SparseAttention, SubsetsMatchReference) {
    subsets_match_reference<double>();
    subsets_match_reference<float>();
}

TEST(SparseAttention, RefusesBadSelections) {
    Rng rng(2);
    const Matrix<double> q = random_matrix<double>(2, 4, rng), k = random_matrix<double>(5, 4, rng),
                         v = random_matrix<double>(5, 3, rng);
    EXPECT_THROW(sparse_attention(q, k, v, {{0}}), InputError);
    EXPECT_THROW(sparse_attention(q, k, v, {{0}, {}}), InputError);
    EXPECT_THROW(sparse_attention(q, k, v, {{0}, {5}}), InputError);
    EXPECT_THROW(sparse_attention(q, k, v, {{-1}, {1}}), InputError);
}

}  // namespace
