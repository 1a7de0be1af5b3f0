#include "core/angle_collisions.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "core/random.hpp"

namespace hashscope {

AngleCollisions angle_collisions(const Matrix<double>& x, const PackedCodes& codes, int bins, std::int64_t max_pairs,
                                 std::uint64_t seed) {
    if (codes.rows != x.rows())
        throw InputError("angle collisions: " + std::to_string(codes.rows) + " codes for " + std::to_string(x.rows()) +
                         " vectors");
    if (bins < 1) throw InputError("angle collisions: bins must be at least 1");
    AngleCollisions out;
    out.bits = codes.bits;
    const auto b = std::size_t(bins);
    std::vector<double> theta_sum(b, 0.0), agree_sum(b, 0.0), expected_sum(b, 0.0);
    out.count.assign(b, 0);
    const Eigen::Index n = x.rows();
    const Eigen::VectorXd norms = x.rowwise().norm();

    const auto measure = [&](Eigen::Index i, Eigen::Index j) {
        if (norms(i) == 0.0 || norms(j) == 0.0 || codes.bits == 0) return;
        const double cosine = std::clamp(x.row(i).dot(x.row(j)) / (norms(i) * norms(j)), -1.0, 1.0);
        const double theta = std::acos(cosine);
        const int distance = hamming_distance(codes.row(int(i)), codes.row(int(j)), codes.words_per_row);
        const auto bin = std::min(b - 1, std::size_t(theta / std::numbers::pi * double(bins)));
        theta_sum[bin] += theta;
        agree_sum[bin] += 1.0 - double(distance) / double(codes.bits);
        expected_sum[bin] += 1.0 - theta / std::numbers::pi;
        ++out.count[bin];
        ++out.pairs;
    };
    const std::int64_t all = std::int64_t(n) * std::int64_t(n - 1) / 2;
    if (all <= max_pairs) {
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = i + 1; j < n; ++j) measure(i, j);
    } else {
        Rng rng(seed);
        for (std::int64_t s = 0; s < max_pairs; ++s) {
            const auto i = Eigen::Index(rng.below(std::uint64_t(n)));
            auto j = Eigen::Index(rng.below(std::uint64_t(n - 1)));
            if (j >= i) ++j;
            measure(i, j);
        }
    }
    double gap = 0.0;
    for (std::size_t k = 0; k < b; ++k) {
        const double c = double(out.count[k]);
        out.theta.push_back(c > 0 ? theta_sum[k] / c : (double(k) + 0.5) * std::numbers::pi / double(bins));
        out.measured.push_back(c > 0 ? agree_sum[k] / c : 0.0);
        out.expected.push_back(c > 0 ? expected_sum[k] / c : 0.0);
        gap += c * std::abs(out.measured.back() - out.expected.back());
    }
    out.mean_gap = out.pairs > 0 ? gap / double(out.pairs) : 0.0;
    return out;
}

}  // namespace hashscope
