// The metrics: small cases worked on paper, brute-force references written here with plain loops,
// a simulation for the collision expectation, Reformer's reached keys read back from the attention
// weights themselves, and the memory figures added up by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/dense_attention.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope {
namespace {

using Sets = std::vector<std::vector<std::int32_t>>;

template <class T>
Matrix<T> matrix(std::initializer_list<std::initializer_list<double>> rows) {
    Matrix<T> m(Eigen::Index(rows.size()), Eigen::Index(rows.begin()->size()));
    Eigen::Index i = 0;
    for (const auto& row : rows) {
        Eigen::Index j = 0;
        for (const double x : row) m(i, j++) = T(x);
        ++i;
    }
    return m;
}

// Small integers, so every dot product is exact in float and double and ties are common.
template <class T>
Matrix<T> small_integers(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
    Matrix<T> m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = T(int(rng.below(7)) - 3);
    return m;
}

// Reference: sort every visible key by (score descending, index ascending) and keep the first `top`.
Sets brute_top_k(const Matrix<double>& q, const Matrix<double>& k, int top, bool causal) {
    Sets result;
    const auto n = q.rows(), m = k.rows();
    for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<std::pair<double, std::int32_t>> ranked;
        for (Eigen::Index j = 0; j < (causal ? i + (m - n) + 1 : m); ++j) {
            double s = 0;
            for (Eigen::Index c = 0; c < q.cols(); ++c) s += q(i, c) * k(j, c);
            ranked.push_back({-s, std::int32_t(j)});
        }
        std::sort(ranked.begin(), ranked.end());
        std::vector<std::int32_t> keys;
        for (std::size_t r = 0; r < ranked.size() && r < std::size_t(top); ++r) keys.push_back(ranked[r].second);
        result.push_back(keys);
    }
    return result;
}

TEST(ExactTopK, HandWorked) {
    // q0 = (1,0) scores k0..k3 as 1, 0, 1, 2: k3, then the 1-1 tie k0 before k2, then k1.
    // q1 = (0,1) scores 0, 2, 1, -1: k1, k2, k0, k3.
    // q2 = (1,1) scores 1, 2, 2, 1: ties k1 before k2, then k0 before k3.
    const auto q = matrix<double>({{1, 0}, {0, 1}, {1, 1}});
    const auto k = matrix<double>({{1, 0}, {0, 2}, {1, 1}, {2, -1}});
    EXPECT_EQ(exact_top_k(q, k, 2, false), (Sets{{3, 0}, {1, 2}, {1, 2}}));
    EXPECT_EQ(exact_top_k(q, k, 4, false), (Sets{{3, 0, 2, 1}, {1, 2, 0, 3}, {1, 2, 0, 3}}));
    EXPECT_EQ(exact_top_k(q, k, 9, false)[0].size(), 4u);  // more than m: all keys
    // Causal with n = 3 queries on m = 4 keys: query i sees keys 0..i+1 (as dense_attention).
    // q0 sees k0 (1), k1 (0); q1 sees k0 (0), k1 (2), k2 (1); q2 sees everything.
    EXPECT_EQ(exact_top_k(q, k, 2, true), (Sets{{0, 1}, {1, 2}, {1, 2}}));
    // Square and causal: query i sees keys j <= i, so q0 has a single key.
    const auto k3 = matrix<double>({{1, 0}, {0, 2}, {1, 1}});
    EXPECT_EQ(exact_top_k(q, k3, 2, true), (Sets{{0}, {1, 0}, {1, 2}}));
}

TEST(ExactTopK, MatchesBruteForceWithTies) {
    Rng rng(5);
    for (const bool causal : {false, true})
        for (const int top : {1, 3, 8, 40}) {
            const Matrix<double> q = small_integers<double>(24, 4, rng), k = small_integers<double>(32, 4, rng);
            const auto expected = brute_top_k(q, k, top, causal);
            EXPECT_EQ(exact_top_k<double>(q, k, top, causal), expected) << "top " << top << " causal " << causal;
            EXPECT_EQ(exact_top_k<float>(q.cast<float>(), k.cast<float>(), top, causal), expected)
                << "float, top " << top << " causal " << causal;
        }
}

