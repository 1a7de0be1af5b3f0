#include "app/cli/attend_topk.hpp"

#include "app/cli/gpu_choice.hpp"
#include "core/dense_attention.hpp"
#include "core/metrics.hpp"
#include "core/sparse_attention.hpp"

namespace hashscope::cli {

template <class T>
void run_topk_attend(const std::string& method, SelectionOptions selection, const TopKAttendInputs& in,
                     nlohmann::json& report, Stopwatch& clock) {
    for (const auto& [value, flag] : {std::pair{in.q, "--q"}, std::pair{in.k, "--k"}, std::pair{in.v, "--v"}})
        if (value.empty()) throw InputError(std::string(flag) + " is required for --method " + method);
    selection.method = method == "learned" ? "learned" : "simhash";
    const Matrix<T> q = load_matrix<T>(in.q, "--q"), k = load_matrix<T>(in.k, "--k"), v = load_matrix<T>(in.v, "--v");
    check_attention_shapes(q, k, v);
    report["timings_ms"]["load"] = clock.lap_ms();
    const auto codes = selection_codes(selection, q, k, report, clock);
    const PackedCodes &qc = codes.first, &kc = codes.second;  // named, not bound: lambdas below capture them
    const HammingTopKOptions options = hamming_options(selection);
    struct Outcome {
        std::vector<std::vector<std::int32_t>> selected;
        Matrix<T> output;
    };
    const Outcome t = gpu_or_cpu<Outcome>(
        in.gpu, "attend", report,
        [&] {
            require_float_for_gpu<T>();
            auto g = gpu::hamming_prefill({q.template cast<float>()}, {qc}, {k.template cast<float>()}, {v.template cast<float>()},
                                          {kc}, options);
            return Outcome{std::move(g.selected[0]), g.output[0].template cast<T>()};
        },
        [&] {
            auto selected = hamming_topk(qc, kc, options).selected;
            report["timings_ms"]["select"] = clock.lap_ms();
            Matrix<T> output = sparse_attention(q, k, v, selected).output;
            return Outcome{std::move(selected), std::move(output)};
        });
    const auto& selected = t.selected;
    report["timings_ms"]["attend"] = clock.lap_ms();
    write_outputs({{in.out, matrix_to_npy(t.output)}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["parameters"]["sparsity"] = double(k.rows()) / double(selection.top);
    report["shapes"] = {{"q", shape_json(q.rows(), q.cols())}, {"k", shape_json(k.rows(), k.cols())},
                        {"v", shape_json(v.rows(), v.cols())}, {"out", shape_json(t.output.rows(), t.output.cols())}};
    report["memory_bytes"]["dense_scores"] = dense_score_bytes(q.rows(), k.rows(), sizeof(T));
    if (dense_score_bytes(q.rows(), k.rows(), sizeof(T)) <= in.budget_bytes) {
        const DenseTrace<T> full =
            dense_attention(q, k, v, {.causal = selection.causal, .memory_budget_bytes = in.budget_bytes});
        report["timings_ms"]["full_attention"] = clock.lap_ms();
        report["metrics"] = {{"relative_l2_error", relative_l2_error(t.output, full.output)},
                             {"k", in.recall_k},
                             {"recall_at_k", recall_at_k(top_k_by_weight(full.probabilities, in.recall_k), selected)},
                             {"attention_mass", attention_mass(full.probabilities, selected)}};
    }
}

template void run_topk_attend<float>(const std::string&, SelectionOptions, const TopKAttendInputs&, nlohmann::json&,
                                     Stopwatch&);
template void run_topk_attend<double>(const std::string&, SelectionOptions, const TopKAttendInputs&, nlohmann::json&,
                                      Stopwatch&);

}  // namespace hashscope::cli
