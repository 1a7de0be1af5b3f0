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
Command add_claims_command(CLI::App& root);  // memory model beside the news piece's table
Command add_bench_command(CLI::App& root);  // times the GPU kernels (--gpu)
Command add_hash_command(CLI::App& root);
Command add_learn_command(CLI::App& root);  // trains learned hash codes
Command add_topk_command(CLI::App& root);   // keys kept per query by a top-k method
Command add_screenshot_command(CLI::App& root);  // renders the GUI to a PNG (needs an X display)
Command add_export_command(CLI::App& root);      // a session's view as a PNG or an animated GIF (X display)
Command add_capture_command(CLI::App& root);     // real models: logits and per-layer Q/K/V
Command add_info_command(CLI::App& root);        // real models: architecture, tensors, tokenizer
Command add_eval_command(CLI::App& root);        // real models: next-token loss, dense vs hashed heads
Command add_bench_frames_command(CLI::App& root);  // times the GUI's frames (needs an X display)
Command add_attack_command(CLI::App& root);  // crypto buckets: push a key into a chosen bucket
Command add_convert_command(CLI::App& root);  // real models: write GGUF

}  // namespace hashscope::cli
