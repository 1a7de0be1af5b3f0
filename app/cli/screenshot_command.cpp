// `hashscope screenshot --out FILE.png [--size 1600x1000] [--frames 3] [--view NAME] [--set key=value]...`:
// renders the desktop app (or one view alone, filling the window) under the current X display (Xvfb
// works) for N frames and writes the window as a PNG. --set pins the scene (app/gui/scene_settings.hpp
// lists the keys) until issue 9's --session files exist.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "app/cli/window_size.hpp"
#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

namespace {
struct ScreenshotOptions {
    std::string out;
    std::string size = "1600x1000";
    int frames = 3;
    std::string view;
    std::vector<std::string> settings;
};
}  // namespace

Command add_screenshot_command(CLI::App& root) {
    auto options = std::make_shared<ScreenshotOptions>();
    CLI::App* app = root.add_subcommand("screenshot", "render the desktop app off-screen and write a PNG");
    app->add_option("--out", options->out, "PNG file to write")->required();
    app->add_option("--size", options->size, "window size WxH")->capture_default_str();
    app->add_option("--frames", options->frames, "frames to render before the capture")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    app->add_option("--view", options->view,
                    "render this view alone, filling the window (scene, pipeline, hyperplanes, buckets, sort, chunks, "
                    "compare, memory)");
    app->add_option("--set", options->settings,
                    "scene setting key=value, repeatable: kind n d clusters spread seed method compute rounds buckets "
                    "chunk causal hash-seed bits top-k stage progress font-scale");
    return {app, [options]() {
                if (!options->view.empty()) {
                    const auto ids = gui::view_ids();
                    if (std::find(ids.begin(), ids.end(), options->view) == ids.end()) {
                        std::string valid;
                        for (const auto& id : ids) valid += (valid.empty() ? "" : ", ") + id;
                        std::cerr << "hashscope screenshot: unknown --view '" << options->view
                                  << "'; valid views: " << valid << "\n";
                        return 2;
                    }
                }
                gui::GuiOptions gui;
                if (!parse_window_size("hashscope screenshot", options->size, gui.width, gui.height)) return 2;
                gui.screenshot = options->out;
                gui.frames = options->frames;
                gui.view = options->view;
                gui.settings = options->settings;
                return gui::run_gui(gui);
            }};
}

}  // namespace hashscope::cli
