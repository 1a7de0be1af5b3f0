// `hashscope screenshot --out FILE.png [--size 1600x1000] [--frames 3] [--view scene|buckets|sort|chunks|compare]`:
// renders the desktop app (or one view alone, filling the window) under the current X display (Xvfb
// works) for N frames and writes the window as a PNG.
#include <algorithm>
#include <iostream>
#include <memory>
#include <regex>
#include <string>

#include "app/cli/command.hpp"
#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

namespace {
struct ScreenshotOptions {
    std::string out;
    std::string size = "1600x1000";
    int frames = 3;
    std::string view;
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
    app->add_option("--view", options->view, "render this view alone, filling the window (scene, buckets, sort, chunks, compare)");
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
                static const std::regex size_re(R"((\d{1,5})x(\d{1,5}))");
                std::smatch m;
                int width = 0, height = 0;
                if (std::regex_match(options->size, m, size_re)) {
                    width = std::stoi(m[1].str());
                    height = std::stoi(m[2].str());
                }
                if (width < 64 || height < 64 || width > 8192 || height > 8192) {
                    std::cerr << "hashscope screenshot: --size must be WxH with each side in 64..8192, got '"
                              << options->size << "'\n";
                    return 2;
                }
                gui::GuiOptions gui;
                gui.screenshot = options->out;
                gui.width = width;
                gui.height = height;
                gui.frames = options->frames;
                gui.view = options->view;
                return gui::run_gui(gui);
            }};
}

}  // namespace hashscope::cli
