// A headless subcommand: the CLI11 sub-app it registered and the body to run when it was chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace hashscope::cli {

struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;  // returns the process exit code
};

Command add_attend_command(CLI::App& root);
Command add_hash_command(CLI::App& root);
Command add_screenshot_command(CLI::App& root);  // renders the GUI to a PNG (needs an X display)
Command add_bench_frames_command(CLI::App& root);  // times the GUI's frames (needs an X display)

}  // namespace hashscope::cli
