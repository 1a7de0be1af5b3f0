// `hashscope attack`: the news piece's security concern on the command line. With only B digest
// bits kept, a key is pushed into a chosen bucket by flipping its lowest mantissa bits until the
// truncated digest matches (core/adversarial_collision.hpp):
//   --k K.npy --row J --target BUCKET            ... row J of K into BUCKET
//   --k K.npy --row J --victim I --q Q.npy --v V.npy [--route key|query] [--aggregate mean|softmax]
//             [--causal]                         ... row J into query I's bucket, and I's output change
// with --bits B [--algo A] [--salt HEX] [--budget N] --out K2.npy [--json]. Writes K with row J
// perturbed. Exit 0 when found, 1 when the budget ran out (nothing written), 2 on bad input.
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "core/adversarial_collision.hpp"

namespace hashscope::cli {
namespace {

struct AttackOptions {
    CommonOptions common;
    std::string q, k, v, out, algo = "sha256", salt, route = "key", aggregate = "mean";
    int bits = 0, row = -1, victim = -1;
    std::int64_t target = -1;
    std::uint64_t budget = 0;
    bool causal = false;
};

nlohmann::json search_json(const CollisionResult& r) {
    return {{"found", r.found},
            {"tries", r.tries},
            {"expected_tries", r.expected_tries},
            {"budget", r.budget},
            {"original_bucket", r.original_bucket},
            {"final_bucket", r.final_bucket},
            {"perturbation", r.perturbation},
            {"mantissa_bits", r.mantissa_bits},
            {"max_relative_change", r.max_relative_change}};
}

// False when the budget ran out: exit 1, a sound search that was unlucky, not bad input.
template <class T>
bool run_attack(const AttackOptions& o) {
    Stopwatch clock;
    if ((o.target >= 0) == (o.victim >= 0)) throw InputError("give exactly one of --target and --victim");
    if (o.victim >= 0 && (o.q.empty() || o.v.empty())) throw InputError("--victim needs --q and --v");
    if (o.victim < 0 && (!o.q.empty() || !o.v.empty())) throw InputError("--q and --v belong to --victim");
    Matrix<T> k = load_matrix<T>(o.k, "--k");
    if (o.row >= k.rows())
        throw InputError("--row " + std::to_string(o.row) + " is outside --k's " + std::to_string(k.rows()) + " rows");
    nlohmann::json report{{"command", "attack"}, {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"},
                          {"row", o.row}, {"algo", o.algo}, {"bits", o.bits}};
    CollisionResult result;
    std::int64_t target = o.target;
    if (o.target >= 0) {
        if (o.target >= std::int64_t(1) << o.bits)
            throw InputError("--target " + std::to_string(o.target) + " is outside [0, 2^" + std::to_string(o.bits) + ")");
        CollisionSearch search;
        search.algo = parse_digest_algo(o.algo);
        search.bits = o.bits;
        if (!o.salt.empty()) search.salt = parse_hex(o.salt, "--salt");
        search.target = o.target;
        search.budget = o.budget;
        const Vector<float> key = k.row(o.row).template cast<float>();
        result = find_bucket_collision(std::vector<float>(key.data(), key.data() + key.size()), search);
        report["target"] = o.target;
    } else {
        CryptoAttentionConfig<T> config;
        config.hashing.algo = parse_digest_algo(o.algo);
        config.hashing.bits = o.bits;
        if (!o.salt.empty()) config.hashing.salt = parse_hex(o.salt, "--salt");
        config.route = parse_route(o.route);
        config.aggregate = parse_aggregate(o.aggregate);
        config.causal = o.causal;
        const Matrix<T> q = load_matrix<T>(o.q, "--q"), v = load_matrix<T>(o.v, "--v");
        check_crypto_attention(q, k, v, config);
        const AttackOutcome<T> a = attack_victim(q, k, v, config, o.victim, o.row, Vector<T>(), o.budget);
        result = a.search;
        target = a.victim_bucket;
        report["victim"] = {{"query", o.victim},
                            {"bucket", a.victim_bucket},
                            {"keys_before", a.victim_keys_before},
                            {"keys_after", a.victim_keys_after},
                            {"relative_change", a.victim_change}};
    }
    report["search"] = search_json(result);
    report["timings_ms"]["search"] = clock.lap_ms();
    if (!result.found) {
        std::cerr << "hashscope attack: no perturbation of row " << o.row << " reached bucket " << target
                  << " within " << result.budget << " digests (expected about " << result.expected_tries << ")\n";
        if (o.common.json) std::cout << report.dump() << "\n";
        return false;
    }
    for (std::size_t c = 0; c < result.key.size(); ++c) k(o.row, Eigen::Index(c)) = T(result.key[c]);
    write_outputs({{o.out, make_npy<T>(std::vector<T>(k.data(), k.data() + k.size()), {k.rows(), k.cols()})}});
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
    else
        std::cout << "row " << o.row << ": bucket " << result.original_bucket << " -> " << result.final_bucket << " after "
                  << result.tries << " digests (expected about " << result.expected_tries << "), at most "
                  << result.mantissa_bits << " low mantissa bits per component, max relative change "
                  << result.max_relative_change << "\n";
    return true;
}

}  // namespace

Command add_attack_command(CLI::App& root) {
    auto o = std::make_shared<AttackOptions>();
    CLI::App* app = root.add_subcommand("attack", "Push a key into a chosen crypto bucket by perturbing its low mantissa bits");
    app->add_option("--k", o->k, "Keys K [m, d] (.npy)")->required();
    app->add_option("--row", o->row, "The attacker's key: row of K to perturb")->required()->check(CLI::NonNegativeNumber);
    app->add_option("--target", o->target, "Bucket to land in, [0, 2^bits)")->check(CLI::NonNegativeNumber);
    app->add_option("--victim", o->victim, "Land in this query's bucket instead (needs --q, --v)")->check(CLI::NonNegativeNumber);
    app->add_option("--q", o->q, "--victim: queries Q [n, d] (.npy)");
    app->add_option("--v", o->v, "--victim: values V [m, dv] (.npy)");
    app->add_option("--bits", o->bits, "Bucket bits 1..32")->required()->check(CLI::Range(1, 32));
    app->add_option("--algo", o->algo, "sha256 | sha512_256 | blake2s | blake2b | blake3 | xxh3")->default_str("sha256");
    app->add_option("--salt", o->salt, "Bytes (hex) prepended to every message");
    app->add_option("--budget", o->budget, "Digests allowed (0: 2^(bits + 4))")->default_str("0");
    app->add_option("--route", o->route, "--victim: query | key")->default_str("key");
    app->add_option("--aggregate", o->aggregate, "--victim: mean | softmax")->default_str("mean");
    app->add_flag("--causal", o->causal, "--victim: causal attention");
    app->add_option("--out", o->out, "K with the row perturbed (.npy), written only when found")->required();
    add_common_options(*app, o->common);
    return {app, [o] {
                bool found = true;
                const int code = run_guarded("attack", [&] {
                    found = o->common.precision == Precision::f64 ? run_attack<double>(*o) : run_attack<float>(*o);
                });
                return code == 0 && !found ? 1 : code;
            }};
}

}  // namespace hashscope::cli
