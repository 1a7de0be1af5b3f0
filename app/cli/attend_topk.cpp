#include "app/cli/attend_topk.hpp"

#include "app/cli/gpu_choice.hpp"
#include "core/dense_attention.hpp"
#include "core/group_selection.hpp"
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

template <class T>
void run_shared_topk_attend(SelectionOptions selection, const TopKAttendInputs& in, nlohmann::json& report, Stopwatch& clock) {
    for (const auto& [value, flag] : {std::pair{in.q, "--q"}, std::pair{in.k, "--k"}, std::pair{in.v, "--v"}})
        if (value.empty()) throw InputError(std::string(flag) + " is required for --method simhash-topk");
    selection.method = "simhash";
    const auto q = load_heads<T>(in.q, "--q"), k = load_heads<T>(in.k, "--k"), v = load_heads<T>(in.v, "--v");
    if (v.size() != k.size())
        throw InputError("--v has " + std::to_string(v.size()) + " heads but --k has " + std::to_string(k.size()));
    check_groups(q, k, "--q", "--k");
    for (std::size_t j = 0; j < k.size(); ++j) check_attention_shapes(q[0], k[j], v[j]);
    report["timings_ms"]["load"] = clock.lap_ms();
    const GroupSelections selections = select_shared_keys("attend", selection, q, k, report, clock);
    const std::size_t group = q.size() / k.size();
    std::vector<T> values;  // [heads, n, dv]
    std::vector<Matrix<T>> shared_out;
    for (std::size_t h = 0; h < q.size(); ++h) {
        shared_out.push_back(sparse_attention(q[h], k[h / group], v[h / group], selections.shared[h / group]).output);
        values.insert(values.end(), shared_out.back().data(), shared_out.back().data() + shared_out.back().size());
    }
    report["timings_ms"]["attend"] = clock.lap_ms();
    const std::int64_t n = q[0].rows(), dv = v[0].cols();
    write_outputs({{in.out, make_npy<T>(values, {std::int64_t(q.size()), n, dv})}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["parameters"]["shared"] = true;
    report["parameters"]["group"] = group;
    report["shapes"] = {{"q", {q.size(), n, q[0].cols()}}, {"k", {k.size(), k[0].rows(), k[0].cols()}},
                        {"v", {v.size(), v[0].rows(), dv}}, {"out", {q.size(), n, dv}}};
    const std::size_t dense_bytes = dense_score_bytes(n, k[0].rows(), sizeof(T));
    report["memory_bytes"]["dense_scores"] = dense_bytes;
    if (dense_bytes > in.budget_bytes) return;
    // Each head against its dense attention, with the shared selection and with its own.
    std::vector<double> error[2], recall[2], mass[2];
    for (std::size_t h = 0; h < q.size(); ++h) {
        const Matrix<T>& keys = k[h / group];
        const Matrix<T>& vals = v[h / group];
        const DenseTrace<T> full = dense_attention(q[h], keys, vals, {.causal = selection.causal, .memory_budget_bytes = in.budget_bytes});
        const auto truth = top_k_by_weight(full.probabilities, in.recall_k);
        const std::vector<std::vector<std::int32_t>>* picks[2] = {&selections.shared[h / group], &selections.own[h]};
        for (int which = 0; which < 2; ++which) {
            const Matrix<T> out = which == 0 ? shared_out[h] : sparse_attention(q[h], keys, vals, *picks[which]).output;
            error[which].push_back(relative_l2_error(out, full.output));
            recall[which].push_back(recall_at_k(truth, *picks[which]));
            mass[which].push_back(attention_mass(full.probabilities, *picks[which]));
        }
    }
    report["timings_ms"]["full_attention"] = clock.lap_ms();
    report["metrics"]["k"] = in.recall_k;
    for (int which = 0; which < 2; ++which)
        report["metrics"][which == 0 ? "shared" : "own"] = {{"relative_l2_error", mean_and_by_head(error[which])},
                                                            {"recall_at_k", mean_and_by_head(recall[which])},
                                                            {"attention_mass", mean_and_by_head(mass[which])}};
}

template void run_topk_attend<float>(const std::string&, SelectionOptions, const TopKAttendInputs&, nlohmann::json&,
                                     Stopwatch&);
template void run_topk_attend<double>(const std::string&, SelectionOptions, const TopKAttendInputs&, nlohmann::json&,
                                      Stopwatch&);
template void run_shared_topk_attend<float>(SelectionOptions, const TopKAttendInputs&, nlohmann::json&, Stopwatch&);
template void run_shared_topk_attend<double>(SelectionOptions, const TopKAttendInputs&, nlohmann::json&, Stopwatch&);

}  // namespace hashscope::cli
