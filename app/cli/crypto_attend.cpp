#include "app/cli/crypto_attend.hpp"

#include "core/crypto_attention.hpp"
#include "core/dense_attention.hpp"
#include "core/digest.hpp"
#include "core/metrics.hpp"
#include "core/simhash.hpp"

namespace hashscope::cli {

void add_crypto_attend_options(CLI::App& app, CryptoAttendOptions& o) {
    app.add_option("--algo", o.algo, "crypto: sha256 | sha512_256 | blake2s | blake2b | blake3 | xxh3")->default_str("sha256");
    app.add_option("--route", o.route, "crypto: query (its own digest) | key (its token's key) | lsh (SimHash code)")
        ->default_str("key");
    app.add_option("--aggregate", o.aggregate, "crypto: mean | softmax over the bucket")->default_str("mean");
    app.add_option("--rounds", o.rounds, "crypto: salted hash rounds, outputs averaged")->default_str("1");
    app.add_option("--salt", o.salt, "crypto: bytes (hex) prepended to every message");
    app.add_option("--quantize", o.quantize, "crypto: none | sign | int8 (default none; sign for --route lsh)");
    app.add_option("--lsh-bits", o.lsh_bits, "crypto --route lsh without --planes: draw this many planes (--seed)")
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
    c.aggregate = parse_aggregate(o.aggregate);
    c.hashing.quantize = parse_quantize(o.quantize.empty() ? (c.route == CryptoRoute::lsh ? "sign" : "none") : o.quantize);
    c.rounds = o.rounds;
    c.causal = in.causal;
    c.load_cap = o.load_cap;
    const Matrix<T> q = load_matrix<T>(in.q, "--q"), k = load_matrix<T>(in.k, "--k"), v = load_matrix<T>(in.v, "--v");
    if (!o.planes.empty()) c.hashing.planes = load_matrix<T>(o.planes, "--planes");
    else if (c.route == CryptoRoute::lsh) c.hashing.planes = random_planes<T>(int(k.cols()), o.lsh_bits, in.seed);
    check_crypto_attention(q, k, v, c);
    report["timings_ms"]["load"] = clock.lap_ms();
    const CryptoAttentionTrace<T> t = crypto_attention(q, k, v, c);
    report["timings_ms"]["attend"] = clock.lap_ms();
    write_outputs({{in.out, matrix_to_npy(t.output)}});
    report["timings_ms"]["write"] = clock.lap_ms();

    report["parameters"] = {{"algo", o.algo}, {"bits", o.bits}, {"route", o.route}, {"aggregate", o.aggregate},
                            {"rounds", o.rounds}, {"salt", to_hex(c.hashing.salt)},
                            {"quantize", quantize_name(c.hashing.quantize)}, {"load_cap", o.load_cap}};
    if (c.hashing.planes.size()) report["parameters"]["planes_bits"] = c.hashing.planes.cols();
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
    if (dense_score_bytes(q.rows(), k.rows(), sizeof(T)) <= in.budget_bytes) {
        const DenseTrace<T> dense = dense_attention(q, k, v, {.causal = in.causal, .memory_budget_bytes = in.budget_bytes});
        report["timings_ms"]["dense"] = clock.lap_ms();
        report["metrics"] = {{"relative_l2_error", relative_l2_error(t.output, dense.output)},
                             {"empty_bucket_queries", t.empty_all_rounds}};
    }
}

template void run_crypto_attend<float>(const CryptoAttendOptions&, const AttendOperands&, nlohmann::json&, Stopwatch&);
template void run_crypto_attend<double>(const CryptoAttendOptions&, const AttendOperands&, nlohmann::json&, Stopwatch&);

}  // namespace hashscope::cli
