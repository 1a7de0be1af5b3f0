// hashscope: with a subcommand it runs headless over .npy files; with no arguments it opens the
// desktop app (issue #4). Every bad input exits 2 with one line.
#include <iostream>

#include "app/cli/command.hpp"
#include "app/gui/gui_main.hpp"

int main(int argc, char** argv) {
    CLI::App root{"hashscope: run hash attention for real and see what it does"};
    root.require_subcommand(0, 1);
    const hashscope::cli::Command commands[] = {
        hashscope::cli::add_attend_command(root),
        hashscope::cli::add_claims_command(root),
        hashscope::cli::add_bench_command(root),
        hashscope::cli::add_hash_command(root),
        hashscope::cli::add_learn_command(root),
        hashscope::cli::add_topk_command(root),
        hashscope::cli::add_screenshot_command(root),
        hashscope::cli::add_export_command(root),
        hashscope::cli::add_capture_command(root),
        hashscope::cli::add_info_command(root),
        hashscope::cli::add_eval_command(root),
        hashscope::cli::add_bench_frames_command(root),
        hashscope::cli::add_attack_command(root),
        hashscope::cli::add_convert_command(root),
    };
    try {
        root.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return root.exit(CLI::CallForHelp());
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return root.exit(e);
        // One line naming the subcommand and the flag, and exit 2, as for every bad input.
        const auto chosen = root.get_subcommands();
        std::cerr << "hashscope" << (chosen.empty() ? "" : " " + chosen[0]->get_name()) << ": " << e.what() << "\n";
        return 2;
    }
    for (const auto& command : commands)
        if (command.app->parsed()) return command.run();
    return hashscope::gui::run_gui({});
}
