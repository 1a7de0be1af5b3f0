#include "app/cli/crypto_attend.hpp"

#include <optional>

#include "core/crypto_attention.hpp"
#include "core/crypto_projection.hpp"
#include "core/dense_attention.hpp"
#include "core/digest.hpp"
#include "core/metrics.hpp"
#include "core/simhash.hpp"

namespace hashscope::cli {

void add_crypto_attend_options(CLI::App& app, CryptoAttendOptions& o) {
    app.add_option("--algo", o.algo, "crypto: sha256 | sha512_256 | blake2s | blake2b | blake3 | xxh3")->default_str("sha256");
    app.add_option("--route", o.route, "crypto: query (its own digest) | key (its token's key) | lsh (SimHash code)")
        ->default_str("key");
    app.add_option("--aggregate", o.aggregate,
                   "crypto: mean | softmax over the bucket | projection (mean, then [mean, 1] W: --projection W.npy, "
                   "else W fitted to dense attention on this input by ridge least squares)")
        ->default_str("mean");
    app.add_option("--projection", o.projection, "crypto: W [dv + 1, dv_out] (.npy) for --aggregate projection");
    app.add_option("--ridge", o.ridge, "crypto: ridge of the fitted projection")->check(CLI::NonNegativeNumber)->default_str("0.001");
    app.add_option("--rounds", o.rounds, "crypto: salted hash rounds, outputs averaged")->default_str("1");
    app.add_option("--salt", o.salt, "crypto: bytes (hex) prepended to every message");
    app.add_option("--quantize", o.quantize, "crypto: none | sign | int8 (default none; sign for --route lsh)");
    app.add_option("--lsh-bits", o.lsh_bits, "crypto --route lsh without --planes: draw this many planes per round (seed + round)")
        ->check(CLI::Range(1, 4096))
        ->default_str("8");
    app.add_option("--load-cap", o.load_cap, "crypto: split buckets holding more keys than this (0 = off)")->default_str("0");
    app.add_option("--threads", o.threads, "crypto: hashing threads")->check(CLI::Range(1, 256))->default_str("1");
}

template <class T>
void run_crypto_attend(const CryptoAttendOptions& o, const AttendOperands& in, nlohmann::json& report, Stopwatch& clock) {
    for (const auto& [value, flag] : {std::pair{in.q, "--q"}, std::pair{in.k, "--k"}, std::pair{in.v, "--v"}})
        if (value.empty()) throw InputError(std::string(flag) + " is required for --method crypto");
    if (o.bits == 0) throw InputError("--bits is required for --method crypto");
    CryptoAttentionConfig<T> c;
    c.hashing.algo = parse_digest_algo(o.algo);
    c.hashing.bits = o.bits;
    c.hashing.threads = o.threads;
    if (!o.salt.empty()) c.hashing.salt = parse_hex(o.salt, "--salt");
    c.route = parse_route(o.route);
    const bool project = o.aggregate == "projection";
    if (!project && !o.projection.empty()) throw InputError("--projection needs --aggregate projection");
    c.aggregate = parse_aggregate(project ? "mean" : o.aggregate);
    c.hashing.quantize = parse_quantize(o.quantize.empty() ? (c.route == CryptoRoute::lsh ? "sign" : "none") : o.quantize);
    c.rounds = o.rounds;
    c.causal = in.causal;
    c.load_cap = o.load_cap;
    const Matrix<T> q = load_matrix<T>(in.q, "--q"), k = load_matrix<T>(in.k, "--k"), v = load_matrix<T>(in.v, "--v");
    if (!o.planes.empty()) c.hashing.planes = load_matrix<T>(o.planes, "--planes");
    else if (c.route == CryptoRoute::lsh)  // fresh planes each round (seed + r), as Reformer's rounds
        for (int r = 0; r < c.rounds; ++r) c.round_planes.push_back(random_planes<T>(int(k.cols()), o.lsh_bits, in.seed + r));
    const Matrix<T> w = o.projection.empty() ? Matrix<T>() : load_matrix<T>(o.projection, "--projection");
    check_crypto_attention(q, k, v, c);
    const bool fits_dense = dense_score_bytes(q.rows(), k.rows(), sizeof(T)) <= in.budget_bytes;
    if (project && w.size() == 0 && !fits_dense)
        throw InputError("--aggregate projection without --projection fits W to dense attention, whose scores exceed --max-memory-mb");
    report["timings_ms"]["load"] = clock.lap_ms();
    CryptoAttentionTrace<T> t = crypto_attention(q, k, v, c);
    report["timings_ms"]["attend"] = clock.lap_ms();
    std::optional<DenseTrace<T>> dense;
    if (fits_dense) {
        dense = dense_attention(q, k, v, {.causal = in.causal, .memory_budget_bytes = in.budget_bytes});
        report["timings_ms"]["dense"] = clock.lap_ms();
    }
    if (project) {
        // Fitted in-sample to the very output it is then compared with: an optimistic bound.
        const Matrix<T> used_w = w.size() ? w : fit_projection(t.output, dense->output, t.rounds_answered, o.ridge);
        t.output = apply_projection(t.output, used_w, t.rounds_answered);
        report["projection"] = {{"fitted_to_dense", w.size() == 0}, {"ridge", o.ridge},
                                {"shape", shape_json(used_w.rows(), used_w.cols())}};
    }
    write_outputs({{in.out, matrix_to_npy(t.output)}});
    report["timings_ms"]["write"] = clock.lap_ms();

    report["parameters"] = {{"algo", o.algo}, {"bits", o.bits}, {"route", o.route}, {"aggregate", o.aggregate},
                            {"rounds", o.rounds}, {"salt", to_hex(c.hashing.salt)},
                            {"quantize", quantize_name(c.hashing.quantize)}, {"load_cap", o.load_cap}};
    if (c.hashing.planes.size()) report["parameters"]["planes_bits"] = c.hashing.planes.cols();
    if (!c.round_planes.empty()) report["parameters"]["planes_bits"] = c.round_planes[0].cols();
    report["shapes"] = {{"q", shape_json(q.rows(), q.cols())}, {"k", shape_json(k.rows(), k.cols())},
                        {"v", shape_json(v.rows(), v.cols())}, {"out", shape_json(t.output.rows(), t.output.cols())}};
    nlohmann::json rounds = nlohmann::json::array();
    for (const auto& r : t.rounds)
        rounds.push_back({{"occupied_buckets", r.occupied}, {"max_load", r.max_load}, {"splits", r.splits},
                          {"empty_queries", r.empty_queries}, {"identical_queries", r.identical_queries}});
    report["rounds"] = rounds;
    report["empty_bucket_queries"] = t.empty_all_rounds;
    // What was allocated (accumulators for occupied buckets only) beside the table the piece's
    // "per-bucket" wording suggests: 2^bits accumulators of dv values and a count, per round.
    const std::size_t ids = std::size_t(q.rows() + k.rows()) * sizeof(std::int64_t) * std::size_t(o.rounds);
    report["memory_bytes"] = {
        {"bucket_ids", ids},
        {"accumulators_used", t.slots * (std::size_t(v.cols()) * sizeof(T) + sizeof(std::int32_t))},
        {"accumulators_all_2^bits", double(std::uint64_t(1) << o.bits) * double(v.cols() * sizeof(T) + 4) * o.rounds},
        {"dense_scores", dense_score_bytes(q.rows(), k.rows(), sizeof(T))}};
    if (dense)
        report["metrics"] = {{"relative_l2_error", relative_l2_error(t.output, dense->output)},
                             {"empty_bucket_queries", t.empty_all_rounds}};
}

template void run_crypto_attend<float>(const CryptoAttendOptions&, const AttendOperands&, nlohmann::json&, Stopwatch&);
template void run_crypto_attend<double>(const CryptoAttendOptions&, const AttendOperands&, nlohmann::json&, Stopwatch&);

}  // namespace hashscope::cli
