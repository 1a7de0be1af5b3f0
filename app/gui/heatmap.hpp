// Pure helpers for the heat-map views: a square matrix max-pooled down to at most a screen's worth of
// cells while it is filled (an n = 4096 map never exists at full size), and a dark -> bright colour
// ramp. No ImGui state, so they can be unit tested.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace hashscope::gui {

// An n x n matrix seen through m x m cells, m = ceil(n / block), block = ceil(n / max_side): each
// cell keeps the maximum of its block x block tile (edge tiles are smaller).
class PooledMap {
public:
    PooledMap() = default;
    PooledMap(int n, int max_side);
    void add(int row, int col, float value) {
        float& cell = cells_[std::size_t(row / block_) * std::size_t(side_) + std::size_t(col / block_)];
        if (value > cell) cell = value;
    }
    // add(row, j, values(j)) for every column j of one whole row, a block of columns at a time.
    template <class Row>
    void add_row(int row, const Row& values) {
        float* cells = cells_.data() + std::size_t(row / block_) * std::size_t(side_);
        for (int c = 0, first = 0; c < side_; ++c, first += block_) {
            float most = cells[c];
            for (int j = first; j < std::min(n_, first + block_); ++j) most = std::max(most, float(values(j)));
            cells[c] = most;
        }
    }
    int n() const { return n_; }
    int side() const { return side_; }
    int block() const { return block_; }
    float at(int i, int j) const { return cells_[std::size_t(i) * std::size_t(side_) + std::size_t(j)]; }
    float max_value() const;
    // Colours of the cells (row-major) through heat_colour(sqrt(v / scale)): sqrt lifts the small
    // probabilities that make up most of a row.
    std::vector<std::uint32_t> sqrt_colours(float scale) const;
    // `on` where a cell is positive, else `off` (masks).
    std::vector<std::uint32_t> mask_colours(std::uint32_t on, std::uint32_t off) const;

private:
    int n_ = 0, side_ = 0, block_ = 1;
    std::vector<float> cells_;
};

// Dark blue-black -> purple -> orange -> pale yellow, t clamped to [0, 1]; packed as ImU32 (ABGR).
std::uint32_t heat_colour(float t);

}  // namespace hashscope::gui
