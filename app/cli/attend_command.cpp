// `hashscope attend`: run one attention method over .npy operands and write its output.
//   --method dense    --q Q.npy --k K.npy --v V.npy [--causal] --out O.npy
//   --method reformer --qk X.npy --v V.npy (--rotations R.npy | --n-hashes H --n-buckets NB --seed S)
//                     --chunk C [--causal] --out O.npy [--buckets-out B.npy]
//   --method crypto   --algo A --bits B --route query|key|lsh --aggregate mean|softmax [--rounds R] [--causal]
//                     --q Q.npy --k K.npy --v V.npy --out O.npy   (flags and body in crypto_attend.cpp)
//   --method learned | simhash-topk: see app/cli/attend_topk.hpp
// --gpu runs dense, reformer, learned and simhash-topk on the GPU when there is one (gpu_choice.hpp).
#include <iostream>
#include <memory>
#include <optional>

#include "app/cli/attend_topk.hpp"
#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/crypto_attend.hpp"
#include "app/cli/gpu_choice.hpp"
#include "core/dense_attention.hpp"
#include "core/metrics.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope::cli {
namespace {

struct AttendOptions {
    CommonOptions common;
    std::string method = "dense";
    std::string q, k, v, qk, rotations, out, buckets_out;
    bool causal = false;
    bool gpu = false;
    bool shared = false;  // simhash-topk over grouped-query heads (attend_topk.hpp)
    int chunk = 0;
    int n_hashes = 4;
    int n_buckets = 16;
    std::uint64_t seed = 0;
    double max_memory_mb = 2048;
    int recall_k = 32;
    const CLI::Option* n_hashes_flag = nullptr;
    const CLI::Option* n_buckets_flag = nullptr;
    const CLI::Option* seed_flag = nullptr;
    CryptoAttendOptions crypto;
    SelectionOptions selection;  // learned, simhash-topk
};

void require(const std::string& value, const std::string& flag, const std::string& method) {
    if (value.empty()) throw InputError(flag + " is required for --method " + method);
}

std::size_t budget_bytes(const AttendOptions& o) { return std::size_t(o.max_memory_mb * 1024 * 1024); }

// --rotations holds [d, n_hashes, n_buckets/2] (a 2-D [d, n_buckets/2] file is one round).
template <class T>
std::vector<Matrix<T>> load_rotations(const std::string& path) {
    const NpyArray a = read_npy(path);
    const std::string what = "--rotations " + path;
    if (a.dtype != DType::f32 && a.dtype != DType::f64)
        throw InputError(what + ": expected float32 or float64 data, got " + dtype_name(a.dtype));
    if (a.shape.size() != 2 && a.shape.size() != 3)
        throw InputError(what + ": expected shape [d, n_hashes, n_buckets/2], got " + a.shape_string());
    const auto d = a.shape[0], rounds = a.shape.size() == 3 ? a.shape[1] : 1, half = a.shape.back();
    const auto values = npy_values<T>(a);
    std::vector<Matrix<T>> rotations(std::size_t(rounds), Matrix<T>(d, half));
    for (std::int64_t i = 0; i < d; ++i)
        for (std::int64_t h = 0; h < rounds; ++h)
            for (std::int64_t b = 0; b < half; ++b)
                rotations[std::size_t(h)](i, b) = values[std::size_t((i * rounds + h) * half + b)];
    for (const auto& r : rotations) require_finite(r, what);
    return rotations;
}

template <class T>
void run_dense(const AttendOptions& o, nlohmann::json& report, Stopwatch& clock) {
    require(o.q, "--q", o.method);
    require(o.k, "--k", o.method);
    require(o.v, "--v", o.method);
    const Matrix<T> q = load_matrix<T>(o.q, "--q"), k = load_matrix<T>(o.k, "--k"), v = load_matrix<T>(o.v, "--v");
    report["timings_ms"]["load"] = clock.lap_ms();
    const Matrix<T> output = gpu_or_cpu<Matrix<T>>(
        o.gpu, "attend", report,
        [&] {
            require_float_for_gpu<T>();
            return Matrix<T>(gpu::dense_attention(q.template cast<float>(), k.template cast<float>(), v.template cast<float>(),
                                                  o.causal).output.template cast<T>());
        },
        [&] { return dense_attention(q, k, v, {.causal = o.causal, .memory_budget_bytes = budget_bytes(o)}).output; });
    report["timings_ms"]["attend"] = clock.lap_ms();
    write_outputs({{o.out, matrix_to_npy(output)}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["shapes"] = {{"q", shape_json(q.rows(), q.cols())}, {"k", shape_json(k.rows(), k.cols())},
                        {"v", shape_json(v.rows(), v.cols())}, {"out", shape_json(output.rows(), output.cols())}};
    report["memory_bytes"] = {{"dense_scores", dense_score_bytes(q.rows(), k.rows(), sizeof(T))}};
}

template <class T>
void run_reformer(const AttendOptions& o, nlohmann::json& report, Stopwatch& clock) {
    require(o.qk, "--qk", o.method);
    require(o.v, "--v", o.method);
    if (o.chunk == 0) throw InputError("--chunk is required for --method reformer");
    const Matrix<T> x = load_matrix<T>(o.qk, "--qk"), v = load_matrix<T>(o.v, "--v");
    ReformerConfig config{.n_hashes = o.n_hashes, .n_buckets = o.n_buckets, .chunk = o.chunk, .causal = o.causal};
    std::vector<Matrix<T>> rotations;
    if (!o.rotations.empty()) {
        for (const auto* flag : {o.n_hashes_flag, o.seed_flag})
            if (flag->count()) throw InputError(flag->get_name() + " conflicts with --rotations (which fixes it)");
        rotations = load_rotations<T>(o.rotations);
        config.n_hashes = int(rotations.size());
        const int from_file = int(rotations[0].cols()) * 2;
        if (o.n_buckets_flag->count() && from_file != o.n_buckets)
            throw InputError("--n-buckets " + std::to_string(o.n_buckets) + " disagrees with --rotations " + o.rotations +
                             " (" + std::to_string(from_file) + " buckets)");
        config.n_buckets = from_file;
    } else {
        check_reformer_config(config);
        rotations = random_rotations<T>(int(x.cols()), config, o.seed);
    }
    report["timings_ms"]["load"] = clock.lap_ms();
    struct Outcome {
        Matrix<T> output;
        std::vector<std::vector<std::int32_t>> buckets;  // [round][position]
        bool standard_attention = false;
    };
    std::optional<ReformerTrace<T>> trace;  // the CPU's: the metrics need its chunks
    const Outcome t = gpu_or_cpu<Outcome>(
        o.gpu, "attend", report,
        [&] {
            require_float_for_gpu<T>();
            std::vector<Matrix<float>> rotations_f;
            for (const auto& r : rotations) rotations_f.push_back(r.template cast<float>());
            auto g = gpu::reformer_attention({x.template cast<float>()}, {v.template cast<float>()}, {rotations_f}, config);
            return Outcome{g[0].output.template cast<T>(), std::move(g[0].buckets), g[0].standard_attention};
        },
        [&] {
            trace = reformer_attention(x, v, rotations, config);
            return Outcome{trace->output, trace->buckets, trace->standard_attention};
        });
    report["timings_ms"]["attend"] = clock.lap_ms();

    std::vector<std::pair<std::string, NpyArray>> outputs{{o.out, matrix_to_npy(t.output)}};
    if (!o.buckets_out.empty()) {
        std::vector<std::int32_t> flat;
        for (const auto& round : t.buckets) flat.insert(flat.end(), round.begin(), round.end());
        outputs.emplace_back(o.buckets_out, make_npy<std::int32_t>(flat, {config.n_hashes, x.rows()}));
    }
    write_outputs(outputs);
    report["timings_ms"]["write"] = clock.lap_ms();

    report["parameters"] = {{"n_hashes", config.n_hashes}, {"n_buckets", config.n_buckets}, {"chunk", config.chunk},
                            {"causal", config.causal}, {"standard_attention", t.standard_attention}};
    if (o.rotations.empty()) report["parameters"]["seed"] = o.seed;
    report["shapes"] = {{"qk", shape_json(x.rows(), x.cols())}, {"v", shape_json(v.rows(), v.cols())},
                        {"out", shape_json(t.output.rows(), t.output.cols())}};
    report["memory_bytes"] = {
        {"dense_scores", dense_score_bytes(x.rows(), x.rows(), sizeof(T))},
        {"reformer", total_bytes(reformer_memory(x.rows(), x.cols(), v.cols(), config, sizeof(T)))}};

    // Full attention with the same keys and masks is what the hashing approximates.
    if (!trace) report["metrics_note"] = "the metrics need the CPU's chunks: run without --gpu for them";
    else if (dense_score_bytes(x.rows(), x.rows(), sizeof(T)) <= budget_bytes(o)) {
        const DenseTrace<T> full = reformer_full_attention(x, v, config.causal);
        const auto reached = reformer_reached_keys(*trace);
        report["timings_ms"]["full_attention"] = clock.lap_ms();
        report["metrics"] = {{"relative_l2_error", relative_l2_error(t.output, full.output)},
                             {"k", o.recall_k},
                             {"recall_at_k", recall_at_k(top_k_by_weight(full.probabilities, o.recall_k), reached)},
                             {"attention_mass", attention_mass(full.probabilities, reached)}};
    }
}

template <class T>
void run_attend(const AttendOptions& o) {
    Stopwatch clock;
    nlohmann::json report{{"command", "attend"}, {"method", o.method},
                          {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    if (o.shared && o.method != "simhash-topk")
        throw InputError("--shared applies to --method simhash-topk, not " + o.method +
                         (o.method == "learned" ? " (a learned model codes each head's keys its own way)" : ""));
    if (o.method == "dense") run_dense<T>(o, report, clock);
    else if (o.method == "crypto") {
        CryptoAttendOptions crypto = o.crypto;
        crypto.bits = o.selection.bits;
        crypto.planes = o.selection.planes;
        report_cpu(o.gpu, "attend", report, "--method crypto has no GPU kernel");
        run_crypto_attend<T>(crypto, {o.q, o.k, o.v, o.out, o.causal, o.seed, budget_bytes(o)}, report, clock);
    }
    else if (o.method == "reformer") run_reformer<T>(o, report, clock);
    else {
        SelectionOptions selection = o.selection;
        selection.causal = o.causal;
        selection.seed = o.seed;
        selection.seed_flag = o.seed_flag;
        const TopKAttendInputs inputs{o.q, o.k, o.v, o.out, budget_bytes(o), o.recall_k, o.gpu, o.shared};
        if (o.shared) run_shared_topk_attend<T>(selection, inputs, report, clock);
        else run_topk_attend<T>(o.method, selection, inputs, report, clock);
    }
    report["causal"] = o.causal;
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

}  // namespace

Command add_attend_command(CLI::App& root) {
    auto o = std::make_shared<AttendOptions>();
    CLI::App* app = root.add_subcommand("attend", "Run an attention method over .npy operands");
    app->add_option("--method", o->method, "dense | reformer | crypto | learned | simhash-topk")
        ->check(CLI::IsMember({"dense", "reformer", "crypto", "learned", "simhash-topk"}))
        ->default_str("dense");
    app->add_option("--q", o->q, "Queries Q [n, d] (.npy): dense, crypto, learned, simhash-topk");
    app->add_option("--k", o->k, "Keys K [m, d] (.npy): dense, crypto, learned, simhash-topk");
    app->add_option("--v", o->v, "Values V [m, dv] (.npy)");
    app->add_option("--qk", o->qk, "Shared query/key vectors X [n, d] (.npy), reformer");
    app->add_option("--rotations", o->rotations, "Random rotations R [d, n_hashes, n_buckets/2] (.npy), reformer");
    app->add_option("--chunk", o->chunk, "Slots per chunk; n * n_hashes must be a multiple, reformer")->check(CLI::Range(1, 1 << 30));
    o->n_hashes_flag = app->add_option("--n-hashes", o->n_hashes, "Hash rounds when drawing rotations")->check(CLI::Range(1, 64))->default_str("4");
    o->n_buckets_flag = app->add_option("--n-buckets", o->n_buckets, "Buckets per round (even)")->check(CLI::Range(2, 1 << 16))->default_str("16");
    o->seed_flag = app->add_option("--seed", o->seed, "Seed for drawing rotations (reformer) or LSH planes (crypto --route lsh)")->default_str("0");
    app->add_flag("--causal", o->causal, "Mask keys after each query");
    add_gpu_flag(*app, o->gpu, "dense, reformer, learned and simhash-topk");
    app->add_flag("--shared", o->shared,
                  "simhash-topk: Q [heads, n, d], K and V [kv_heads, m, d|dv], one selection per KV head for its group; "
                  "O [heads, n, dv]");
    app->add_option("--out", o->out, "Output O [n, dv] (.npy)")->required();
    app->add_option("--buckets-out", o->buckets_out, "Buckets B [n_hashes, n] int32 without round offsets (.npy), reformer");
    app->add_option("--max-memory-mb", o->max_memory_mb, "Refuse score matrices larger than this")->check(CLI::Range(1.0, 1e9))->default_str("2048");
    app->add_option("--recall-k", o->recall_k, "k of the recall@k reported by --json (true top-k of full attention)")
        ->check(CLI::Range(1, 1 << 20))
        ->default_str("32");
    add_crypto_attend_options(*app, o->crypto);
    add_selection_options(*app, o->selection);
    app->get_option("--bits")->description("crypto: bucket bits 1..32; simhash-topk: planes drawn from --seed; "
                                           "learned: the bit count the model must have");
    app->get_option("--planes")->description("SimHash planes P [d, b] (.npy): simhash-topk codes, or crypto sign codes");
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("attend", [&] {
                    if (o->common.precision == Precision::f64) run_attend<double>(*o);
                    else run_attend<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
