#include "app/gui/hyperplane_sectors.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hashscope::gui {

std::vector<int> sector_buckets(const Matrix<double>& directions, int samples) {
    const int half = int(directions.cols());
    std::vector<int> buckets(std::size_t(std::max(samples, 0)), 0);
    for (int s = 0; s < samples; ++s) {
        const double a = 2.0 * std::numbers::pi * double(s) / double(samples);
        const double c = std::cos(a), sn = std::sin(a);
        int best = 0;
        double best_score = -1e300;
        for (int j = 0; j < 2 * half; ++j) {
            const int col = j % half;
            const double score = (j < half ? 1.0 : -1.0) * (c * directions(0, col) + sn * directions(1, col));
            if (score > best_score) {
                best_score = score;
                best = j;
            }
        }
        buckets[std::size_t(s)] = best;
    }
    return buckets;
}

Matrix<double> blend_directions(const Matrix<double>& a, const Matrix<double>& b, double t) {
    return (1.0 - t) * a + t * b;
}

}  // namespace hashscope::gui
