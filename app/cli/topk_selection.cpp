#include "app/cli/topk_selection.hpp"

#include "app/cli/gpu_choice.hpp"
#include "core/group_selection.hpp"
#include "core/hamming_topk.hpp"
#include "core/learned_hash.hpp"
#include "core/metrics.hpp"
#include "core/simhash.hpp"

namespace hashscope::cli {

void add_selection_options(CLI::App& app, SelectionOptions& o) {
    app.add_option("--planes", o.planes, "SimHash hyperplane normals P [d, b] (.npy)");
    app.add_option("--hash-model", o.hash_model, "Learned hash model from `hashscope learn`");
    app.add_option("--bits", o.bits, "SimHash: draw b planes from --seed; learned: the model must make b-bit codes")
        ->check(CLI::Range(1, 4096));
    app.add_option("--head", o.head, "Head of the learned model to use")->check(CLI::Range(0, 4095))->default_str("0");
    app.add_option("--top", o.top, "Keys kept per query, sinks and window included")->check(CLI::Range(1, 1 << 30))->default_str("32");
    app.add_option("--sinks", o.sinks, "First S keys always kept")->check(CLI::Range(0, 1 << 30))->default_str("0");
    app.add_option("--window", o.window, "Last W visible keys always kept")->check(CLI::Range(0, 1 << 30))->default_str("0");
}

namespace {

// SimHash's planes [d, b]: --planes, or --bits drawn from --seed.
template <class T>
Matrix<T> simhash_planes(const SelectionOptions& o, int d, nlohmann::json& report) {
    if (!o.hash_model.empty()) throw InputError("--hash-model conflicts with --method " + o.method);
    Matrix<T> planes;
    if (!o.planes.empty()) {
        if (o.bits) throw InputError("--bits conflicts with --planes (whose columns fix it)");
        if (o.seed_flag && o.seed_flag->count()) throw InputError("--seed conflicts with --planes");
        planes = load_matrix<T>(o.planes, "--planes");
        if (planes.rows() != d)
            throw InputError("--planes " + o.planes + ": has d = " + std::to_string(planes.rows()) +
                             " but the queries have d = " + std::to_string(d));
    } else {
        if (o.bits == 0) throw InputError("--planes or --bits is required for SimHash");
        planes = random_planes<T>(d, o.bits, o.seed);
        report["parameters"]["seed"] = o.seed;
    }
    report["parameters"]["bits"] = planes.cols();
    return planes;
}

template <class T>
std::pair<PackedCodes, PackedCodes> code_pair(const SelectionOptions& o, const Matrix<T>& q, const Matrix<T>& k,
                                              nlohmann::json& report) {
    if (o.method == "learned") {
        if (o.hash_model.empty()) throw InputError("--hash-model is required for --method learned");
        if (!o.planes.empty()) throw InputError("--planes conflicts with --method learned");
        const LearnedHashModel model = load_learned_hash(o.hash_model);
        check_learned_model(model, int(q.cols()), o.bits, "--hash-model " + o.hash_model);
        if (o.head >= int(model.heads.size()))
            throw InputError("--head " + std::to_string(o.head) + ": the model has " + std::to_string(model.heads.size()) +
                             " head(s)");
        report["parameters"]["bits"] = model.bits;
        report["parameters"]["head"] = o.head;
        return {learned_codes(model, o.head, HashSide::query, q), learned_codes(model, o.head, HashSide::key, k)};
    }
    const Matrix<T> planes = simhash_planes<T>(o, int(q.cols()), report);
    return {simhash_codes(q, planes), simhash_codes(k, planes)};
}

// Exact top-k takes no hashing flags, and no more keys than there are.
void check_exact(const SelectionOptions& o, Eigen::Index keys) {
    if (o.sinks || o.window) throw InputError("--sinks and --window apply to the hashed methods, not --method exact");
    if (!o.planes.empty() || !o.hash_model.empty() || o.bits)
        throw InputError("--planes, --bits and --hash-model do not apply to --method exact");
    if (o.top > keys)
        throw InputError("--top " + std::to_string(o.top) + " exceeds the number of keys (" + std::to_string(keys) + ")");
}

void check_and_report_budget(const SelectionOptions& o, Eigen::Index q_cols, Eigen::Index k_cols, nlohmann::json& report) {
    if (q_cols != k_cols)
        throw InputError("--q has d = " + std::to_string(q_cols) + " but --k has d = " + std::to_string(k_cols));
    report["parameters"]["top"] = o.top;
    report["parameters"]["sinks"] = o.sinks;
    report["parameters"]["window"] = o.window;
}

}  // namespace

HammingTopKOptions hamming_options(const SelectionOptions& o) {
    return {.top = o.top, .sinks = o.sinks, .window = o.window, .causal = o.causal};
}

template <class T>
std::pair<PackedCodes, PackedCodes> selection_codes(const SelectionOptions& o, const Matrix<T>& q, const Matrix<T>& k,
                                                    nlohmann::json& report, Stopwatch& clock) {
    check_and_report_budget(o, q.cols(), k.cols(), report);
    auto codes = code_pair(o, q, k, report);
    report["timings_ms"]["hash"] = clock.lap_ms();
    report["memory_bytes"]["codes"] = (codes.first.words.size() + codes.second.words.size()) * sizeof(std::uint32_t);
    return codes;
}

template <class T>
std::vector<std::vector<std::int32_t>> select_keys(const SelectionOptions& o, const Matrix<T>& q, const Matrix<T>& k,
                                                   nlohmann::json& report, Stopwatch& clock) {
    if (o.method == "exact") {
        report_cpu(o.gpu, "topk", report, "--method exact has no GPU kernel");
        check_and_report_budget(o, q.cols(), k.cols(), report);
        check_exact(o, k.rows());
        auto rows = exact_top_k(q, k, o.top, o.causal);
        report["timings_ms"]["select"] = clock.lap_ms();
        return rows;
    }
    const auto codes = selection_codes(o, q, k, report, clock);
    const PackedCodes &qc = codes.first, &kc = codes.second;  // named, not bound: lambdas below capture them
    auto rows = gpu_or_cpu<std::vector<std::vector<std::int32_t>>>(
        o.gpu, "topk", report, [&] { return gpu::hamming_topk(qc, kc, hamming_options(o)); },
        [&] { return hamming_topk(qc, kc, hamming_options(o)).selected; });
    report["timings_ms"]["select"] = clock.lap_ms();
    return rows;
}

template <class T>
GroupSelections select_shared_keys(const char* command, const SelectionOptions& o, const std::vector<Matrix<T>>& q,
                                   const std::vector<Matrix<T>>& k, nlohmann::json& report, Stopwatch& clock) {
    if (o.method == "learned")
        throw InputError("--shared applies to --method simhash and exact: a learned model codes each head's keys its own way");
    check_groups(q, k, "--q", "--k");
    check_and_report_budget(o, q[0].cols(), k[0].cols(), report);
    report_cpu(o.gpu, command, report, "--shared selects for a whole sequence on the CPU (the GPU shares selections in decode)");
    GroupSelections out;
    if (o.method == "exact") {
        check_exact(o, k[0].rows());
        out = exact_group_selections(q, k, o.top, o.causal);
    } else {
        const Matrix<T> planes = simhash_planes<T>(o, int(q[0].cols()), report);
        out = simhash_group_selections(q, k, planes, hamming_options(o));
    }
    report["timings_ms"]["select"] = clock.lap_ms();
    return out;
}

nlohmann::json mean_and_by_head(const std::vector<double>& by_head) {
    return {{"mean", mean_of(by_head)}, {"by_head", by_head}};
}

NpyArray selection_to_npy(const std::vector<std::vector<std::int32_t>>& rows, int width) {
    std::vector<std::int32_t> flat(rows.size() * std::size_t(width), -1);
    for (std::size_t i = 0; i < rows.size(); ++i)
        std::copy(rows[i].begin(), rows[i].end(), flat.begin() + std::ptrdiff_t(i * std::size_t(width)));
    return make_npy<std::int32_t>(flat, {std::int64_t(rows.size()), width});
}

template std::pair<PackedCodes, PackedCodes> selection_codes<float>(const SelectionOptions&, const Matrix<float>&,
                                                                    const Matrix<float>&, nlohmann::json&, Stopwatch&);
template std::pair<PackedCodes, PackedCodes> selection_codes<double>(const SelectionOptions&, const Matrix<double>&,
                                                                     const Matrix<double>&, nlohmann::json&, Stopwatch&);
template std::vector<std::vector<std::int32_t>> select_keys<float>(const SelectionOptions&, const Matrix<float>&,
                                                                   const Matrix<float>&, nlohmann::json&, Stopwatch&);
template std::vector<std::vector<std::int32_t>> select_keys<double>(const SelectionOptions&, const Matrix<double>&,
                                                                    const Matrix<double>&, nlohmann::json&, Stopwatch&);
template GroupSelections select_shared_keys<float>(const char*, const SelectionOptions&, const std::vector<Matrix<float>>&,
                                                   const std::vector<Matrix<float>>&, nlohmann::json&, Stopwatch&);
template GroupSelections select_shared_keys<double>(const char*, const SelectionOptions&, const std::vector<Matrix<double>>&,
                                                    const std::vector<Matrix<double>>&, nlohmann::json&, Stopwatch&);

}  // namespace hashscope::cli
