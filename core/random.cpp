#include "core/random.hpp"

#include <cmath>
#include <numbers>

namespace hashscope {

double Rng::uniform() { return double(engine_() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t bound) {
    // Rejection sampling: draw until the value falls in the largest multiple of `bound`.
    const std::uint64_t limit = std::uint64_t(-1) - std::uint64_t(-1) % bound;
    std::uint64_t x;
    do x = engine_();
    while (x >= limit);
    return x % bound;
}

double Rng::normal() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_normal_;
    }
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_normal_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
}

}  // namespace hashscope
