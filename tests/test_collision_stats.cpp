// Collision statistics: the balls-into-bins formulas against seeded simulations, loads against a
// hand-worked example, the chi-square tail against closed forms, and real digests against all three.
#include <gtest/gtest.h>

#include <cmath>

#include "core/collision_stats.hpp"
#include "core/crypto_buckets.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

// Mean over `trials` of (colliding pairs, max load, occupied) for n uniform balls in 2^bits bins.
struct Simulated {
    double pairs = 0, max_load = 0, occupied = 0;
};

Simulated simulate(std::int64_t n, int bits, int trials, std::uint64_t seed) {
    Rng rng(seed);
    Simulated s;
    for (int t = 0; t < trials; ++t) {
        std::vector<std::int64_t> buckets;
        for (std::int64_t i = 0; i < n; ++i) buckets.push_back(std::int64_t(rng.below(std::uint64_t(1) << bits)));
        const LoadStats l = load_stats(buckets, bits);
        s.pairs += l.colliding_pairs / trials;
        s.max_load += double(l.max_load) / trials;
        s.occupied += double(l.occupied) / trials;
    }
    return s;
}

}  // namespace

TEST(CollisionStats, HandWorkedLoads) {
    // Loads [2, 1, 0, 3] in 4 buckets: pairs 1 + 0 + 0 + 3 = 4; expected 6 * 5 / 8 = 3.75.
    const std::vector<std::int64_t> buckets{0, 0, 1, 3, 3, 3};
    const LoadStats s = load_stats(buckets, 2);
    EXPECT_EQ(s.occupied, 3);
    EXPECT_EQ(s.max_load, 3);
    EXPECT_EQ(s.colliding_pairs, 4);
    EXPECT_EQ(s.expected_pairs, 3.75);
    EXPECT_EQ(s.histogram, (std::vector<std::int64_t>{1, 1, 1, 1}));
    EXPECT_NEAR(s.expected_occupied, 4 * (1 - std::pow(0.75, 6)), 1e-12);
    EXPECT_NEAR(s.expected_histogram[1], 4 * 6 * 0.25 * std::pow(0.75, 5), 1e-12);
    EXPECT_THROW(load_stats(std::vector<std::int64_t>{4}, 2), InputError);
}

TEST(CollisionStats, FormulasAgreeWithSimulation) {
    struct Case {
        std::int64_t n;
        int bits;
    };
    for (const Case c : {Case{1000, 12}, Case{1000, 8}, Case{300, 16}, Case{2000, 4}}) {
        const Simulated sim = simulate(c.n, c.bits, 300, 42 + std::uint64_t(c.bits));
        const double pairs = expected_colliding_pairs(c.n, c.bits), max_load = expected_max_load(c.n, c.bits);
        const double m = std::ldexp(1.0, c.bits);
        EXPECT_NEAR(sim.pairs, pairs, 0.04 * pairs + 0.1) << c.n << " in 2^" << c.bits;
        EXPECT_NEAR(sim.max_load, max_load, 0.04 * max_load) << c.n << " in 2^" << c.bits;
        EXPECT_NEAR(sim.occupied, m * (1 - std::pow(1 - 1 / m, double(c.n))), 0.01 * sim.occupied);
    }
    EXPECT_EQ(expected_max_load(1, 20), 1.0);
}

TEST(CollisionStats, ChiSquareTailMatchesClosedForms) {
    for (double x : {0.5, 3.0, 20.0}) {
        EXPECT_NEAR(chi_square_sf(x, 1), std::erfc(std::sqrt(x / 2)), 1e-12) << x;
        EXPECT_NEAR(chi_square_sf(x, 2), std::exp(-x / 2), 1e-12) << x;
        EXPECT_NEAR(chi_square_sf(x, 3), std::erfc(std::sqrt(x / 2)) + std::sqrt(2 * x / M_PI) * std::exp(-x / 2), 1e-12);
    }
    EXPECT_NEAR(chi_square_sf(3.841458820694124, 1), 0.05, 1e-12);
    // Even dof 2k: e^(-x/2) * sum over i < k of (x/2)^i / i!, here dof 200 (continued-fraction branch).
    for (double x : {150.0, 230.0}) {
        double term = std::exp(-x / 2), sum = 0;
        for (int i = 0; i < 100; ++i) sum += term, term *= (x / 2) / (i + 1);
        EXPECT_NEAR(chi_square_sf(x, 200), sum, 1e-10) << x;
    }
    // Counts [10, 20, 30, 40]: statistic (225 + 25 + 25 + 225) / 25 = 20 on 3 degrees of freedom.
    std::vector<std::int64_t> buckets;
    for (int b = 0; b < 4; ++b)
        for (int i = 0; i < 10 * (b + 1); ++i) buckets.push_back(b);
    const ChiSquare c = chi_square_uniformity(buckets, 2);
    EXPECT_EQ(c.bits_used, 2);
    EXPECT_DOUBLE_EQ(c.statistic, 20);
    EXPECT_NEAR(c.p_value, chi_square_sf(20, 3), 1e-15);
}

// Real digests look like chance: uniform (chi-square p not tiny), collisions near the expectation,
// and one flipped input bit flips about half of the output bits.
TEST(CollisionStats, DigestsBehaveLikeRandomBuckets) {
    Rng rng(3);
    const Matrix<float> x = normal_matrix<float>(4000, 16, rng);
    for (DigestAlgo algo : all_digest_algos()) {
        CryptoBucketConfig<float> c;
        c.algo = algo;
        c.bits = 10;
        const auto buckets = crypto_buckets(x, c).buckets;
        const ChiSquare chi = chi_square_uniformity(buckets, 10);
        EXPECT_EQ(chi.bits_used, 9);  // 4000 / 5 = 800 -> 2^9 cells
        EXPECT_GT(chi.p_value, 1e-3) << digest_name(algo);
        const LoadStats l = load_stats(buckets, 10);
        EXPECT_NEAR(l.colliding_pairs, l.expected_pairs, 0.05 * l.expected_pairs) << digest_name(algo);
        const Avalanche a = avalanche(algo, x.topRows(8), 16);
        EXPECT_EQ(a.trials, 8 * 16 * 32);
        EXPECT_NEAR(a.mean_flipped_fraction, 0.5, 0.01) << digest_name(algo);
        for (double f : a.per_output_bit) EXPECT_NEAR(f, 0.5, 0.1) << digest_name(algo);
        EXPECT_GT(a.bucket_change_rate, 0.99);
    }
}
