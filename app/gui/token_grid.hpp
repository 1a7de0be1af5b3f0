// The Buckets view's token grids as images, one per hash round, built on the worker with the
// result (n = 4096 tokens then cost the UI thread one texture upload and one quad per round).
#pragma once

#include <cstdint>
#include <vector>

namespace hashscope::gui {

struct TokenGrid {
    // Texels per token side: 6 rows of bucket colour, 1 of label grey, 1 of gap (and a gap column).
    static constexpr int kTexels = 8;
    int cols = 0, rows = 0;                       // tokens per row, rows of tokens
    std::vector<std::vector<std::uint32_t>> rgba;  // per round: (cols * kTexels) x (rows * kTexels)
    int width() const { return cols * kTexels; }
    int height() const { return rows * kTexels; }
};

// Row-major token order, 32 tokens a row (64 past 1024 tokens); colours from palette.hpp.
TokenGrid token_grid(const std::vector<std::vector<std::int32_t>>& buckets, int n_buckets,
                     const std::vector<int>& labels);

}  // namespace hashscope::gui
