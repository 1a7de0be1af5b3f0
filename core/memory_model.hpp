// The memory arithmetic behind the news piece's table, so that its claims can be checked: for a
// model shape and a sequence length n, the bytes of naive dense scores, the KV cache, the
// FlashAttention working set and the crypto-hash method's own structures, each with the assumption
// it rests on; and the piece's table itself, with what each of its figures would require.
// Bytes are doubles: at n = 2^20 and 2^32 buckets the products overflow nothing, but they are large.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hashscope {

struct ModelShape {
    std::string name;
    int layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
    int dtype_bytes = 2;  // fp16 / bf16
};

// "7b": Llama-2-7B-like (32 layers, 32 heads, 32 KV heads, head dim 128, fp16);
// "70b": Llama-2-70B-like with grouped-query attention (80 layers, 64 heads, 8 KV heads, 128, fp16).
ModelShape model_preset(std::string_view name);
void check_model_shape(const ModelShape& shape);  // every count positive, heads a multiple of kv_heads

struct HashParams {
    int bits = 16;              // buckets = 2^bits per (layer, KV head, round)
    int rounds = 1;
    int id_bytes = 4;           // one 32-bit bucket id per key
    int accumulator_bytes = 4;  // fp32 sums of head_dim values, plus a 4-byte count, per bucket
};

struct MemoryLine {
    std::string name;
    double bytes = 0;
    std::string assumption;
};

std::vector<MemoryLine> memory_model(const ModelShape& shape, double n, const HashParams& hash);
double line_bytes(const std::vector<MemoryLine>& lines, std::string_view name);  // InputError when absent

// One row of the piece's "Benchmark Data" table, in its own units (GB and TB read as GiB and TiB:
// only then is its traditional column exactly a whole number of n x n fp16 matrices).
struct Claim {
    std::string model;  // "7b" | "70b"
    double n = 0;
    double traditional_bytes = 0, hash_bytes = 0, speedup = 0;
    std::string as_written;  // e.g. "7B LLM | 128K tokens | 32 GB | 1.2 GB | 26x"
};
const std::vector<Claim>& seed_claims();

// What a claim would require, in terms of the shape.
struct ClaimCheck {
    Claim claim;
    double implied_score_matrices = 0;       // traditional / (n^2 * dtype bytes)
    double memory_ratio = 0;                 // traditional / hash (the "speedup" column)
    double hash_bytes_per_token = 0;
    double hash_bytes_per_token_layer_kv_head = 0;
    double kv_cache_bytes = 0;               // what the model really keeps at that n
    double kv_cache_over_traditional = 0;
};
ClaimCheck check_claim(const Claim& claim, const ModelShape& shape);

}  // namespace hashscope
