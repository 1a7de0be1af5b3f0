// Colours shared by the views: one bucket palette, one label palette. Packed as ImU32 (0xAABBGGRR)
// but computed without ImGui, so they are unit tested.
#pragma once

#include <cstdint>

namespace hashscope::gui {

// Up to 16 buckets: the Okabe-Ito colours (colour-blind safe; grey instead of black, which vanishes
// on the dark background), then the same eight mixed halfway to white, so the second eight differ
// in lightness too. More buckets: hues spread round the wheel with three alternating lightness
// levels, so neighbouring buckets stay apart up to 64.
std::uint32_t bucket_colour(int bucket, int n_buckets);
// Labels (clusters, token ids, roles) as grey levels, so they do not compete with the bucket hues.
std::uint32_t label_colour(int label);

}  // namespace hashscope::gui
