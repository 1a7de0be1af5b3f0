#include "app/gui/heatmap.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace hashscope::gui {

std::vector<float> max_pool(const std::vector<float>& values, int n, int block) {
    if (block <= 1 || n <= 0) return values;
    const int m = (n + block - 1) / block;
    std::vector<float> out(std::size_t(m) * std::size_t(m), 0.0f);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            float& cell = out[std::size_t(i / block) * std::size_t(m) + std::size_t(j / block)];
            cell = std::max(cell, values[std::size_t(i) * std::size_t(n) + std::size_t(j)]);
        }
    return out;
}

std::uint32_t heat_colour(float t) {
    t = std::clamp(t, 0.0f, 1.0f);
    static constexpr std::array<std::array<float, 3>, 5> stops = {{
        {10, 10, 22}, {70, 20, 110}, {190, 50, 90}, {250, 150, 40}, {255, 250, 200}}};
    const float x = t * float(stops.size() - 1);
    const std::size_t a = std::min(std::size_t(x), stops.size() - 2);
    const float f = x - float(a);
    std::uint32_t rgb[3];
    for (std::size_t c = 0; c < 3; ++c)
        rgb[c] = std::uint32_t(stops[a][c] + (stops[a + 1][c] - stops[a][c]) * f + 0.5f);
    return (0xFFu << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0];
}

}  // namespace hashscope::gui