TEST(ExactTopK, RefusesBadInput) {
    const auto q = matrix<double>({{1, 0}, {0, 1}}), k = matrix<double>({{1, 0}});
    EXPECT_THROW(exact_top_k(q, k, 0, false), InputError);
    EXPECT_THROW(exact_top_k(q, matrix<double>({{1, 0, 0}}), 1, false), InputError);
    EXPECT_THROW(exact_top_k(q, k, 1, true), InputError);  // 2 causal queries, 1 key
    auto bad = k;
    bad(0, 1) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(exact_top_k(q, bad, 1, false), InputError);
    try {
        exact_top_k(q, k, -1, false);
    } catch (const InputError& e) {
        EXPECT_STREQ(e.what(), "--top-k must be at least 1, got -1");
    }
}

TEST(Recall, HandWorked) {
    // Query 0 finds 2 of its 4, query 1 finds 1 of its 2, query 2 has no truth and is skipped:
    // (2/4 + 1/2) / 2 = 0.5.
    EXPECT_DOUBLE_EQ(recall_at_k({{0, 1, 2, 3}, {5, 6}, {}}, {{9, 1, 0}, {6}, {4}}), 0.5);
    // Sets: repeats count once on both sides. Truth {0, 1}, found {0}: 1/2.
    EXPECT_DOUBLE_EQ(recall_at_k({{0, 1, 1}}, {{0, 0, 0}}), 0.5);
    EXPECT_DOUBLE_EQ(recall_at_k({{}, {}}, {{1}, {}}), 1.0);  // nothing to miss
    EXPECT_THROW(recall_at_k({{0}}, {{0}, {1}}), InputError);
}

TEST(Recall, TopKAgainstItselfIsOneAndAgainstItsComplementZero) {
    Rng rng(11);
    const Matrix<double> q = normal_matrix<double>(40, 8, rng), k = normal_matrix<double>(40, 8, rng);
    const auto truth = exact_top_k(q, k, 5, true);
    EXPECT_DOUBLE_EQ(recall_at_k(truth, truth), 1.0);
    Sets complement(truth.size());
    for (std::size_t i = 0; i < truth.size(); ++i)
        for (std::int32_t j = 0; j < 40; ++j)
            if (std::find(truth[i].begin(), truth[i].end(), j) == truth[i].end()) complement[i].push_back(j);
    EXPECT_DOUBLE_EQ(recall_at_k(truth, complement), 0.0);
    // From query 5 on, where the truth has 5 keys, keep only the best 3: recall 3/5 there.
    Sets partial = truth;
    for (std::size_t i = 5; i < partial.size(); ++i) partial[i].resize(3);
    const double expected = (5 * 1.0 + 35 * 0.6) / 40;
    EXPECT_NEAR(recall_at_k(truth, partial), expected, 1e-12);
}

TEST(AttentionMass, HandWorked) {
    // Row 0 keeps 0.5 + 0.2, row 1 keeps 0.8: mean 0.75. A repeated key counts once.
    const auto p = matrix<double>({{0.5, 0.3, 0.2}, {0.1, 0.1, 0.8}});
    EXPECT_DOUBLE_EQ(attention_mass(p, {{0, 2}, {2}}), 0.75);
    EXPECT_DOUBLE_EQ(attention_mass(p, {{0, 0}, {}}), 0.25);
    EXPECT_NEAR(attention_mass<float>(p.cast<float>(), {{0, 2}, {2}}), 0.75, 1e-7);
    EXPECT_THROW(attention_mass(p, {{0}}), InputError);
    EXPECT_THROW(attention_mass(p, {{3}, {0}}), InputError);
    EXPECT_THROW(attention_mass(p, {{0}, {-1}}), InputError);
}

TEST(AttentionMass, AllVisibleKeysCarryAllTheMass) {
    Rng rng(3);
    const Matrix<double> q = normal_matrix<double>(16, 8, rng), k = normal_matrix<double>(16, 8, rng),
                         v = normal_matrix<double>(16, 4, rng);
    const auto dense = dense_attention(q, k, v, {true});
    EXPECT_NEAR(attention_mass(dense.probabilities, exact_top_k(q, k, 16, true)), 1.0, 1e-12);
    // The top-1 key by q.k holds the largest probability of its row.
    double largest = 0;
    for (Eigen::Index i = 0; i < 16; ++i) largest += dense.probabilities.row(i).maxCoeff();
    EXPECT_NEAR(attention_mass(dense.probabilities, exact_top_k(q, k, 1, true)), largest / 16, 1e-12);
}

