// SimHash codes against the float64 oracle, the packed bit layout, a hand-worked example, Hamming
// distance, and the defining statistical property P(bit agrees) = 1 - theta / pi.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/simhash.hpp"
#include "reference/compare.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;
using ref::to_ref;

// Worked on paper, d = 2, three planes (columns): (1, 0), (0, 1), (1, -1).
//   x = ( 2, -1): projections  2, -1,  3  -> bits 1 0 1 -> word 0b101 = 5
//   x = (-1, -1): projections -1, -1,  0  -> bits 0 0 1 -> word 0b100 = 4  (0 counts as >= 0)
//   x = ( 0,  0): projections  0,  0,  0  -> bits 1 1 1 -> word 0b111 = 7
//   x = (-3,  1): projections -3,  1, -4  -> bits 0 1 0 -> word 0b010 = 2
//   Hamming(5, 4) = 1, Hamming(7, 2) = 2, Hamming(5, 2) = 3.
TEST(SimHash, HandWorkedTwoD) {
    Matrix<double> planes(2, 3), x(4, 2);
    planes << 1, 0, 1, 0, 1, -1;
    x << 2, -1, -1, -1, 0, 0, -3, 1;
    const auto c = simhash_codes(x, planes);
    EXPECT_EQ(c.rows, 4);
    EXPECT_EQ(c.bits, 3);
    EXPECT_EQ(c.words_per_row, 1);
    ASSERT_EQ(c.words.size(), 4u);
    EXPECT_EQ(c.words, (std::vector<std::uint32_t>{5, 4, 7, 2}));
    EXPECT_EQ(c.unpacked(), (std::vector<std::uint8_t>{1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0}));
    EXPECT_EQ(hamming_distance(c.row(0), c.row(1), 1), 1);
    EXPECT_EQ(hamming_distance(c.row(2), c.row(3), 1), 2);
    EXPECT_EQ(hamming_distance(c.row(0), c.row(3), 1), 3);
    EXPECT_EQ(hamming_distance(c.row(0), c.row(0), 1), 0);
}

template <class T>
void check_against_reference(int n, int d, int bits, std::uint64_t seed) {
    SCOPED_TRACE("n=" + std::to_string(n) + " d=" + std::to_string(d) + " bits=" + std::to_string(bits));
    Rng rng(seed);
    const Matrix<T> x = normal_matrix<double>(n, d, rng).cast<T>();
    const Matrix<T> planes = random_planes<T>(d, bits, seed + 1);
    const auto c = simhash_codes(x, planes);
    const auto want = ref::simhash(to_ref(x), to_ref(planes));
    ASSERT_EQ(c.rows, n);
    ASSERT_EQ(c.bits, bits);
    int compared = 0;
    for (int i = 0; i < n; ++i)
        for (int b = 0; b < bits; ++b) {
            // In float a projection within rounding of 0 may land on either side; skip those.
            if (std::is_same_v<T, float> && std::abs(want.projection[std::size_t(i)][std::size_t(b)]) < 1e-5) continue;
            ++compared;
            ASSERT_EQ(int(c.bit(i, b)), want.bits[std::size_t(i)][std::size_t(b)]) << "row " << i << " bit " << b;
        }
    EXPECT_GT(compared, n * bits * 9 / 10);
}

TEST(SimHash, MatchesReferenceDouble) {
    check_against_reference<double>(50, 8, 64, 1);
    check_against_reference<double>(17, 3, 33, 2);
    check_against_reference<double>(5, 64, 1, 3);
    check_against_reference<double>(40, 16, 100, 4);
}

TEST(SimHash, MatchesReferenceFloat) {
    check_against_reference<float>(50, 8, 64, 5);
    check_against_reference<float>(17, 3, 33, 6);
    check_against_reference<float>(5, 64, 1, 7);
    check_against_reference<float>(40, 16, 100, 8);
}

TEST(SimHash, ExactZeroProjectionSetsBit) {
    Matrix<float> planes(2, 1), x(2, 2);
    planes << 1, 1;
    x << 1, -1, -1, 1;  // both project to exactly 0
    const auto c = simhash_codes(x, planes);
    EXPECT_TRUE(c.bit(0, 0));
    EXPECT_TRUE(c.bit(1, 0));
}

