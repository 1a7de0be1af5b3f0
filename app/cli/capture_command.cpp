// `hashscope capture --model FILE [--tokenizer FILE] (--tokens "1 403 12" | --prompt TEXT) --out DIR`
// runs the model over the prompt and writes DIR/tokens.npy (int32 [n]), DIR/logits.npy (float32
// [n, vocab]) and per layer L DIR/layerL.q.npy [heads, n, head_dim], DIR/layerL.k.npy and
// DIR/layerL.v.npy [kv_heads, n, head_dim] (q and k after RoPE). The files are written into a
// temporary folder beside DIR that is renamed to DIR at the end: all or nothing.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/model_cli.hpp"
#include "core/model/transformer_forward.hpp"

namespace hashscope::cli {
namespace {

namespace fs = std::filesystem;

struct CaptureOptions {
    CommonOptions common;
    std::string model, tokenizer, tokens, prompt, out;
};

// Heads [count] of [n, d] as one float32 array [count, n, d].
template <class T>
NpyArray stack_heads(const std::vector<Matrix<T>>& heads) {
    std::vector<float> values;
    for (const auto& h : heads)
        for (Eigen::Index i = 0; i < h.rows(); ++i)
            for (Eigen::Index j = 0; j < h.cols(); ++j) values.push_back(float(h(i, j)));
    return make_npy<float>(values, {std::int64_t(heads.size()), heads[0].rows(), heads[0].cols()});
}

void write_folder(const fs::path& out, const std::vector<std::pair<std::string, NpyArray>>& files) {
    if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
        throw InputError("--out " + out.string() + ": exists and is not an empty folder");
    const fs::path temporary = out.string() + ".tmp" + std::to_string(::getpid());
    std::error_code ignored;
    fs::remove_all(temporary, ignored);
    try {
        fs::create_directories(temporary);
        for (const auto& [name, array] : files) write_npy((temporary / name).string(), array);
        fs::rename(temporary, out);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(temporary, ignored);
        throw InputError("--out " + out.string() + ": " + e.code().message());
    } catch (...) {
        fs::remove_all(temporary, ignored);
        throw;
    }
}

template <class T>
void run_capture(const CaptureOptions& o) {
    Stopwatch clock;
    nlohmann::json report{{"command", "capture"}, {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    const LoadedModel model = load_model_flags(o.model, o.tokenizer);
    if (o.tokens.empty() == o.prompt.empty()) throw InputError("give exactly one of --tokens and --prompt");
    const std::vector<int> tokens = o.tokens.empty() ? encode_text(model, o.prompt, "--prompt") : parse_token_list(o.tokens);
    report["timings_ms"]["load"] = clock.lap_ms();
    const ForwardTrace<T> trace = transformer_forward<T>(model.weights, tokens);
    report["timings_ms"]["forward"] = clock.lap_ms();

    const auto n = std::int64_t(tokens.size());
    std::vector<std::pair<std::string, NpyArray>> files;
    files.emplace_back("tokens.npy", make_npy<std::int32_t>(std::vector<std::int32_t>(tokens.begin(), tokens.end()), {n}));
    const Matrix<float> logits = trace.logits.template cast<float>();
    files.emplace_back("logits.npy", matrix_to_npy(logits));
    for (std::size_t l = 0; l < trace.layers.size(); ++l) {
        const std::string prefix = "layer" + std::to_string(l);
        files.emplace_back(prefix + ".q.npy", stack_heads(trace.layers[l].q));
        files.emplace_back(prefix + ".k.npy", stack_heads(trace.layers[l].k));
        files.emplace_back(prefix + ".v.npy", stack_heads(trace.layers[l].v));
    }
    write_folder(o.out, files);
    report["timings_ms"]["write"] = clock.lap_ms();
    const ModelConfig& c = model.weights.config;
    report["tokens"] = tokens;
    report["shapes"] = {{"logits", shape_json(n, c.vocab)},
                        {"q", {c.heads, n, c.head_dim}},
                        {"k", {c.kv_heads, n, c.head_dim}},
                        {"v", {c.kv_heads, n, c.head_dim}}};
    report["layers"] = c.layers;
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

}  // namespace

Command add_capture_command(CLI::App& root) {
    auto o = std::make_shared<CaptureOptions>();
    CLI::App* app = root.add_subcommand("capture", "Run a model over a prompt and write its logits and per-layer Q/K/V (.npy)");
    app->add_option("--model", o->model, "Model file: GGUF, safetensors or llama2.c checkpoint")->required();
    app->add_option("--tokenizer", o->tokenizer, "Tokenizer file (llama2.c tokenizer.bin) when the model has none");
    app->add_option("--tokens", o->tokens, "Token ids, e.g. \"1 403 12\"");
    app->add_option("--prompt", o->prompt, "Text, encoded with BOS by the model's tokenizer");
    app->add_option("--out", o->out, "Output folder (must not exist, or be empty)")->required();
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("capture", [&] {
                    if (o->common.precision == Precision::f64) run_capture<double>(*o);
                    else run_capture<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
