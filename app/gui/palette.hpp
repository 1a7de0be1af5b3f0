// Colours shared by the views: one bucket palette, one cluster palette.
#pragma once

#include <imgui.h>

namespace hashscope::gui {

// Hues spread around the wheel; alternate brightness so neighbouring buckets differ.
ImU32 bucket_colour(int bucket, int n_buckets);
// Clusters as grey levels, so they do not compete with the bucket hues.
ImU32 label_colour(int label);

}  // namespace hashscope::gui
