// `hashscope export --session S.json --view NAME --out F.png|F.gif [--frames N] [--size WxH]
// [--scale S] [--set key=value]...`: renders a saved session off-screen — one view alone, or the
// whole window without --view — as a PNG, or as an animated GIF of N frames that play one whole
// pipeline cycle (hash -> ... -> combine; rounds turning) from where the session is. The picture
// never depends on the window or the display's size.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "app/cli/gui_flags.hpp"
#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

namespace {
struct ExportOptions {
    std::string session;
    std::string view;
    std::string out;
    int frames = 24;
    std::string size = "1600x1000";
    float scale = 1.0f;
    std::vector<std::string> settings;
};
}  // namespace

Command add_export_command(CLI::App& root) {
    auto options = std::make_shared<ExportOptions>();
    CLI::App* app = root.add_subcommand("export", "render a session's view (or the whole window) as a PNG or an animated GIF");
    app->add_option("--session", options->session, "session file (JSON) to render; without it the built-in scene");
    app->add_option("--view", options->view, "the view to render alone (scene, pipeline, hyperplanes, buckets, sort, "
                                             "chunks, compare, memory, model, crypto, learned, lesson); default: the whole window");
    app->add_option("--out", options->out, "F.png or F.gif")->required();
    app->add_option("--frames", options->frames, "GIF: frames over one pipeline cycle; PNG: frames rendered first")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    app->add_option("--size", options->size, "picture size WxH before --scale")->capture_default_str();
    app->add_option("--scale", options->scale, "scale widgets and text by S (1..3): a sharp picture S times larger")
        ->capture_default_str()
        ->check(CLI::Range(1.0f, 3.0f));
    app->add_option("--set", options->settings, "setting key=value over the session's, repeatable (README: Settings)");
    return {app, [options]() {
                const char* command = "hashscope export";
                if (!check_view(command, options->view)) return 2;
                const std::string extension = std::filesystem::path(options->out).extension().string();
                if (extension != ".png" && extension != ".gif") {
                    std::cerr << command << ": --out must end in .png or .gif, got '" << options->out << "'\n";
                    return 2;
                }
                gui::GuiOptions gui;
                if (!parse_window_size(command, options->size, gui.width, gui.height)) return 2;
                gui.width = int(float(gui.width) * options->scale + 0.5f);
                gui.height = int(float(gui.height) * options->scale + 0.5f);
                gui.command = command;
                gui.scale = options->scale;
                gui.view = options->view;
                gui.session = options->session;
                gui.settings = options->settings;
                if (extension == ".png") {
                    gui.screenshot = options->out;
                    gui.frames = options->frames;
                } else {
                    gui.gif = options->out;
                    gui.gif_frames = options->frames;
                    gui.frames = 3;
                }
                return gui::run_gui(gui);
            }};
}

}  // namespace hashscope::cli
