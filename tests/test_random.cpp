// hashscope::Rng: the one source of test data and random planes/rotations, so its output must be the
// same on every platform. Golden values below were computed with a separate from-scratch Python
// implementation of MT19937-64 (Matsumoto & Nishimura's reference algorithm), which reproduces the
// C++ standard's required 10000th value; uniform() and normal() were evaluated there with the
// formulas documented in core/random.hpp.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/random.hpp"

namespace {

using hashscope::Rng;

TEST(Random, SameSeedSameSequence) {
    Rng a(123), b(123);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64()) << "draw " << i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.normal(), b.normal()) << "normal " << i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.below(17), b.below(17)) << "below " << i;
}

TEST(Random, DifferentSeedsDiffer) {
    Rng a(1), b(2);
    int equal = 0;
    for (int i = 0; i < 100; ++i) equal += a.next_u64() == b.next_u64();
    EXPECT_EQ(equal, 0);
}

TEST(Random, GoldenFirstValuesDefaultSeed) {
    Rng rng(5489);  // std::mt19937_64::default_seed
    const std::array<std::uint64_t, 4> expected{14514284786278117030ull, 4620546740167642908ull,
                                                13109570281517897720ull, 17462938647148434322ull};
    for (auto e : expected) EXPECT_EQ(rng.next_u64(), e);
}

TEST(Random, StandardTenThousandthValue) {
    // [rand.predef]: the 10000th consecutive invocation of a default-constructed mt19937_64
    // produces 9981545732273789042.
    Rng rng(5489);
    std::uint64_t x = 0;
    for (int i = 0; i < 10000; ++i) x = rng.next_u64();
    EXPECT_EQ(x, 9981545732273789042ull);
}

TEST(Random, GoldenOtherSeed) {
    Rng rng(42);
    EXPECT_EQ(rng.next_u64(), 13930160852258120406ull);
    EXPECT_EQ(rng.next_u64(), 11788048577503494824ull);
    EXPECT_EQ(rng.next_u64(), 13874630024467741450ull);
}

TEST(Random, GoldenUniform) {
    // (u64 >> 11) * 2^-53 is exact in double, so these compare with ==.
    Rng rng(7);
    EXPECT_EQ(rng.uniform(), 0.754385304152858);
    EXPECT_EQ(rng.uniform(), 0.9493012028926442);
    EXPECT_EQ(rng.uniform(), 0.11741428103451801);
}

TEST(Random, UniformInHalfOpenUnitInterval) {
    Rng rng(99);
    double lo = 1.0, hi = 0.0, sum = 0.0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
    }
    EXPECT_LT(lo, 1e-3);
    EXPECT_GT(hi, 1.0 - 1e-3);
    // Mean of U(0,1) has standard error sqrt(1/12/n) ~ 0.0009; 0.005 is over 5 sigma.
    EXPECT_NEAR(sum / n, 0.5, 0.005);
}

TEST(Random, GoldenNormal) {
    // Box-Muller pairs (cos value first, then the kept sin value). The last digits depend on libm's
    // log/sin/cos, which may differ by an ulp between platforms, so compare to 1e-13: any change in
    // the algorithm (order, pairing, the uniform conversion) moves these by far more.
    Rng rng(2024);
    const std::array<double, 6> expected{0.3819019681583157, -1.3233225100704378, -0.3970387452746018,
                                         0.6781730834342744, 0.07094661391464958, 0.08598667155112441};
    for (double e : expected) EXPECT_NEAR(rng.normal(), e, 1e-13);
}

TEST(Random, NormalMeanAndVariance) {
    Rng rng(31337);
    const int n = 100000;
    double sum = 0.0, sum_sq = 0.0;
    int beyond_4sigma = 0;
    for (int i = 0; i < n; ++i) {
        const double z = rng.normal();
        ASSERT_TRUE(std::isfinite(z));
        sum += z, sum_sq += z * z;
        beyond_4sigma += std::abs(z) > 4.0;
    }
    const double mean = sum / n, var = sum_sq / n - mean * mean;
    // Standard errors: mean 1/sqrt(n) = 0.0032, variance sqrt(2/n) = 0.0045; tolerances are ~5 sigma.
    EXPECT_NEAR(mean, 0.0, 0.016);
    EXPECT_NEAR(var, 1.0, 0.025);
    // P(|Z| > 4) = 6.3e-5, about 6 expected; far more would mean a broken tail.
    EXPECT_LT(beyond_4sigma, 30);
}

TEST(Random, BelowStaysInBounds) {
    Rng rng(5);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(rng.below(1), 0u);
    for (std::uint64_t bound : {2ull, 3ull, 7ull, 1000ull, (1ull << 63) + 1, ~0ull}) {
        for (int i = 0; i < 2000; ++i) ASSERT_LT(rng.below(bound), bound) << "bound " << bound;
    }
}

TEST(Random, BelowCoversEveryValueUniformly) {
    Rng rng(6);
    const int bound = 6, n = 60000;
    std::vector<int> count(bound, 0);
    for (int i = 0; i < n; ++i) ++count[std::size_t(rng.below(bound))];
    // Each count is Binomial(n, 1/6): mean 10000, sd ~91; 500 is over 5 sigma.
    for (int c : count) EXPECT_NEAR(c, n / bound, 500);
}

TEST(Random, GoldenBelow) {
    // Rejection sampling (accept x < (2^64-1) - (2^64-1) % 10), then x % 10; values from the Python model.
    Rng rng(99);
    const std::array<std::uint64_t, 8> expected{1, 9, 5, 0, 9, 2, 3, 0};
    for (auto e : expected) EXPECT_EQ(rng.below(10), e);
}

TEST(Random, NormalMatrixFillsRowByRow) {
    Rng a(11), b(11);
    const auto m = hashscope::normal_matrix<double>(3, 4, a);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) EXPECT_EQ(m(i, j), b.normal()) << i << "," << j;
}

}  // namespace
