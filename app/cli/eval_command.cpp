// `hashscope eval --model FILE --text FILE [--tokenizer FILE] [--swap SPEC] [--json]`: the mean
// next-token loss (nats) and perplexity of the model on the text (encoded with BOS), with dense
// attention and, given --swap, with the chosen heads running a hash method — the same tokens.
// The --swap syntax is documented in core/model/head_swap.hpp and README.md. With --sensitivity,
// also the per-head sensitivity map and the swap curve (core/model/head_sensitivity.hpp) over the
// heads --swap selects.
#include <cmath>
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/model_cli.hpp"
#include "core/model/head_sensitivity.hpp"
#include "core/model/head_swap.hpp"
#include "core/model/next_token_loss.hpp"
#include "core/model/transformer_forward.hpp"

namespace hashscope::cli {
namespace {

struct EvalOptions {
    CommonOptions common;
    std::string model, tokenizer, text, swap;
    bool sensitivity = false;
    int curve_points = 0;
};

nlohmann::json sensitivity_json(const SensitivityTrace& t) {
    nlohmann::json j{{"heads", t.heads}, {"delta_loss", t.delta_loss}, {"order", t.order}};
    for (const auto& p : t.curve) j["curve"].push_back({{"heads_swapped", p.heads_swapped}, {"fraction", p.fraction}, {"loss", p.loss}});
    return j;
}

void print_sensitivity(const SensitivityTrace& t) {
    std::cout << "sensitivity (delta loss, nats) per layer/head:\n";
    for (std::size_t i = 0; i < t.heads.size(); ++i)
        std::cout << "  layer " << t.heads[i].first << " head " << t.heads[i].second << "  " << t.delta_loss[i] << "\n";
    std::cout << "swap curve (least sensitive first):\n";
    for (const auto& p : t.curve) std::cout << "  " << p.heads_swapped << " heads (" << p.fraction << ")  loss " << p.loss << "\n";
}

nlohmann::json swap_json(const HeadSwap& swap) {
    const auto list = [](const std::set<int>& s) { return s.empty() ? nlohmann::json("all") : nlohmann::json(s); };
    return {{"layers", list(swap.layers)}, {"heads", list(swap.heads)}, {"method", swap.method}, {"parameters", swap.parameters}};
}

template <class T>
void run_eval(const EvalOptions& o) {
    Stopwatch clock;
    nlohmann::json report{{"command", "eval"}, {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    const LoadedModel model = load_model_flags(o.model, o.tokenizer);
    const std::vector<int> tokens = encode_text(model, read_text_file(o.text, "--text"), "--text " + o.text);
    if (tokens.size() < 2) throw InputError("--text " + o.text + ": needs at least one token after BOS");
    std::optional<HeadSwap> swap;
    if (!o.swap.empty()) swap = parse_head_swap(o.swap, model.weights.config);
    report["timings_ms"]["load"] = clock.lap_ms();

    ForwardOptions<T> options;
    options.capture = false;
    const double dense = mean_next_token_loss(transformer_forward<T>(model.weights, tokens, options).logits, tokens);
    report["timings_ms"]["dense"] = clock.lap_ms();
    report["tokens"] = tokens.size();
    report["loss_dense"] = dense;
    report["perplexity_dense"] = std::exp(dense);
    if (swap) {
        options.attention = make_swap_hook<T>(*swap);
        const double swapped = mean_next_token_loss(transformer_forward<T>(model.weights, tokens, options).logits, tokens);
        report["timings_ms"]["swapped"] = clock.lap_ms();
        report["loss_swapped"] = swapped;
        report["perplexity_swapped"] = std::exp(swapped);
        report["loss_delta"] = swapped - dense;
        report["swap"] = swap_json(*swap);
    }
    std::optional<SensitivityTrace> sensitivity;
    if (o.sensitivity) {
        if (!swap) throw InputError("--sensitivity needs --swap (its method, and the heads to consider)");
        sensitivity = head_sensitivity<T>(model.weights, tokens, *swap, o.curve_points);
        report["timings_ms"]["sensitivity"] = clock.lap_ms();
        report["sensitivity"] = sensitivity_json(*sensitivity);
    }
    if (o.common.json) {
        std::cout << report.dump() << "\n";
        return;
    }
    std::cout << "tokens " << tokens.size() << "\nloss_dense " << dense << " nats (perplexity " << std::exp(dense) << ")\n";
    if (swap)
        std::cout << "loss_swapped " << report["loss_swapped"].get<double>() << " nats (perplexity "
                  << report["perplexity_swapped"].get<double>() << ")\n";
    if (sensitivity) print_sensitivity(*sensitivity);
}

}  // namespace

Command add_eval_command(CLI::App& root) {
    auto o = std::make_shared<EvalOptions>();
    CLI::App* app = root.add_subcommand("eval", "Mean next-token loss and perplexity on a text, dense and with hashed heads");
    app->add_option("--model", o->model, "Model file: GGUF, safetensors or llama2.c checkpoint")->required();
    app->add_option("--tokenizer", o->tokenizer, "Tokenizer file (llama2.c tokenizer.bin) when the model has none");
    app->add_option("--text", o->text, "UTF-8 text file to score")->required();
    app->add_option("--swap", o->swap, "Heads to hash, e.g. \"layers=0-3;heads=0,2;method=reformer;n_buckets=8\"");
    app->add_flag("--sensitivity", o->sensitivity, "Also the loss change per head swapped alone, and the swap curve");
    app->add_option("--curve-points", o->curve_points, "Points on the swap curve (default: every head count)")->check(CLI::Range(0, 1 << 20));
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("eval", [&] {
                    if (o->common.precision == Precision::f64) run_eval<double>(*o);
                    else run_eval<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
