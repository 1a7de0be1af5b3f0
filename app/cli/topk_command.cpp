// `hashscope topk`: which keys each query keeps under a top-k method.
//   --method simhash|learned|exact (--planes P.npy | --bits B [--seed S] | --hash-model MODEL [--head H])
//   --q Q.npy --k K.npy --top K [--sinks S] [--window W] [--causal] --out IDX.npy
// writes int32 [n_q, K]: each query's keys nearest first, -1 past the end of a shorter (causal) row.
// --json adds recall@K against the exact top-K by q.k and the time taken. --gpu selects on the GPU
// when there is one (simhash, learned; the same file), else on the CPU (gpu_choice.hpp).
// --shared (simhash, exact): Q [heads, n_q, d] and K [kv_heads, n_k, d] (capture's layout; [n, d]
// is one head), each KV head's group of query heads keeping one selection (topk_selection.hpp);
// writes int32 [kv_heads, n_q, K], and --json gives recall@K per query head for the shared
// selection and for the head's own, so the cost of sharing is one subtraction.
#include <iostream>
#include <memory>

#include "app/cli/command.hpp"
#include "app/cli/gpu_choice.hpp"
#include "app/cli/topk_selection.hpp"
#include "core/metrics.hpp"

namespace hashscope::cli {
namespace {

struct TopKOptions {
    CommonOptions common;
    SelectionOptions selection;
    bool shared = false;
    std::string q, k, out;
};

template <class T>
void run_topk(const TopKOptions& o) {
    Stopwatch clock, total;
    nlohmann::json report{{"command", "topk"}, {"method", o.selection.method},
                          {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    const Matrix<T> q = load_matrix<T>(o.q, "--q"), k = load_matrix<T>(o.k, "--k");
    report["timings_ms"]["load"] = clock.lap_ms();
    const auto selected = select_keys(o.selection, q, k, report, clock);
    const double select_total = total.lap_ms() - report["timings_ms"]["load"].get<double>();
    write_outputs({{o.out, selection_to_npy(selected, o.selection.top)}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["timings_ms"]["total_selection"] = select_total;
    report["parameters"]["causal"] = o.selection.causal;
    report["shapes"] = {{"q", shape_json(q.rows(), q.cols())}, {"k", shape_json(k.rows(), k.cols())},
                        {"out", shape_json(q.rows(), o.selection.top)}};
    if (o.common.json) {
        const auto truth = exact_top_k(q, k, o.selection.top, o.selection.causal);
        report["timings_ms"]["exact_top_k"] = clock.lap_ms();
        report["metrics"] = {{"k", o.selection.top}, {"recall_at_k", recall_at_k(truth, selected)}};
    }
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

template <class T>
void run_shared_topk(const TopKOptions& o) {
    Stopwatch clock;
    nlohmann::json report{{"command", "topk"}, {"method", o.selection.method},
                          {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    const auto q = load_heads<T>(o.q, "--q"), k = load_heads<T>(o.k, "--k");
    report["timings_ms"]["load"] = clock.lap_ms();
    const GroupSelections selection = select_shared_keys("topk", o.selection, q, k, report, clock);
    const std::int64_t n_q = q[0].rows(), width = o.selection.top;
    std::vector<std::vector<std::int32_t>> rows;  // the KV heads' selections one after another
    for (const auto& head : selection.shared) rows.insert(rows.end(), head.begin(), head.end());
    NpyArray out = selection_to_npy(rows, o.selection.top);
    out.shape = {std::int64_t(k.size()), n_q, width};
    write_outputs({{o.out, out}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["parameters"]["causal"] = o.selection.causal;
    report["parameters"]["shared"] = true;
    report["parameters"]["group"] = q.size() / k.size();
    report["shapes"] = {{"q", {q.size(), n_q, q[0].cols()}}, {"k", {k.size(), k[0].rows(), k[0].cols()}},
                        {"out", {k.size(), n_q, width}}};
    if (o.common.json) {
        const GroupRecall recall = group_recall(q, k, selection, o.selection.top, o.selection.causal);
        report["metrics"] = {{"k", o.selection.top},
                             {"recall_at_k_shared", mean_and_by_head(recall.shared)},
                             {"recall_at_k_own", mean_and_by_head(recall.own)}};
        report["timings_ms"]["exact_top_k"] = clock.lap_ms();
    }
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

}  // namespace

Command add_topk_command(CLI::App& root) {
    auto o = std::make_shared<TopKOptions>();
    CLI::App* app = root.add_subcommand("topk", "Keys each query keeps: Hamming top-k of SimHash/learned codes, or exact");
    app->add_option("--method", o->selection.method, "simhash | learned | exact")
        ->check(CLI::IsMember({"simhash", "learned", "exact"}))
        ->required();
    app->add_option("--q", o->q, "Queries Q [n_q, d] (.npy); with --shared [heads, n_q, d]")->required();
    app->add_option("--k", o->k, "Keys K [n_k, d] (.npy); with --shared [kv_heads, n_k, d]")->required();
    app->add_flag("--shared", o->shared,
                  "One selection per KV head for its group of query heads (simhash: summed distances; exact: summed "
                  "scores); writes [kv_heads, n_q, K]");
    add_selection_options(*app, o->selection);
    app->add_flag("--causal", o->selection.causal, "Query i sees keys j <= i + (n_k - n_q)");
    add_gpu_flag(*app, o->selection.gpu, "the Hamming selection (simhash, learned)");
    o->selection.seed_flag = app->add_option("--seed", o->selection.seed, "Seed for drawing SimHash planes")->default_str("0");
    app->add_option("--out", o->out, "Key indices int32 [n_q, K] (.npy), nearest first, -1 padded")->required();
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("topk", [&] {
                    const bool f64 = o->common.precision == Precision::f64;
                    if (o->shared) f64 ? run_shared_topk<double>(*o) : run_shared_topk<float>(*o);
                    else f64 ? run_topk<double>(*o) : run_topk<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
