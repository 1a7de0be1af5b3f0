// Pure helpers for the heat-map views: block max-pooling of a square matrix and a dark -> bright
// colour ramp. No ImGui state, so they can be unit tested.
#pragma once

#include <cstdint>
#include <vector>

namespace hashscope::gui {

// `values` is n x n, row-major. Returns an m x m row-major matrix, m = ceil(n / block), each cell the
// maximum of its block x block tile (edge tiles are smaller). block <= 1 returns a copy.
std::vector<float> max_pool(const std::vector<float>& values, int n, int block);

// Dark blue-black -> purple -> orange -> pale yellow, t clamped to [0, 1]; packed as ImU32 (ABGR).
std::uint32_t heat_colour(float t);

}  // namespace hashscope::gui