TEST(RelativeL2Error, HandWorked) {
    // exact (3, 4) has norm 5; approx (0, 4) is off by 3: 3 / 5.
    EXPECT_DOUBLE_EQ(relative_l2_error(matrix<double>({{0, 4}}), matrix<double>({{3, 4}})), 0.6);
    EXPECT_NEAR(relative_l2_error<float>(matrix<float>({{0, 4}}), matrix<float>({{3, 4}})), 0.6, 1e-7);
    // Two rows: exact norm sqrt(1 + 4 + 4 + 16) = 5, difference (1, 0; 0, 0): 1 / 5.
    EXPECT_DOUBLE_EQ(relative_l2_error(matrix<double>({{2, 2}, {2, 4}}), matrix<double>({{1, 2}, {2, 4}})), 0.2);
    const Matrix<double> zero = Matrix<double>::Zero(2, 2);
    EXPECT_EQ(relative_l2_error(zero, zero), 0.0);
    EXPECT_EQ(relative_l2_error(matrix<double>({{0, 1}, {0, 0}}), zero), std::numeric_limits<double>::infinity());
    EXPECT_THROW(relative_l2_error(matrix<double>({{1, 2}}), zero), InputError);
}

TEST(BucketLoad, HandWorked) {
    // Buckets 0,0,1,3,3,3 in 5: counts 2,1,0,3,0; max 3, mean 6/5, max/mean 2.5, two empty.
    const std::vector<std::int32_t> b{0, 0, 1, 3, 3, 3};
    const auto load = bucket_load(b, 5);
    EXPECT_EQ(load.counts, (std::vector<std::int64_t>{2, 1, 0, 3, 0}));
    EXPECT_EQ(load.max, 3);
    EXPECT_DOUBLE_EQ(load.mean, 1.2);
    EXPECT_DOUBLE_EQ(load.max_over_mean, 2.5);
    EXPECT_EQ(load.empty, 2);
    const auto none = bucket_load({}, 4);
    EXPECT_EQ(none.max, 0);
    EXPECT_EQ(none.empty, 4);
    EXPECT_EQ(none.max_over_mean, 0.0);
    const std::vector<std::int32_t> out_of_range{0, 5};
    EXPECT_THROW(bucket_load(out_of_range, 5), InputError);
    try {
        bucket_load(b, 0);
        ADD_FAILURE() << "n_buckets = 0 accepted";
    } catch (const InputError& e) {
        EXPECT_STREQ(e.what(), "--n-buckets must be at least 1, got 0");
    }
}

TEST(Collisions, HandWorked) {
    // Counts 2,1,0,3,0: 1 + 0 + 0 + 3 + 0 = 4 pairs; uniform expectation 6 * 5 / 2 / 5 = 3.
    const std::vector<std::int32_t> b{0, 0, 1, 3, 3, 3};
    const auto c = collisions(b, 5);
    EXPECT_EQ(c.pairs, 4);
    EXPECT_DOUBLE_EQ(c.expected_uniform, 3.0);
    const std::vector<std::int32_t> negative{-1};
    EXPECT_THROW(collisions(negative, 5), InputError);
}

TEST(Collisions, PairsMatchBruteForceAndTheExpectationMatchesSimulation) {
    // 64 items in 16 buckets: expected 64 * 63 / 2 / 16 = 126 pairs. The per-draw standard deviation
    // is about 11, so the mean of 4000 draws is within 0.2 of it; 2 % is a wide margin.
    Rng rng(2024);
    const int n = 64, n_buckets = 16, draws = 4000;
    double sum = 0;
    for (int t = 0; t < draws; ++t) {
        std::vector<std::int32_t> b(static_cast<std::size_t>(n));
        for (auto& x : b) x = std::int32_t(rng.below(n_buckets));
        std::int64_t pairs = 0;
        for (int i = 0; i < n; ++i)
            for (int j = i + 1; j < n; ++j) pairs += b[std::size_t(i)] == b[std::size_t(j)];
        const auto c = collisions(b, n_buckets);
        ASSERT_EQ(c.pairs, pairs);
        ASSERT_DOUBLE_EQ(c.expected_uniform, 126.0);
        sum += double(c.pairs);
    }
    EXPECT_NEAR(sum / draws, 126.0, 0.02 * 126.0);
}

