#include "app/gui/palette.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace hashscope::gui {

namespace {

std::uint32_t pack(double r, double g, double b) {
    const auto c = [](double v) { return std::uint32_t(std::clamp(v, 0.0, 255.0) + 0.5); };
    return 0xFF000000u | (c(b) << 16) | (c(g) << 8) | c(r);
}

// HSV -> RGB with h in [0, 1).
std::uint32_t hsv(double h, double s, double v) {
    const double i = std::floor(h * 6.0), f = h * 6.0 - i;
    const double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
    double r = 0, g = 0, b = 0;
    switch (int(i) % 6) {
        case 0: r = v, g = t, b = p; break;
        case 1: r = q, g = v, b = p; break;
        case 2: r = p, g = v, b = t; break;
        case 3: r = p, g = q, b = v; break;
        case 4: r = t, g = p, b = v; break;
        default: r = v, g = p, b = q; break;
    }
    return pack(r * 255.0, g * 255.0, b * 255.0);
}

}  // namespace

std::uint32_t bucket_colour(int bucket, int n_buckets) {
    static constexpr std::array<std::array<double, 3>, 8> kOkabeIto = {{{230, 159, 0},
                                                                       {86, 180, 233},
                                                                       {0, 158, 115},
                                                                       {240, 228, 66},
                                                                       {0, 114, 178},
                                                                       {213, 94, 0},
                                                                       {204, 121, 167},
                                                                       {160, 160, 160}}};
    if (n_buckets <= 16) {
        const auto& c = kOkabeIto[std::size_t(bucket % 8)];
        const double mix = bucket >= 8 ? 0.5 : 0.0;
        return pack(c[0] + (255 - c[0]) * mix, c[1] + (255 - c[1]) * mix, c[2] + (255 - c[2]) * mix);
    }
    static constexpr double kValue[] = {0.95, 0.65, 0.80};
    return hsv(double(bucket) / double(n_buckets), 0.75, kValue[bucket % 3]);
}

std::uint32_t label_colour(int label) {
    static constexpr double kGrey[] = {20, 115, 190, 255};
    const double g = kGrey[(label % 4 + 4) % 4];
    return pack(g, g, g);
}

}  // namespace hashscope::gui
