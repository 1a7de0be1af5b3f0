// `hashscope screenshot --out FILE.png [--size 1600x1000] [--frames 3] [--view NAME] [--set key=value]...
// [--session FILE.json] [--lesson tutorials/FILE.md [--step N]]`: renders the desktop app (or one view alone, filling the
// window) under the current X display (Xvfb works) for N frames and writes the window as a PNG. --set
// pins the scene (app/gui/scene_settings.hpp lists the keys) over what a --session file holds; --lesson opens a lesson at step N (from
// 1), its Lesson panel beside the views that step sets up.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "app/cli/gui_flags.hpp"
#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

namespace {
struct ScreenshotOptions {
    std::string out;
    std::string size = "1600x1000";
    int frames = 3;
    std::string view;
    std::vector<std::string> settings;
    std::string session;
    std::string lesson;
    int step = 1;
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
                    "setting key=value, repeatable (README: Settings): kind n d clusters spread seed method compute rounds "
                    "buckets chunk causal hash-seed bits top-k stage progress playing speed font-scale theme clean cursor "
                    "view model prompt head crypto-* learned.*");
    app->add_option("--session", options->session, "open this session file (JSON, saved by the app) first");
    app->add_option("--lesson", options->lesson, "open this lesson (tutorials/*.md) beside the views");
    app->add_option("--step", options->step, "the lesson's step to show, from 1")->capture_default_str();
    return {app, [options, app]() {
                if (app->count("--step") && options->lesson.empty()) {
                    std::cerr << "hashscope screenshot: --step needs --lesson\n";
                    return 2;
                }
                if (!check_view("hashscope screenshot", options->view)) return 2;
                gui::GuiOptions gui;
                if (!parse_window_size("hashscope screenshot", options->size, gui.width, gui.height)) return 2;
                gui.command = "hashscope screenshot";
                gui.screenshot = options->out;
                gui.frames = options->frames;
                gui.view = options->view;
                gui.settings = options->settings;
                gui.session = options->session;
                gui.lesson = options->lesson;
                gui.lesson_step = options->step;
                return gui::run_gui(gui);
            }};
}

}  // namespace hashscope::cli
