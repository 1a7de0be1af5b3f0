// `hashscope convert --model IN --out FILE.gguf [--tokenizer FILE] [--type f32|f16|q8_0] [--name NAME]`:
// writes the model (any format hashscope reads, with a byte-level BPE tokenizer) as GGUF v3 that
// llama.cpp and hashscope both load (core/model/gguf_writer.hpp). Exit 2 with one line on bad input;
// no partial file is left.
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/model_cli.hpp"
#include "core/model/gguf_writer.hpp"

namespace hashscope::cli {
namespace {

struct ConvertOptions {
    CommonOptions common;
    std::string model, tokenizer, out, type = "q8_0", name;
};

void run_convert(const ConvertOptions& o) {
    Stopwatch clock;
    const TensorType type = o.type == "f32" ? TensorType::f32 : o.type == "f16" ? TensorType::f16 : TensorType::q8_0;
    const LoadedModel loaded = load_model_flags(o.model, o.tokenizer);
    const auto* bpe = dynamic_cast<const ByteLevelBpeTokenizer*>(loaded.tokenizer.get());
    if (!bpe) throw InputError("--model " + o.model + ": convert writes byte-level BPE tokenizers (GPT-2 style) only");
    const std::string name = o.name.empty() ? std::filesystem::path(o.model).filename().string() : o.name;
    write_gguf(loaded.weights, *bpe, o.out, type, name);
    const nlohmann::json report{{"command", "convert"},
                                {"model", o.model},
                                {"out", o.out},
                                {"type", o.type},
                                {"architecture", architecture_name(loaded.weights.config.architecture)},
                                {"tensors", loaded.weights.tensors().size()},
                                {"bytes", std::filesystem::file_size(o.out)},
                                {"timings_ms", {{"total", clock.lap_ms()}}}};
    if (o.common.json) std::cout << report.dump() << "\n";
    else std::cout << "wrote " << o.out << " (" << report["bytes"] << " bytes, " << report["tensors"] << " tensors)\n";
}

}  // namespace

Command add_convert_command(CLI::App& root) {
    auto o = std::make_shared<ConvertOptions>();
    CLI::App* app = root.add_subcommand("convert", "Write a model as GGUF (llama.cpp's format)");
    app->add_option("--model", o->model, "Model to read (GGUF, safetensors folder, llama2.c checkpoint)")->required();
    app->add_option("--tokenizer", o->tokenizer, "Tokenizer file when not beside the model");
    app->add_option("--out", o->out, "GGUF file to write")->required();
    app->add_option("--type", o->type, "Matrix type: f32 | f16 | q8_0 (vectors are always f32)")
        ->check(CLI::IsMember({"f32", "f16", "q8_0"}))
        ->default_str("q8_0");
    app->add_option("--name", o->name, "general.name (default: the model's file name)");
    add_common_options(*app, o->common);
    return {app, [o] { return run_guarded("convert", [&] { run_convert(*o); }); }};
}

}  // namespace hashscope::cli
