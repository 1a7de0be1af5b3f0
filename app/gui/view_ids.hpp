// The ids of the app's views, in the shell's order: what `--view`, `view = NAME` in lessons and the
// session's view in front name. The shell's registry (gui_main.cpp) gives each its place and class;
// this list lives apart from it so that settings, sessions and lessons check names without a window.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace hashscope::gui {

inline constexpr std::array<std::string_view, 12> kViewIds = {
    "scene", "pipeline", "hyperplanes", "buckets", "sort", "chunks",
    "compare", "memory", "model", "crypto", "learned", "lesson",
};

inline bool is_view_id(std::string_view id) {
    return std::find(kViewIds.begin(), kViewIds.end(), id) != kViewIds.end();
}

}  // namespace hashscope::gui
