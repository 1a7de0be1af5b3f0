#include "app/gui/token_grid.hpp"

#include <algorithm>

#include "app/gui/palette.hpp"

namespace hashscope::gui {

TokenGrid token_grid(const std::vector<std::vector<std::int32_t>>& buckets, int n_buckets,
                     const std::vector<int>& labels) {
    TokenGrid grid;
    const int n = buckets.empty() ? 0 : int(buckets.front().size());
    if (n == 0) return grid;
    constexpr int t = TokenGrid::kTexels;
    grid.cols = std::min(n, n > 1024 ? 64 : 32);
    grid.rows = (n + grid.cols - 1) / grid.cols;
    const std::size_t w = std::size_t(grid.width());
    constexpr std::uint32_t kGap = 0xFF0F0F0Fu;
    for (const auto& round : buckets) {
        std::vector<std::uint32_t> rgba(w * std::size_t(grid.height()), kGap);
        for (int i = 0; i < n; ++i) {
            const int x0 = i % grid.cols * t, y0 = i / grid.cols * t;
            const std::uint32_t bucket = bucket_colour(round[std::size_t(i)], n_buckets);
            const std::uint32_t label = std::size_t(i) < labels.size() ? label_colour(labels[std::size_t(i)]) : bucket;
            for (int y = 0; y < t - 1; ++y)
                std::fill_n(rgba.begin() + std::ptrdiff_t(std::size_t(y0 + y) * w + std::size_t(x0)), t - 1,
                            y < t - 2 ? bucket : label);
        }
        grid.rgba.push_back(std::move(rgba));
    }
    return grid;
}

}  // namespace hashscope::gui
