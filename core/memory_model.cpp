#include "core/memory_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace hashscope {

ModelShape model_preset(std::string_view name) {
    if (name == "7b") return {"7b", 32, 32, 32, 128, 2};
    if (name == "70b") return {"70b", 80, 64, 8, 128, 2};
    throw InputError("--config: unknown preset '" + std::string(name) + "' (expected 7b, 70b or a .json file)");
}

void check_model_shape(const ModelShape& s) {
    for (const auto& [value, what] : {std::pair{s.layers, "layers"}, std::pair{s.heads, "heads"},
                                      std::pair{s.kv_heads, "kv_heads"}, std::pair{s.head_dim, "head_dim"},
                                      std::pair{s.dtype_bytes, "dtype_bytes"}})
        if (value < 1) throw InputError("--config " + s.name + ": " + what + " must be positive (got " + std::to_string(value) + ")");
    if (s.heads % s.kv_heads)
        throw InputError("--config " + s.name + ": heads (" + std::to_string(s.heads) + ") is not a multiple of kv_heads (" +
                         std::to_string(s.kv_heads) + ")");
}

std::vector<MemoryLine> memory_model(const ModelShape& s, double n, const HashParams& h) {
    check_model_shape(s);
    if (!(n >= 1)) throw InputError("--n must be at least 1");
    if (h.bits < 1 || h.bits > 32) throw InputError("--bits " + std::to_string(h.bits) + " is outside 1..32");
    if (h.rounds < 1) throw InputError("--rounds must be at least 1");
    const double dt = s.dtype_bytes, d = s.head_dim, heads = s.heads, kv = s.kv_heads, layers = s.layers;
    const double tables = layers * kv * h.rounds, buckets = std::ldexp(1.0, h.bits);
    const double per_bucket = d * h.accumulator_bytes + 4;
    return {
        {"dense_scores_one_head", n * n * dt,
         "one head's n x n score matrix in the model dtype; the piece's 'traditional' figure for 7B equals this"},
        {"dense_scores_one_layer", heads * n * n * dt,
         "all query heads of one layer materialised at once (naive attention, layers run one after another)"},
        {"kv_cache", 2 * layers * kv * d * dt * n,
         "K and V of every layer and KV head, model dtype: needed by any exact attention, dense or Flash"},
        {"flash_attention_working_set", 2 * heads * d * dt * n + heads * 4 * n,
         "FlashAttention, one layer beyond the KV cache: Q and O in the model dtype and one fp32 logsumexp per "
         "row and head; score tiles live in on-chip SRAM, never n x n"},
        {"hash_bucket_ids", tables * n * h.id_bytes,
         "one " + std::to_string(h.id_bytes) + "-byte bucket id per key, layer, KV head and round"},
        {"hash_accumulators_full_table", tables * buckets * per_bucket,
         "a table of 2^bits buckets per layer, KV head and round, each an fp32 sum of head_dim values and a "
         "count (mean aggregation): constant in n, exponential in bits"},
        {"hash_accumulators_occupied", tables * std::min(n, buckets) * per_bucket,
         "the same accumulators for occupied buckets only (at most min(n, 2^bits)), hash-map overhead not counted"},
    };
}

double line_bytes(const std::vector<MemoryLine>& lines, std::string_view name) {
    for (const auto& l : lines)
        if (l.name == name) return l.bytes;
    throw InputError("no memory line named " + std::string(name));
}

const std::vector<Claim>& seed_claims() {
    constexpr double GiB = 1024.0 * 1024 * 1024, TiB = 1024 * GiB, K128 = 131072, M1 = 1048576;
    static const std::vector<Claim> claims{
        {"7b", K128, 32 * GiB, 1.2 * GiB, 26, "7B LLM | 128K tokens | 32 GB | 1.2 GB | 26x"},
        {"7b", M1, 2 * TiB, 9.6 * GiB, 213, "7B LLM | 1M tokens | 2 TB (est.) | 9.6 GB | 213x"},
        {"70b", K128, 256 * GiB, 9.6 * GiB, 26, "70B LLM | 128K tokens | 256 GB | 9.6 GB | 26x"},
        {"70b", M1, 16 * TiB, 76.8 * GiB, 213, "70B LLM | 1M tokens | 16 TB (est.) | 76.8 GB | 213x"},
    };
    return claims;
}

ClaimCheck check_claim(const Claim& claim, const ModelShape& shape) {
    ClaimCheck c;
    c.claim = claim;
    c.implied_score_matrices = claim.traditional_bytes / (claim.n * claim.n * shape.dtype_bytes);
    c.memory_ratio = claim.traditional_bytes / claim.hash_bytes;
    c.hash_bytes_per_token = claim.hash_bytes / claim.n;
    c.hash_bytes_per_token_layer_kv_head = c.hash_bytes_per_token / (double(shape.layers) * shape.kv_heads);
    c.kv_cache_bytes = line_bytes(memory_model(shape, claim.n, {}), "kv_cache");
    c.kv_cache_over_traditional = c.kv_cache_bytes / claim.traditional_bytes;
    return c;
}

}  // namespace hashscope
