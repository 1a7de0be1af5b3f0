// `hashscope hash`: hash vectors to codes.
//   --method simhash --in X.npy (--planes P.npy | --bits B [--seed S]) --out BITS.npy
// writes uint8 [n, b] of 0/1, bit i = 1 where x . P[:, i] >= 0.
//   --method crypto --algo A --bits B [--salt HEX] [--quantize none|sign|int8 [--planes P.npy]]
//                   --in X.npy --out BUCKETS.npy
// writes int64 [n]: the first B bits of the digest of each row (core/crypto_buckets.hpp).
// --gpu hashes on the GPU when there is one: simhash, and crypto with sha256 or blake3 on the
// float32 bytes (no --salt, --quantize none); otherwise, or without a device, the CPU runs
// (gpu_choice.hpp).
#include <iostream>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "app/cli/gpu_choice.hpp"
#include "core/collision_stats.hpp"
#include "core/crypto_buckets.hpp"
#include "core/simhash.hpp"

namespace hashscope::cli {
namespace {

struct HashOptions {
    CommonOptions common;
    std::string method = "simhash";
    std::string in, planes, out;
    std::string algo = "sha256", salt, quantize = "none";
    int bits = 0;
    std::uint64_t seed = 0;
    bool gpu = false;
    const CLI::Option* seed_flag = nullptr;
};

template <class T>
void run_crypto(const HashOptions& o, nlohmann::json& report, Stopwatch& clock) {
    if (o.bits == 0) throw InputError("--bits is required for --method crypto");
    if (o.seed_flag->count()) throw InputError("--seed applies to --method simhash only");
    CryptoBucketConfig<T> config;
    config.algo = parse_digest_algo(o.algo);
    config.bits = o.bits;
    if (!o.salt.empty()) config.salt = parse_hex(o.salt, "--salt");
    config.quantize = parse_quantize(o.quantize);
    const Matrix<T> x = load_matrix<T>(o.in, "--in");
    if (!o.planes.empty()) config.planes = load_matrix<T>(o.planes, "--planes");
    check_crypto_bucket_config(config, x.cols());
    report["timings_ms"]["load"] = clock.lap_ms();
    struct Outcome {
        std::vector<std::int64_t> buckets;
        std::size_t message_bytes = 0;
    };
    const Outcome t = gpu_or_cpu<Outcome>(
        o.gpu, "hash", report,
        [&] {
            require_float_for_gpu<T>();
            const bool sha256 = config.algo == DigestAlgo::sha256, blake3 = config.algo == DigestAlgo::blake3;
            if (!(sha256 || blake3) || config.quantize != Quantize::none || !config.salt.empty())
                throw gpu::GpuError("the GPU kernels hash with sha256 or blake3, no --salt, --quantize none");
            const Matrix<float> rows = x.template cast<float>();
            const auto buckets = sha256 ? gpu::sha256_buckets(rows, o.bits) : gpu::blake3_buckets(rows, o.bits);
            return Outcome{{buckets.begin(), buckets.end()}, std::size_t(x.cols()) * sizeof(float)};
        },
        [&] {
            CryptoBucketTrace trace = crypto_buckets(x, config);
            return Outcome{std::move(trace.buckets), trace.message_bytes};
        });
    report["timings_ms"]["hash"] = clock.lap_ms();
    write_outputs({{o.out, make_npy<std::int64_t>(t.buckets, {x.rows()})}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["parameters"] = {{"algo", o.algo}, {"bits", o.bits}, {"salt", to_hex(config.salt)},
                            {"quantize", o.quantize}, {"message_bytes", t.message_bytes}};
    report["shapes"] = {{"in", shape_json(x.rows(), x.cols())}, {"out", {x.rows()}}};
    report["memory_bytes"] = {{"buckets", t.buckets.size() * sizeof(std::int64_t)}};
    // The keys as balls in 2^bits bins: what was measured beside what chance predicts.
    const LoadStats loads = load_stats(t.buckets, o.bits);
    report["collisions"] = {{"occupied", loads.occupied}, {"expected_occupied", loads.expected_occupied},
                            {"colliding_pairs", loads.colliding_pairs}, {"expected_pairs", loads.expected_pairs},
                            {"max_load", loads.max_load}, {"expected_max_load", loads.expected_max_load}};
    if (config.quantize == Quantize::none && config.salt.empty()) {
        // Avalanche on the first 16 rows: every input bit flipped once (4d x 8 digests per row).
        const Avalanche a = avalanche(config.algo, x.topRows(std::min<Eigen::Index>(x.rows(), 16)).template cast<float>(), o.bits);
        report["avalanche"] = {{"trials", a.trials}, {"mean_flipped_fraction", a.mean_flipped_fraction},
                               {"bucket_change_rate", a.bucket_change_rate}};
    }
    if (x.rows() >= 10) {
        const ChiSquare chi = chi_square_uniformity(t.buckets, o.bits);
        report["collisions"]["chi_square"] = {{"bits_used", chi.bits_used}, {"statistic", chi.statistic},
                                              {"dof", chi.dof}, {"p_value", chi.p_value}};
    }
}

template <class T>
void run_simhash(const HashOptions& o, nlohmann::json& report, Stopwatch& clock) {
    const Matrix<T> x = load_matrix<T>(o.in, "--in");
    Matrix<T> planes;
    if (!o.planes.empty()) {
        if (o.bits) throw InputError("--bits conflicts with --planes (whose columns fix it)");
        if (o.seed_flag->count()) throw InputError("--seed conflicts with --planes");
        planes = load_matrix<T>(o.planes, "--planes");
    } else {
        if (o.bits == 0) throw InputError("--planes or --bits is required for --method simhash");
        planes = random_planes<T>(int(x.cols()), o.bits, o.seed);
        report["parameters"]["seed"] = o.seed;
    }
    report["timings_ms"]["load"] = clock.lap_ms();
    const SimHashCodes codes = gpu_or_cpu<SimHashCodes>(
        o.gpu, "hash", report,
        [&] {
            require_float_for_gpu<T>();
            return gpu::simhash_codes(x.template cast<float>(), planes.template cast<float>());
        },
        [&] { return simhash_codes(x, planes); });
    report["timings_ms"]["hash"] = clock.lap_ms();
    write_outputs({{o.out, make_npy<std::uint8_t>(codes.unpacked(), {codes.rows, codes.bits})}});
    report["timings_ms"]["write"] = clock.lap_ms();
    report["parameters"]["bits"] = codes.bits;
    report["shapes"] = {{"in", shape_json(x.rows(), x.cols())}, {"planes", shape_json(planes.rows(), planes.cols())},
                        {"out", shape_json(codes.rows, codes.bits)}};
    report["memory_bytes"] = {{"packed_codes", codes.words.size() * sizeof(std::uint32_t)},
                              {"planes", std::size_t(planes.size()) * sizeof(T)}};
}

template <class T>
void run_hash(const HashOptions& o) {
    Stopwatch clock;
    nlohmann::json report{{"command", "hash"}, {"method", o.method},
                          {"precision", o.common.precision == Precision::f64 ? "f64" : "f32"}};
    if (o.method == "crypto") run_crypto<T>(o, report, clock);
    else run_simhash<T>(o, report, clock);
    report["output"] = o.out;
    if (o.common.json) std::cout << report.dump() << "\n";
}

}  // namespace

Command add_hash_command(CLI::App& root) {
    auto o = std::make_shared<HashOptions>();
    CLI::App* app = root.add_subcommand("hash", "Hash vectors to binary codes");
    app->add_option("--method", o->method, "simhash | crypto")->check(CLI::IsMember({"simhash", "crypto"}))->default_str("simhash");
    app->add_option("--in", o->in, "Vectors X [n, d] (.npy)")->required();
    app->add_option("--planes", o->planes, "Hyperplane normals P [d, b] (.npy): simhash, or crypto with --quantize sign");
    app->add_option("--bits", o->bits, "simhash: draw b standard-normal planes instead of --planes; crypto: bucket bits 1..32")->check(CLI::Range(1, 4096));
    o->seed_flag = app->add_option("--seed", o->seed, "Seed for drawing planes")->default_str("0");
    app->add_option("--algo", o->algo, "crypto: sha256 | sha512_256 | blake2s | blake2b | blake3 | xxh3")->default_str("sha256");
    app->add_option("--salt", o->salt, "crypto: bytes (hex) prepended to every message");
    app->add_option("--quantize", o->quantize, "crypto: hash the float32 bytes (none), the sign code (sign) or int8 bytes")
        ->default_str("none");
    app->add_option("--out", o->out, "simhash: bits [n, b] uint8 0/1; crypto: buckets [n] int64 (.npy)")->required();
    add_gpu_flag(*app, o->gpu, "simhash, and crypto with sha256 or blake3 on the float32 bytes");
    add_common_options(*app, o->common);
    return {app, [o] {
                return run_guarded("hash", [&] {
                    if (o->common.precision == Precision::f64) run_hash<double>(*o);
                    else run_hash<float>(*o);
                });
            }};
}

}  // namespace hashscope::cli