// Bit i lives in word i / 32 at position i % 32; bits beyond `bits` in the last word are 0.
TEST(SimHash, BitPackingLayout) {
    for (int bits : {1, 31, 32, 33, 64, 65}) {
        SCOPED_TRACE("bits=" + std::to_string(bits));
        // One row per bit pattern: all ones (x projects positively on every plane), alternating, single.
        const int d = bits;
        Matrix<double> planes = Matrix<double>::Identity(d, bits);
        Matrix<double> x(3, d);
        for (int b = 0; b < d; ++b) {
            x(0, b) = 1.0;                      // all bits set
            x(1, b) = b % 3 == 0 ? 1.0 : -1.0;  // every third bit set
            x(2, b) = b == bits - 1 ? 1.0 : -1.0;  // only the last bit set
        }
        const auto c = simhash_codes(x, planes);
        const int words = (bits + 31) / 32;
        ASSERT_EQ(c.words_per_row, words);
        ASSERT_EQ(c.words.size(), std::size_t(3 * words));
        for (int r = 0; r < 3; ++r) {
            std::vector<std::uint32_t> expected(std::size_t(words), 0u);
            for (int b = 0; b < bits; ++b)
                if (x(r, b) > 0) expected[std::size_t(b / 32)] |= std::uint32_t(1) << (b % 32);
            for (int w = 0; w < words; ++w) EXPECT_EQ(c.row(r)[w], expected[std::size_t(w)]) << "row " << r << " word " << w;
            for (int b = 0; b < bits; ++b) EXPECT_EQ(c.bit(r, b), x(r, b) > 0) << "row " << r << " bit " << b;
        }
        // All-ones row: popcount equals bits, so no stray high bits are set.
        int ones = 0;
        for (int w = 0; w < words; ++w) ones += std::popcount(c.row(0)[w]);
        EXPECT_EQ(ones, bits);
        if (bits % 32 != 0) {
            EXPECT_EQ(c.row(0)[words - 1] >> (bits % 32), 0u);
        }
        // Unpacked is row-major [rows][bits].
        const auto u = c.unpacked();
        ASSERT_EQ(u.size(), std::size_t(3 * bits));
        for (int r = 0; r < 3; ++r)
            for (int b = 0; b < bits; ++b) EXPECT_EQ(u[std::size_t(r * bits + b)], x(r, b) > 0 ? 1 : 0);
    }
}

TEST(SimHash, HammingMatchesBitByBitCount) {
    Rng rng(77);
    for (int bits : {1, 31, 32, 33, 64, 100}) {
        const Matrix<double> x = normal_matrix<double>(12, 6, rng);
        const auto c = simhash_codes(x, random_planes<double>(6, bits, 1000 + std::uint64_t(bits)));
        for (int i = 0; i < c.rows; ++i)
            for (int j = 0; j < c.rows; ++j) {
                int count = 0;
                for (int b = 0; b < bits; ++b) count += c.bit(i, b) != c.bit(j, b);
                EXPECT_EQ(hamming_distance(c.row(i), c.row(j), c.words_per_row), count) << bits << " " << i << " " << j;
            }
    }
    // Raw words, including high bits.
    const std::uint32_t a[2] = {0xFFFFFFFFu, 0x80000001u}, b[2] = {0u, 0x00000001u};
    EXPECT_EQ(hamming_distance(a, b, 2), 33);
    EXPECT_EQ(hamming_distance(a, b, 1), 32);
}

// Charikar: for a random Gaussian plane, P(sign(x.p) == sign(y.p)) = 1 - theta / pi.
// 20000 planes per angle: the agreement fraction has standard deviation at most
// sqrt(0.25 / 20000) = 0.0035, so a tolerance of 0.02 is over 5 sigma (the seed is fixed, so the
// result is deterministic anyway; the tolerance only has to be honest for this seed and sane ones).
TEST(SimHash, CollisionRateMatchesAngle) {
    const int d = 5, planes_count = 20000;
    const auto planes = random_planes<double>(d, planes_count, 4242);
    for (double theta : {0.1, std::numbers::pi / 4, std::numbers::pi / 2, 2.0, 3.0}) {
        // Two unit vectors at angle theta in the plane of a random-ish basis pair (e0+e2, e1-e3).
        Matrix<double> x = Matrix<double>::Zero(2, d);
        const double s = 1.0 / std::sqrt(2.0);
        x(0, 0) = s, x(0, 2) = s;
        x(1, 0) = s * std::cos(theta), x(1, 2) = s * std::cos(theta);
        x(1, 1) = s * std::sin(theta), x(1, 3) = -s * std::sin(theta);
        const auto c = simhash_codes(x, planes);
        const double agree = 1.0 - double(hamming_distance(c.row(0), c.row(1), c.words_per_row)) / planes_count;
        EXPECT_NEAR(agree, 1.0 - theta / std::numbers::pi, 0.02) << "theta " << theta;
    }
}

TEST(SimHash, RandomPlanesSeeded) {
    const auto a = random_planes<double>(4, 10, 9), b = random_planes<double>(4, 10, 9), c = random_planes<double>(4, 10, 10);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(a.rows(), 4);
    EXPECT_EQ(a.cols(), 10);
    // Row by row from Rng(seed).normal(): the documented layout that a --planes file reproduces.
    Rng rng(9);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 10; ++j) EXPECT_EQ(a(i, j), rng.normal());
    EXPECT_EQ(random_planes<float>(4, 10, 9), a.cast<float>());
}

TEST(SimHash, BadInputs) {
    const Matrix<double> x = Matrix<double>::Ones(3, 4);
    try {
        simhash_codes(x, Matrix<double>(Matrix<double>::Ones(5, 8)));
        FAIL() << "d mismatch accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("planes"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("d = 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW(simhash_codes(x, Matrix<double>(4, 0)), InputError);
}

}  // namespace
