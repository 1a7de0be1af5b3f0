// `hashscope claims --config 7b|70b|FILE.json --n N [--bits B] [--rounds R] [--json]`: the memory
// model of core/memory_model.hpp at n for one model shape, and the news piece's table with what each
// of its figures would require (each row checked against its own preset). FILE.json holds
// {"name", "layers", "heads", "kv_heads", "head_dim", "dtype_bytes"} (name and dtype_bytes optional).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

#include "app/cli/cli_common.hpp"
#include "app/cli/command.hpp"
#include "core/memory_model.hpp"
#include "core/model/json_integer.hpp"

namespace hashscope::cli {
namespace {

struct ClaimsOptions {
    CommonOptions common;
    std::string config = "7b";
    double n = 131072;
    HashParams hash;
};

ModelShape load_shape(const std::string& config) {
    if (config == "7b" || config == "70b") return model_preset(config);
    std::ifstream file(config);
    if (!file) throw InputError("--config " + config + ": not a preset (7b, 70b) and not a readable file");
    const nlohmann::json j = nlohmann::json::parse(file, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw InputError("--config " + config + ": not a JSON object");
    ModelShape s;
    s.name = j.value("name", config);
    const auto field = [&](const char* key, int& out, bool required) {
        if (!j.contains(key)) {
            if (required) throw InputError("--config " + config + ": missing \"" + key + "\"");
            return;
        }
        const auto value = json_integer(j[key], 0, std::numeric_limits<int>::max());
        if (!value) throw InputError("--config " + config + ": \"" + key + "\" is not a whole number of int's range");
        out = int(*value);
    };
    field("layers", s.layers, true);
    field("heads", s.heads, true);
    field("kv_heads", s.kv_heads, true);
    field("head_dim", s.head_dim, true);
    field("dtype_bytes", s.dtype_bytes, false);
    return s;
}

std::string human(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) bytes /= 1024, ++u;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.2f %s", bytes, units[u]);
    return buffer;
}

void print_text(const ClaimsOptions& o, const ModelShape& s, const std::vector<MemoryLine>& lines) {
    std::printf("Model %s: %d layers, %d heads, %d KV heads, head dim %d, %d-byte values; n = %.0f; hash: %d bits, "
                "%d round(s)\n\n", s.name.c_str(), s.layers, s.heads, s.kv_heads, s.head_dim, s.dtype_bytes, o.n,
                o.hash.bits, o.hash.rounds);
    for (const auto& l : lines) std::printf("  %-30s %14s   %s\n", l.name.c_str(), human(l.bytes).c_str(), l.assumption.c_str());
    std::printf("\nThe piece's table (its GB/TB read as GiB/TiB), each row checked against its own preset:\n");
    for (const Claim& c : seed_claims()) {
        const ModelShape preset = model_preset(c.model);
        const ClaimCheck k = check_claim(c, preset);
        const auto at_n = memory_model(preset, c.n, o.hash);
        std::printf("\n  %s\n", c.as_written.c_str());
        std::printf("    traditional = %.2f x one head's n x n fp16 score matrix (%s); the KV cache alone is %s (%.2fx that)\n",
                    k.implied_score_matrices, human(line_bytes(at_n, "dense_scores_one_head")).c_str(),
                    human(k.kv_cache_bytes).c_str(), k.kv_cache_over_traditional);
        std::printf("    hash column = %.0f bytes per token = %.2f bytes per token, layer and KV head: linear in n\n",
                    k.hash_bytes_per_token, k.hash_bytes_per_token_layer_kv_head);
        std::printf("    as a full table of mean accumulators: 2^%.2f buckets per layer and KV head, %.1f tokens per bucket\n",
                    k.implied_table_bits, k.implied_tokens_per_bucket);
        std::printf("    'speedup' = traditional / hash = %.1f: a memory ratio, not a measured time\n", k.memory_ratio);
        std::printf("    computed here: bucket ids %s, full 2^%d-bucket accumulators %s, occupied-only %s, FlashAttention %s\n",
                    human(line_bytes(at_n, "hash_bucket_ids")).c_str(), o.hash.bits,
                    human(line_bytes(at_n, "hash_accumulators_full_table")).c_str(),
                    human(line_bytes(at_n, "hash_accumulators_occupied")).c_str(),
                    human(line_bytes(at_n, "flash_attention_working_set")).c_str());
    }
}

void run_claims(const ClaimsOptions& o) {
    const ModelShape shape = load_shape(o.config);
    const auto lines = memory_model(shape, o.n, o.hash);
    if (!o.common.json) return print_text(o, shape, lines);
    nlohmann::json report{{"command", "claims"},
                          {"config", {{"name", shape.name}, {"layers", shape.layers}, {"heads", shape.heads},
                                      {"kv_heads", shape.kv_heads}, {"head_dim", shape.head_dim},
                                      {"dtype_bytes", shape.dtype_bytes}}},
                          {"n", o.n},
                          {"hash", {{"bits", o.hash.bits}, {"rounds", o.hash.rounds}}}};
    for (const auto& l : lines) report["memory_bytes"][l.name] = {{"bytes", l.bytes}, {"assumption", l.assumption}};
    for (const Claim& c : seed_claims()) {
        const ModelShape preset = model_preset(c.model);
        const ClaimCheck k = check_claim(c, preset);
        nlohmann::json row{{"as_written", c.as_written}, {"model", c.model}, {"n", c.n},
                           {"traditional_bytes", c.traditional_bytes}, {"hash_bytes", c.hash_bytes},
                           {"claimed_speedup", c.speedup}, {"implied_score_matrices", k.implied_score_matrices},
                           {"memory_ratio", k.memory_ratio}, {"hash_bytes_per_token", k.hash_bytes_per_token},
                           {"hash_bytes_per_token_layer_kv_head", k.hash_bytes_per_token_layer_kv_head},
                           {"kv_cache_bytes", k.kv_cache_bytes}, {"kv_cache_over_traditional", k.kv_cache_over_traditional},
                           {"implied_table_bits", k.implied_table_bits}, {"implied_tokens_per_bucket", k.implied_tokens_per_bucket}};
        for (const auto& l : memory_model(preset, c.n, o.hash)) row["computed_bytes"][l.name] = l.bytes;
        report["claims"].push_back(row);
    }
    std::cout << report.dump() << "\n";
}

}  // namespace

Command add_claims_command(CLI::App& root) {
    auto o = std::make_shared<ClaimsOptions>();
    CLI::App* app = root.add_subcommand("claims", "Memory model of dense, Flash and crypto-hash attention beside the piece's table");
    app->add_option("--config", o->config, "7b | 70b | FILE.json (layers, heads, kv_heads, head_dim, dtype_bytes)")
        ->default_str("7b");
    app->add_option("--n", o->n, "Sequence length")->check(CLI::Range(1.0, 1e12))->default_str("131072");
    app->add_option("--bits", o->hash.bits, "Hash bucket bits (2^bits buckets)")->default_str("16");
    app->add_option("--rounds", o->hash.rounds, "Hash rounds")->default_str("1");
    add_common_options(*app, o->common);
    return {app, [o] { return run_guarded("claims", [&] { run_claims(*o); }); }};
}

}  // namespace hashscope::cli
