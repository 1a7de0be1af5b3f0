#include "app/gui/heatmap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace hashscope::gui {

PooledMap::PooledMap(int n, int max_side) : n_(std::max(n, 0)) {
    max_side = std::max(max_side, 1);
    block_ = std::max(1, (n_ + max_side - 1) / max_side);
    side_ = (n_ + block_ - 1) / block_;
    cells_.assign(std::size_t(side_) * std::size_t(side_), 0.0f);
}

float PooledMap::max_value() const { return cells_.empty() ? 0.0f : *std::max_element(cells_.begin(), cells_.end()); }

std::vector<std::uint32_t> PooledMap::sqrt_colours(float scale) const {
    const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    std::vector<std::uint32_t> rgba(cells_.size());
    for (std::size_t i = 0; i < cells_.size(); ++i) rgba[i] = heat_colour(std::sqrt(cells_[i] * inv));
    return rgba;
}

std::vector<std::uint32_t> PooledMap::mask_colours(std::uint32_t on, std::uint32_t off) const {
    std::vector<std::uint32_t> rgba(cells_.size());
    for (std::size_t i = 0; i < cells_.size(); ++i) rgba[i] = cells_[i] > 0.0f ? on : off;
    return rgba;
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
