// `hashscope learn`: train HashAttention's query/key mappings on Q/K and save the model.
//   --q Q.npy --k K.npy [--bits 32] [--top 32] [--epochs E] [--seed S] [--causal] --out MODEL
// Q and K are [n, d] (one head) or [heads, n, d]; one pair of mappings is trained per head. The
// caller holds out its own test set. The model format is documented in core/learned_hash.hpp.
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "core/learned_hash_training.hpp"

namespace hashscope::cli {
namespace {

struct LearnCommandOptions {
    CommonOptions common;
    std::string q, k, out;
    LearnOptions learn;
};

template <class T>
void run_learn(const LearnCommandOptions& o) {
    Stopwatch clock;
    const auto q = load_heads<T>(o.q, "--q"), k = load_heads<T>(o.k, "--k");
    if (q.size() != k.size())
        throw InputError("--q has " + std::to_string(q.size()) + " head(s) but --k has " + std::to_string(k.size()));
    nlohmann::json report{{"command", "learn"}, {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    report["timings_ms"]["load"] = clock.lap_ms();
    const LearnResult r = learn_hash(q, k, o.learn);
    report["timings_ms"]["train"] = clock.lap_ms();
    save_learned_hash(r.model, o.out);
    report["timings_ms"]["write"] = clock.lap_ms();
    const LearnOptions& l = o.learn;
    report["parameters"] = {{"bits", l.bits},   {"hidden", l.hidden},        {"top", l.top},
                            {"epochs", l.epochs}, {"batch", l.batch},        {"keys_per_step", l.keys_per_step},
                            {"learning_rate", l.learning_rate}, {"positive_weight", l.positive_weight},
                            {"threshold", l.threshold}, {"seed", l.seed}, {"threads", l.threads},
                            {"causal", l.causal}};
    report["shapes"] = {{"heads", q.size()}, {"q", shape_json(q[0].rows(), q[0].cols())},
                        {"k", shape_json(k[0].rows(), k[0].cols())}};
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : r.curve)
        curve.push_back({{"head", p.head}, {"epoch", p.epoch}, {"loss", p.loss}, {"recall", p.recall}, {"seconds", p.seconds}});
    report["curve"] = curve;
    report["metrics"] = {{"k", l.top}, {"train_recall_at_k", r.curve.back().recall}};
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

}  // namespace

Command add_learn_command(CLI::App& root) {
    auto o = std::make_shared<LearnCommandOptions>();
    LearnOptions& l = o->learn;
    CLI::App* app = root.add_subcommand("learn", "Train learned hash codes (HashAttention) on Q/K and save the model");
    app->add_option("--q", o->q, "Queries Q [n_q, d] or [heads, n_q, d] (.npy)")->required();
    app->add_option("--k", o->k, "Keys K [n_k, d] or [heads, n_k, d] (.npy)")->required();
    app->add_option("--bits", l.bits, "Code bits b")->check(CLI::Range(1, kMaxLearnedBits))->default_str("32");
    app->add_option("--top", l.top, "Keys per query counted as pivotal (exact top-k by q.k)")->check(CLI::Range(1, 1 << 30))->default_str("32");
    app->add_option("--epochs", l.epochs, "Passes over the queries")->check(CLI::Range(1, 100000))->default_str("20");
    app->add_option("--seed", l.seed, "Seed for initial weights and minibatch order")->default_str("0");
    app->add_option("--hidden", l.hidden, "Hidden width of each mapping MLP")->check(CLI::Range(1, 65536))->default_str("128");
    app->add_option("--batch", l.batch, "Queries per step")->check(CLI::Range(1, 1 << 20))->default_str("256");
    app->add_option("--keys-per-step", l.keys_per_step, "Keys per step (a fresh sample when there are more)")
        ->check(CLI::Range(1, 1 << 30))
        ->default_str("4096");
    app->add_option("--learning-rate", l.learning_rate, "Adam step size")->check(CLI::Range(1e-9, 10.0))->default_str("0.003");
    app->add_option("--positive-weight", l.positive_weight, "Weight of pivotal pairs in the loss")
        ->check(CLI::Range(1e-6, 1e6))
        ->default_str("20");
    app->add_flag("--causal", l.causal, "Q/K of one sequence: query i's targets are among keys j <= i + (n_k - n_q)");
    app->add_option("--threads", l.threads, "Worker threads (results repeat for a fixed seed and thread count)")
        ->check(CLI::Range(1, 256))
        ->default_str("2");
    app->add_option("--out", o->out, "Model file (format in core/learned_hash.hpp)")->required();
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("learn", [&] {
                    if (o->common.precision == Precision::f64) run_learn<double>(*o);
                    else run_learn<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