// A trace built by hand: n = 4, one round, chunk 1, so each slot sees itself and the slot before
// it (slot 0 wraps to slot 3). Sorted order of positions: 2, 0, 3, 1.
ReformerTrace<double> hand_trace(bool causal) {
    ReformerTrace<double> t;
    t.n = 4;
    t.config = {1, 2, 1, causal};
    t.sorted_to_concat = {2, 0, 3, 1};
    t.concat_to_sorted = {1, 3, 0, 2};
    return t;
}

TEST(ReformerReachedKeys, HandWorkedTrace) {
    // Position 0 is slot 1 and sees slots 1, 0 = positions 0, 2; less itself: {2}.
    // Position 1 is slot 3: slots 3, 2 = positions 1, 3: {3}. Position 2 is slot 0: slots 0, 3 =
    // positions 2, 1: {1}. Position 3 is slot 2: slots 2, 1 = positions 3, 0: {0}.
    EXPECT_EQ(reformer_reached_keys(hand_trace(false)), (Sets{{2}, {3}, {1}, {0}}));
    // Causal drops later keys: 0 and 1 are left with nothing, so they reach only themselves.
    EXPECT_EQ(reformer_reached_keys(hand_trace(true)), (Sets{{0}, {1}, {1}, {0}}));
    auto standard = hand_trace(false);
    standard.standard_attention = true;
    EXPECT_EQ(reformer_reached_keys(standard), (Sets{{1, 2, 3}, {0, 2, 3}, {0, 1, 3}, {0, 1, 2}}));
    standard.config.causal = true;
    EXPECT_EQ(reformer_reached_keys(standard), (Sets{{0}, {0}, {0, 1}, {0, 1, 2}}));
}

// The keys that carry weight, read from the attention itself: with V the identity, output (i, j)
// is the combined weight query i gives key j. Visible keys have logits of order 1, so their weights
// here are above 1e-5; masked ones (-1e9, and -1e5 for the query itself) come out below 1e-300,
// subnormal rather than exactly 0 because Eigen's vectorised exp clamps its argument near -709.
template <class T>
Sets weighted_keys(const ReformerTrace<T>& t) {
    Sets keys(std::size_t(t.n));
    for (int i = 0; i < t.n; ++i)
        for (int j = 0; j < t.n; ++j)
            if (t.output(i, j) > T(1e-20)) keys[std::size_t(i)].push_back(j);
    return keys;
}

template <class T>
void expect_reached_keys_carry_the_weight(int n, ReformerConfig config, std::uint64_t seed) {
    Rng rng(seed);
    const Matrix<T> x = normal_matrix<T>(n, 8, rng);
    const Matrix<T> v = Matrix<T>::Identity(n, n);
    const auto t = reformer_attention(x, v, random_rotations<T>(8, config, seed), config);
    EXPECT_EQ(reformer_reached_keys(t), weighted_keys(t))
        << "n " << n << ", H " << config.n_hashes << ", chunk " << config.chunk << ", causal " << config.causal;
}

TEST(ReformerReachedKeys, AreTheKeysThatCarryAttentionWeight) {
    for (const bool causal : {false, true}) {
        expect_reached_keys_carry_the_weight<double>(48, {2, 8, 8, causal}, 1);   // chunked, 12 chunks
        expect_reached_keys_carry_the_weight<double>(30, {3, 4, 5, causal}, 2);   // chunks straddle rounds
        expect_reached_keys_carry_the_weight<double>(16, {1, 16, 2, causal}, 3);  // one round, tiny chunks
        expect_reached_keys_carry_the_weight<double>(12, {2, 4, 16, causal}, 4);  // standard attention
        expect_reached_keys_carry_the_weight<float>(48, {4, 8, 16, causal}, 5);
    }
}

TEST(Memory, DenseAndSimHashHandWorked) {
    // Dense, n = 100 by m = 200 in float: scores 80000 bytes, logsumexp 400.
    EXPECT_EQ(total_bytes(dense_memory(100, 200, 4)), 80400u);
    // SimHash of 10 rows of width 8 to 40 bits in double: planes 8 * 40 * 8 = 2560, projections
    // 10 * 40 * 8 = 3200, codes 10 rows * 2 words * 4 = 80.
    const auto simhash = simhash_memory(10, 8, 40, 8);
    ASSERT_EQ(simhash.size(), 3u);
    EXPECT_EQ(simhash[0].bytes + simhash[1].bytes + simhash[2].bytes, 5840u);
    EXPECT_EQ(total_bytes(simhash), 5840u);
    EXPECT_EQ(total_bytes(simhash_memory(10, 8, 32, 8)), 8u * 32 * 8 + 10 * 32 * 8 + 10 * 1 * 4);
    EXPECT_THROW(simhash_memory(10, 8, 0, 8), InputError);
}

