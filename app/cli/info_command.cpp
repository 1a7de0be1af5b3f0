// `hashscope info --model FILE [--tokenizer FILE] [--json]`: the model's format, architecture,
// hyper-parameters, every tensor with its type and shape, and its tokenizer.
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/model_cli.hpp"

namespace hashscope::cli {
namespace {

struct InfoOptions {
    CommonOptions common;
    std::string model, tokenizer;
};

nlohmann::json describe(const LoadedModel& model) {
    const ModelWeights& w = model.weights;
    const ModelConfig& c = w.config;
    nlohmann::json report{{"command", "info"},
                          {"model", w.source()},
                          {"format", w.format()},
                          {"architecture", architecture_name(c.architecture)},
                          {"config",
                           {{"dim", c.dim}, {"hidden", c.hidden}, {"layers", c.layers}, {"heads", c.heads},
                            {"kv_heads", c.kv_heads}, {"head_dim", c.head_dim}, {"vocab", c.vocab},
                            {"context", c.context}, {"rope_theta", c.rope_theta},
                            {"rope_layout", rope_layout_name(c.rope_layout)}, {"norm_eps", c.norm_eps},
                            {"tied_embeddings", c.tied_embeddings}, {"qkv_bias", c.qkv_bias}}}};
    std::int64_t parameters = 0;
    for (const auto& [name, t] : w.tensors()) {
        report["tensors"].push_back({{"name", name}, {"type", tensor_type_name(t.type)}, {"shape", t.shape}});
        parameters += t.count();
    }
    report["parameters"] = parameters;
    if (model.tokenizer)
        report["tokenizer"] = {{"source", model.tokenizer->source()}, {"vocab", model.tokenizer->vocab_size()},
                               {"kind", model.tokenizer->kind()}, {"bos", model.tokenizer->bos()}, {"eos", model.tokenizer->eos()}};
    else report["tokenizer"] = nullptr;
    return report;
}

void print(const nlohmann::json& r) {
    const auto& c = r["config"];
    std::cout << r["model"].get<std::string>() << ": " << r["format"].get<std::string>() << ", "
              << r["architecture"].get<std::string>() << ", " << r["parameters"] << " parameters\n"
              << "  dim " << c["dim"] << ", hidden " << c["hidden"] << ", layers " << c["layers"] << ", heads "
              << c["heads"] << " (kv " << c["kv_heads"] << ", head_dim " << c["head_dim"] << "), vocab " << c["vocab"]
              << ", context " << c["context"] << "\n"
              << "  rope theta " << c["rope_theta"] << " (" << c["rope_layout"].get<std::string>() << "), norm eps "
              << c["norm_eps"] << ", tied embeddings " << c["tied_embeddings"] << ", qkv bias " << c["qkv_bias"] << "\n";
    if (r["tokenizer"].is_null()) std::cout << "  tokenizer: none\n";
    else
        std::cout << "  tokenizer: " << r["tokenizer"]["source"].get<std::string>() << ", " << r["tokenizer"]["vocab"]
                  << " pieces, bos " << r["tokenizer"]["bos"] << ", eos " << r["tokenizer"]["eos"] << "\n";
    std::cout << "  tensors:\n";
    for (const auto& t : r["tensors"])
        std::cout << "    " << t["name"].get<std::string>() << "  " << t["type"].get<std::string>() << "  " << t["shape"].dump() << "\n";
}

}  // namespace

Command add_info_command(CLI::App& root) {
    auto o = std::make_shared<InfoOptions>();
    CLI::App* app = root.add_subcommand("info", "Describe a model: architecture, shapes, tensor types, tokenizer");
    app->add_option("--model", o->model, "Model file: GGUF, safetensors or llama2.c checkpoint")->required();
    app->add_option("--tokenizer", o->tokenizer, "Tokenizer file (llama2.c tokenizer.bin) when the model has none");
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("info", [&] {
                    const nlohmann::json report = describe(load_model_flags(o->model, o->tokenizer));
                    if (o->common.json) std::cout << report.dump() << "\n";
                    else print(report);
                });
            }};
}

}  // namespace hashscope::cli
