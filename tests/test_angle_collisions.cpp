// Bit agreement against angle: a hand-worked example and, with many random hyperplanes, the
// measured agreement on the line 1 - θ/π (Charikar's collision probability).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/angle_collisions.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "core/simhash.hpp"

namespace hashscope {
namespace {

PackedCodes codes_of(const std::vector<std::uint32_t>& rows, int bits) {
    PackedCodes c;
    c.rows = int(rows.size());
    c.bits = bits;
    c.words_per_row = 1;
    c.words = rows;
    return c;
}

TEST(AngleCollisions, HandWorkedThreeVectors) {
    Matrix<double> x(3, 2);
    x << 1, 0, 0, 1, 1, 1;
    // 4-bit codes: 0 and 1 differ in 2 bits, 0 and 2 in 1 bit, 1 and 2 in 1 bit.
    const PackedCodes codes = codes_of({0b0000u, 0b0011u, 0b0001u}, 4);
    const AngleCollisions a = angle_collisions(x, codes, 2, 100, 1);
    EXPECT_EQ(a.pairs, 3);
    ASSERT_EQ(a.count.size(), 2u);
    EXPECT_EQ(a.count[0], 2);  // the two pairs at π/4
    EXPECT_EQ(a.count[1], 1);  // the pair at π/2 falls in [π/2, π]
    EXPECT_NEAR(a.theta[0], std::numbers::pi / 4, 1e-12);
    EXPECT_NEAR(a.measured[0], 0.75, 1e-12);
    EXPECT_NEAR(a.expected[0], 0.75, 1e-12);
    EXPECT_NEAR(a.measured[1], 0.5, 1e-12);
    EXPECT_NEAR(a.expected[1], 0.5, 1e-12);
    EXPECT_NEAR(a.mean_gap, 0.0, 1e-12);
    // Token 1's code 1111: pair (0, 1) agrees on 0 bits (gap 0.5 in bin 1); in bin 0 pair (1, 2) agrees
    // on 1 bit and (0, 2) on 3, mean 0.5 against 0.75 (gap 0.25 for each of its 2 pairs): (0.5 + 0.5) / 3.
    const PackedCodes off = codes_of({0b0000u, 0b1111u, 0b0001u}, 4);
    EXPECT_NEAR(angle_collisions(x, off, 2, 100, 1).mean_gap, 1.0 / 3.0, 1e-12);
    EXPECT_THROW(angle_collisions(x, codes_of({0, 0}, 4), 2, 100, 1), InputError);
}

TEST(AngleCollisions, ManyPlanesAgreeWithOneMinusThetaOverPi) {
    Rng rng(5);
    const Matrix<double> x = normal_matrix<double>(48, 8, rng);
    const PackedCodes few = simhash_codes(x, random_planes<double>(8, 8, 3));
    const PackedCodes many = simhash_codes(x, random_planes<double>(8, 4096, 3));
    const AngleCollisions a = angle_collisions(x, many, 9, 1 << 20, 1);
    EXPECT_EQ(a.pairs, 48 * 47 / 2);
    EXPECT_LT(a.mean_gap, 0.02);
    EXPECT_GT(angle_collisions(x, few, 9, 1 << 20, 1).mean_gap, a.mean_gap);
    // Sampled pairs: the requested number, all measured.
    EXPECT_EQ(angle_collisions(x, many, 9, 500, 2).pairs, 500);
}

}  // namespace
}  // namespace hashscope