TEST(Memory, ReformerHandWorked) {
    // Chunked: n 64, d 16, dv 8, H 2, 8 buckets, chunk 16, float; H n = 128 slots.
    //   rotations 16*2*4*4 = 512, projections 64*4*4 = 1024, buckets 128*4 = 512,
    //   sort starts (2*8+1)*4 = 68, permutation + inverse 2*128*4 = 1024, keys 64*16*4 = 4096,
    //   positions 128*4 = 512, chunk queries/keys/values (16*16 + 32*(16+8))*4 = 4096,
    //   chunk key positions 32*4 = 128, chunk logits 16*32*4 = 2048, chunk output 16*8*4 = 512,
    //   round outputs 128*8*4 = 4096, round logsumexps 128*4 = 512.  Total 19140.
    EXPECT_EQ(total_bytes(reformer_memory(64, 16, 8, {2, 8, 16, false}, 4)), 19140u);
    // Standard (n 16 <= chunk 32): d 4, dv 2, H 1, 2 buckets, double.
    //   rotations 4*1*1*8 = 32, projections 16*1*8 = 128, buckets 16*4 = 64, sort starts 3*4 = 12,
    //   permutation + inverse 2*16*4 = 128, keys 16*4*8 = 512, logits 16*16*8 = 2048,
    //   round output 16*2*8 = 256, logsumexp 16*8 = 128.  Total 3308.
    EXPECT_EQ(total_bytes(reformer_memory(16, 4, 2, {1, 2, 32, false}, 8)), 3308u);
    EXPECT_THROW(reformer_memory(16, 4, 2, {0, 2, 32, false}, 8), InputError);
    EXPECT_THROW(reformer_memory(16, 4, 2, {1, 3, 32, false}, 8), InputError);
    EXPECT_THROW(reformer_memory(16, 4, 2, {1, 2, 0, false}, 8), InputError);
}

TEST(Memory, ReformerGrowsLinearlyAndDenseQuadratically) {
    const ReformerConfig config{4, 32, 64, true};
    const auto reformer = [&](std::size_t n) { return double(total_bytes(reformer_memory(n, 64, 64, config, 4))); };
    const auto dense = [](std::size_t n) { return double(total_bytes(dense_memory(n, n, 4))); };
    // Exactly affine in n: doubling n again adds twice what the last doubling added.
    EXPECT_EQ(reformer(32768) - reformer(16384), 2 * (reformer(16384) - reformer(8192)));
    EXPECT_NEAR(dense(16384) / dense(8192), 4.0, 0.01);
    EXPECT_LT(reformer(16384), dense(16384) / 10);
}

TEST(Memory, ItemsHaveNames) {
    for (const auto& items : {dense_memory(8, 8, 4), simhash_memory(8, 8, 8, 4),
                              reformer_memory(64, 8, 8, {2, 4, 8, false}, 4), reformer_memory(8, 8, 8, {}, 4)})
        for (const auto& item : items) {
            EXPECT_FALSE(item.name.empty());
            EXPECT_GT(item.bytes, 0u) << item.name;
        }
}

TEST(TopK, ByWeightKeepsPositiveWeightsOnlyBestFirst) {
    // Row 0: weights 0.1 0.5 0.1 0.3 -> top 3 = 1, 3, 0 (0 and 2 tie at 0.1; the lower index wins).
    // Row 1: only key 2 has weight; masked keys (0) never count, so top 3 = {2}.
    Matrix<double> w(2, 4);
    w << 0.1, 0.5, 0.1, 0.3,
         0.0, 0.0, 1.0, 0.0;
    const auto top = top_k_by_weight(w, 3);
    EXPECT_EQ(top[0], (std::vector<std::int32_t>{1, 3, 0}));
    EXPECT_EQ(top[1], (std::vector<std::int32_t>{2}));
    EXPECT_THROW(top_k_by_weight(w, 0), InputError);
}

}  // namespace
}  // namespace hashscope
