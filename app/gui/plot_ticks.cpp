#include "app/gui/plot_ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hashscope::gui::plot {

std::vector<double> linear_ticks(double lo, double hi, int max_ticks) {
    std::vector<double> ticks;
    if (!(hi > lo) || max_ticks < 1 || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
    // The smallest step {1, 2, 5} x 10^e that gives at most max_ticks + 1 ticks.
    const double magnitude = std::pow(10.0, std::floor(std::log10((hi - lo) / double(max_ticks))) - 1.0);
    long long first = 0, last = 0;
    double step = magnitude;
    for (int e = 0; e < 4; ++e)
        for (const double m : {1.0, 2.0, 5.0}) {
            step = magnitude * m * std::pow(10.0, e);
            // Integer multiples of the step, so 0.1 + 0.2 never prints as 0.30000000000000004.
            first = static_cast<long long>(std::ceil(lo / step - 1e-9));
            last = static_cast<long long>(std::floor(hi / step + 1e-9));
            if (last - first + 1 <= max_ticks + 1) {
                for (long long k = first; k <= last; ++k) ticks.push_back(double(k) * step);
                return ticks;
            }
        }
    for (long long k = first; k <= last; ++k) ticks.push_back(double(k) * step);
    return ticks;
}

std::vector<double> log_ticks(double lo, double hi, int max_ticks, double base) {
    std::vector<double> ticks;
    if (!(lo > 0.0) || !(hi > lo) || max_ticks < 1 || !(base > 1.0)) return ticks;
    const double lb = std::log(base);
    const int e0 = int(std::ceil(std::log(lo) / lb - 1e-9));
    const int e1 = int(std::floor(std::log(hi) / lb + 1e-9));
    const int count = e1 - e0 + 1;
    const int stride = std::max(1, (count + max_ticks - 1) / max_ticks);
    for (int e = e0; e <= e1; e += stride) ticks.push_back(std::pow(base, e));
    return ticks;
}

std::string format_number(double value) {
    char text[32];
    const double a = std::abs(value);
    if (a >= 1e9)
        std::snprintf(text, sizeof text, "%gG", value / 1e9);
    else if (a >= 1e6)
        std::snprintf(text, sizeof text, "%gM", value / 1e6);
    else if (a >= 1e4)
        std::snprintf(text, sizeof text, "%gk", value / 1e3);
    else
        std::snprintf(text, sizeof text, "%.4g", a < 1e-12 ? 0.0 : value);
    return text;
}

std::string format_bytes(double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int unit = 0;
    while (std::abs(bytes) >= 1024.0 && unit < 5) {
        bytes /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3g %s", bytes, kUnits[unit]);
    return text;
}

std::string format_count(double count) {
    char text[32];
    if (count >= 1048576.0)
        std::snprintf(text, sizeof text, "%gM", count / 1048576.0);
    else if (count >= 1024.0)
        std::snprintf(text, sizeof text, "%gK", count / 1024.0);
    else
        std::snprintf(text, sizeof text, "%g", count);
    return text;
}

double axis_fraction(double value, double lo, double hi, Scale scale) {
    if (scale == Scale::log10) {
        if (!(lo > 0.0) || !(hi > lo)) return 0.0;
        return (std::log10(std::max(value, lo * 1e-3)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    }
    return hi > lo ? (value - lo) / (hi - lo) : 0.0;
}

}  // namespace hashscope::gui::plot
