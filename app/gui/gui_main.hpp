// The desktop app: a GLFW window with Dear ImGui, or (with a screenshot or GIF path) frames rendered
// off-screen at the requested size written as a PNG or an animated GIF, or (bench) N frames with
// every view open, timed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hashscope::gui {

// Per frame, milliseconds: the whole frame until rendering finished, and the UI thread's part before
// rendering (events, polling the worker, drawing the views, texture uploads).
struct FrameTimes {
    std::vector<double> frame_ms, ui_ms;
};

struct GuiOptions {
    std::string command = "hashscope";      // names the command in messages ("hashscope screenshot")
    std::optional<std::string> screenshot;  // write a PNG here after `frames` frames, then exit
    std::optional<std::string> gif;         // after `frames` frames, `gif_frames` more over one pipeline cycle as a GIF
    int gif_frames = 24;
    float scale = 1.0f;                     // captures: widgets and text scaled so (the monitor's content scale)
    int width = 1600;
    int height = 1000;
    int frames = 3;
    std::string view;                   // one of view_ids(): that view alone fills the window; empty: the layout
    std::vector<std::string> settings;  // key=value scene settings (scene_settings.hpp), applied before the start
    std::string session;                // a session file (session.hpp) to open first; settings then override it
    std::string lesson;                 // a lesson (tutorials/*.md) open at `lesson_step` (from 1), after the settings
    int lesson_step = 1;
    // Bench: render `frames` frames with every view open side by side, no vsync, and store the
    // times here. Every 100th frame changes the hash seed, so the figures include frames drawn while
    // the worker recomputes and the frame that takes its result.
    FrameTimes* bench = nullptr;
};

// The ids of the registered views, for `screenshot --view`.
std::vector<std::string> view_ids();

// 0 on success; 2 with one line on stderr when there is no display, a setting is bad, the lesson
// cannot be read or has no such step, or the PNG cannot be written.
int run_gui(const GuiOptions& options);

}  // namespace hashscope::gui
