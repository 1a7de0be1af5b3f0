#include "core/model/llama2c_checkpoint.hpp"

#include <cstdint>
#include <cstdlib>

#include "core/model/mapped_file.hpp"

namespace hashscope {

ModelWeights load_llama2c_checkpoint(const std::string& path) {
    const auto file = MappedFile::open(path);
    FileCursor cursor(*file);
    std::int32_t header[7];
    const char* fields[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    for (int i = 0; i < 7; ++i) header[i] = cursor.next<std::int32_t>(std::string("header field ") + fields[i]);

    ModelWeights weights(path, "llama2.c");
    ModelConfig& c = weights.config;
    c.architecture = Architecture::llama;
    c.dim = header[0];
    c.hidden = header[1];
    c.layers = header[2];
    c.heads = header[3];
    c.kv_heads = header[4];
    c.tied_embeddings = header[5] > 0;
    c.context = header[6];
    // A negative vocab_size marks an untied classifier; its magnitude is checked in 64 bits, since
    // -INT32_MIN does not exist (found by tests/fuzz/fuzz_llama2c).
    for (int i = 0; i < 7; ++i) {
        const std::int64_t size = i == 5 ? std::abs(std::int64_t(header[i])) : header[i];
        if (size <= 0 || size > (1 << 24))
            throw InputError(path + ": header field " + fields[i] + " = " + std::to_string(header[i]) +
                             " is not a plausible size (not a llama2.c checkpoint?)");
    }
    c.vocab = header[5] > 0 ? header[5] : -header[5];
    if (c.dim % c.heads != 0)
        throw InputError(path + ": header field dim (" + std::to_string(c.dim) + ") is not a multiple of n_heads (" +
                         std::to_string(c.heads) + ")");
    c.head_dim = c.dim / c.heads;
    c.rope_theta = 10000.0;
    c.rope_layout = RopeLayout::interleaved;
    c.norm_eps = 1e-5;

    // Each array is stacked over layers; `name` is its canonical per-layer name (or global name).
    const auto take = [&](const std::string& what, std::int64_t count) {
        return cursor.bytes(std::uint64_t(count) * 4, "array " + what);
    };
    const auto add = [&](const std::string& name, std::span<const std::byte> bytes, std::vector<std::int64_t> shape) {
        weights.add(name, Tensor{.type = TensorType::f32, .shape = std::move(shape), .data = bytes, .owner = file});
    };
    const auto stacked = [&](const std::string& what, const std::string& name, std::int64_t rows, std::int64_t cols) {
        const auto all = take(what, std::int64_t(c.layers) * rows * cols);
        const std::size_t per_layer = std::size_t(rows * cols * 4);
        for (int l = 0; l < c.layers; ++l)
            add(layer_tensor(l, name), all.subspan(std::size_t(l) * per_layer, per_layer),
                rows == 1 ? std::vector<std::int64_t>{cols} : std::vector<std::int64_t>{rows, cols});
    };
    const std::int64_t kv_dim = std::int64_t(c.kv_heads) * c.head_dim;
    add("token_embd.weight", take("token_embedding_table", std::int64_t(c.vocab) * c.dim), {c.vocab, c.dim});
    stacked("rms_att_weight", "attn_norm.weight", 1, c.dim);
    stacked("wq", "attn_q.weight", c.dim, c.dim);
    stacked("wk", "attn_k.weight", kv_dim, c.dim);
    stacked("wv", "attn_v.weight", kv_dim, c.dim);
    stacked("wo", "attn_output.weight", c.dim, c.dim);
    stacked("rms_ffn_weight", "ffn_norm.weight", 1, c.dim);
    stacked("w1", "ffn_gate.weight", c.hidden, c.dim);
    stacked("w2", "ffn_down.weight", c.dim, c.hidden);
    stacked("w3", "ffn_up.weight", c.hidden, c.dim);
    add("output_norm.weight", take("rms_final_weight", c.dim), {c.dim});
    // The RoPE tables are recomputed from theta by the forward pass; skip them.
    take("freq_cis_real", std::int64_t(c.context) * c.head_dim / 2);
    take("freq_cis_imag", std::int64_t(c.context) * c.head_dim / 2);
    if (!c.tied_embeddings) add("output.weight", take("wcls", std::int64_t(c.vocab) * c.dim), {c.vocab, c.dim});
    if (cursor.remaining() != 0)
        throw InputError(path + ": " + std::to_string(cursor.remaining()) +
                         " bytes after the last array (header does not match the weights)");
    weights.validate();
    return weights;
}

}  // namespace hashscope
