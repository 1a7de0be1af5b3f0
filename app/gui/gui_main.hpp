// The desktop app: a GLFW window with Dear ImGui, or (with a screenshot path) N rendered frames
// written as a PNG.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hashscope::gui {

struct GuiOptions {
    std::optional<std::string> screenshot;  // write the framebuffer here after `frames` frames, then exit
    int width = 1600;
    int height = 1000;
    int frames = 3;
    std::string view;  // one of view_ids(): that view alone fills the window; empty: the whole layout
};

// The ids of the registered views (scene, buckets, sort, chunks), for `screenshot --view`.
std::vector<std::string> view_ids();

// 0 on success; 2 with one line on stderr when there is no display or the PNG cannot be written.
int run_gui(const GuiOptions& options);

}  // namespace hashscope::gui
