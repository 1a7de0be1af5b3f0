// Random hyperplanes, measured: for pairs of vectors, the fraction of SimHash bits on which the two
// agree against the angle θ between them. One random hyperplane separates two vectors with
// probability θ/π (Charikar 2002), so a bit agrees with probability 1 − θ/π; binned by angle, the
// measured agreement sits on that line, closer the more bits there are. The Hyperplanes view plots
// it and lesson 2 checks it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"
#include "core/packed_codes.hpp"

namespace hashscope {

struct AngleCollisions {
    int bits = 0;
    std::int64_t pairs = 0;              // pairs measured (every pair, or a seeded sample of them)
    std::vector<double> theta;           // per bin: mean angle of its pairs (radians); bins split [0, π] evenly
    std::vector<double> measured;        // per bin: mean fraction of agreeing bits
    std::vector<double> expected;        // per bin: mean of 1 − θ/π over the same pairs
    std::vector<std::int64_t> count;     // per bin: pairs in it
    double mean_gap = 0;                 // pair-weighted mean |measured − expected| over the bins
};

// `codes` are the SimHash codes of the rows of `x` (same row order). Every pair i < j is measured
// when there are at most `max_pairs`; else `max_pairs` distinct-index pairs drawn with Rng(seed).
// Pairs with a zero vector are skipped. InputError when the shapes disagree or bins < 1.
AngleCollisions angle_collisions(const Matrix<double>& x, const PackedCodes& codes, int bins, std::int64_t max_pairs,
                                 std::uint64_t seed);

}  // namespace hashscope
