// How truncated digests behave as buckets, measured beside what chance predicts: n keys thrown into
// m = 2^b buckets are balls into bins, so a good digest should show exactly the random-allocation
// figures (colliding pairs n(n-1)/2^(b+1), the Poisson-approximated maximum load), flip about half of
// its output bits when one input bit flips (avalanche), and pass a chi-square uniformity test.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/digest.hpp"
#include "core/matrix.hpp"

namespace hashscope {

struct LoadStats {
    std::int64_t n = 0;
    double buckets = 0;                  // m = 2^bits
    std::int64_t occupied = 0;
    std::int64_t max_load = 0;
    double colliding_pairs = 0;          // sum over buckets of load * (load - 1) / 2
    double expected_pairs = 0;           // n (n - 1) / 2^(bits + 1)
    double expected_occupied = 0;        // m (1 - (1 - 1/m)^n)
    double expected_max_load = 0;        // Poisson approximation, see expected_max_load()
    std::vector<std::int64_t> histogram;  // [max_load + 1]: buckets holding exactly L keys
    std::vector<double> expected_histogram;  // m * Binomial(n, 1/m) probability of L, same length
};

// Buckets are in [0, 2^bits), bits 1..32.
LoadStats load_stats(std::span<const std::int64_t> buckets, int bits);

double expected_colliding_pairs(std::int64_t n, int bits);
// E[max load] of n balls in 2^bits bins: max >= ceil(n / m); P(max <= 1) is the exact birthday product;
// above that the loads are taken as independent Poisson(n / m):
// P(max <= L) = P(Poisson <= L)^m, E[max] = sum over L >= 0 of 1 - P(max <= L).
double expected_max_load(std::int64_t n, int bits);

struct Avalanche {
    std::int64_t trials = 0;             // (row, flipped input bit) pairs
    double mean_flipped_fraction = 0;    // of all digest bits; 0.5 is ideal
    std::vector<double> per_output_bit;  // [64]: how often each of the digest's first 64 bits flipped
    double bucket_change_rate = 0;       // how often the first `bits` bits changed; ideal 1 - 2^-bits
};

// Flips every bit of every row's float32 message in turn and compares digests.
Avalanche avalanche(DigestAlgo algo, const Matrix<float>& x, int bits);

struct ChiSquare {
    int bits_used = 0;     // leading bits of the bucket tested, so that every cell expects >= 5 keys
    std::int64_t cells = 0;
    double statistic = 0;
    double dof = 0;
    double p_value = 0;    // P(chi-square >= statistic) under uniformity
};

// Uniformity of the leading min(bits, floor(log2(n / 5))) bits; needs n >= 10.
ChiSquare chi_square_uniformity(std::span<const std::int64_t> buckets, int bits);

// Upper tail of the chi-square distribution: the regularised incomplete gamma Q(dof / 2, x / 2).
double chi_square_sf(double x, double dof);

}  // namespace hashscope
