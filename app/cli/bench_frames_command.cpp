// `hashscope bench-frames [--n 4096] [--frames 300] [--size 1600x1000] [--json]`: opens the app with
// every view on screen at once (a grid instead of tabs) on the default scene at n tokens, renders
// `frames` frames without vsync and prints the median, p95 and worst frame time after the first
// (start-up: font atlas, first uploads; printed apart), and the UI thread's
// part of a frame before rendering (median and worst: the frame that takes a new result uploads its
// textures; the rest of a frame is rasterisation, llvmpipe's under Xvfb). Every 100th frame
// changes the hash seed, so the figures include frames drawn while the worker recomputes. Needs an
// X display (xvfb-run works). The scene always computes in float64, whatever --precision says.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/gui_flags.hpp"
#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

namespace {
struct BenchFramesOptions {
    CommonOptions common;
    int n = 4096;
    int frames = 300;
    std::string size = "1600x1000";
};

double percentile(std::vector<double> xs, double p) {
    std::sort(xs.begin(), xs.end());
    const std::size_t i = std::min(xs.size() - 1, std::size_t(p * double(xs.size() - 1) + 0.5));
    return xs[i];
}
}  // namespace

Command add_bench_frames_command(CLI::App& root) {
    auto o = std::make_shared<BenchFramesOptions>();
    CLI::App* app = root.add_subcommand("bench-frames", "time the GUI's frames with every view open (needs a display)");
    app->add_option("--n", o->n, "tokens in the scene")->capture_default_str()->check(CLI::Range(64, 4096));
    app->add_option("--frames", o->frames, "frames to time")->capture_default_str()->check(CLI::Range(10, 100000));
    app->add_option("--size", o->size, "window size WxH")->capture_default_str();
    add_common_options(*app, o->common);
    return {app, [o]() {
                gui::GuiOptions gui;
                if (!parse_window_size("hashscope bench-frames", o->size, gui.width, gui.height)) return 2;
                gui::FrameTimes times;
                gui.command = "hashscope bench-frames";
                gui.frames = o->frames;
                gui.settings = {"n=" + std::to_string(o->n)};
                gui.bench = &times;
                if (const int code = gui::run_gui(gui); code != 0) return code;
                if (times.frame_ms.size() < 2) return 2;
                // The first frame builds the font atlas and uploads every image: start-up, reported apart.
                const double first = times.frame_ms.front();
                const std::vector<double> ms(times.frame_ms.begin() + 1, times.frame_ms.end());
                const std::vector<double> ui(times.ui_ms.begin() + 1, times.ui_ms.end());
                const double median = percentile(ms, 0.5), p95 = percentile(ms, 0.95);
                const double worst = *std::max_element(ms.begin(), ms.end());
                const double ui_median = percentile(ui, 0.5);
                const double ui_worst = *std::max_element(ui.begin(), ui.end());
                if (o->common.json) {
                    const nlohmann::json report{{"command", "bench-frames"}, {"n", o->n},
                                                {"frames", int(ms.size())}, {"width", gui.width},
                                                {"height", gui.height}, {"median_ms", median},
                                                {"p95_ms", p95}, {"max_ms", worst},
                                                {"ui_median_ms", ui_median}, {"ui_max_ms", ui_worst},
                                                {"first_frame_ms", first}};
                    std::cout << report.dump(2) << "\n";
                } else {
                    std::printf("n = %d, %zu frames at %dx%d, every view open: median %.2f ms, p95 %.2f ms, max %.2f ms; "
                                "UI thread before rendering: median %.2f ms, max %.2f ms; first frame %.1f ms\n",
                                o->n, ms.size(), gui.width, gui.height, median, p95, worst, ui_median, ui_worst, first);
                }
                return 0;
            }};
}

}  // namespace hashscope::cli
