#include "core/model/gguf_model.hpp"

#include "core/model/byte_level_bpe_tokenizer.hpp"
#include "core/model/sentencepiece_tokenizer.hpp"

namespace hashscope {
namespace {

int positive_int(const GgufFile& g, const std::string& key, std::int64_t value) {
    if (value <= 0 || value > (std::int64_t(1) << 30))
        throw InputError(g.path() + ": metadata " + key + " = " + std::to_string(value) + " is not a plausible size");
    return int(value);
}

std::vector<std::string> strings(const GgufFile& g, const std::string& key) {
    std::vector<std::string> out;
    for (const auto& item : g.array(key).items) {
        if (item.type != GgufType::string) throw InputError(g.path() + ": metadata " + key + " holds a non-string");
        out.push_back(item.text);
    }
    return out;
}

// (id, type) of every token from tokenizer.ggml.token_type, if present: 1 normal, 2 unknown,
// 3 control, 4 user-defined, 5 unused, 6 byte.
std::vector<std::pair<int, std::int64_t>> token_types(const GgufFile& g, std::size_t tokens) {
    std::vector<std::pair<int, std::int64_t>> out;
    if (!g.has("tokenizer.ggml.token_type")) return out;
    const auto& types = g.array("tokenizer.ggml.token_type").items;
    if (types.size() != tokens)
        throw InputError(g.path() + ": metadata tokenizer.ggml.token_type has " + std::to_string(types.size()) +
                         " entries for " + std::to_string(tokens) + " tokens");
    for (std::size_t i = 0; i < types.size(); ++i) out.emplace_back(int(i), types[i].integer);
    return out;
}

}  // namespace

ModelWeights gguf_model_weights(const GgufFile& g) {
    ModelWeights w(g.path(), "GGUF v" + std::to_string(g.version));
    const std::string arch = g.text("general.architecture");
    ModelConfig& c = w.config;
    if (arch == "llama" || arch == "mistral") {
        c.architecture = Architecture::llama;
        c.rope_layout = RopeLayout::interleaved;
    } else if (arch == "qwen2") {
        c.architecture = Architecture::llama;
        c.rope_layout = RopeLayout::halves;
        c.qkv_bias = true;
    } else if (arch == "gpt2") {
        c.architecture = Architecture::gpt2;
    } else {
        throw InputError(g.path() + ": architecture '" + arch + "' is not supported (llama, mistral, qwen2, gpt2 are)");
    }
    const auto key = [&](const std::string& k) { return arch + "." + k; };
    const auto size = [&](const std::string& k) { return positive_int(g, key(k), g.integer(key(k))); };
    c.dim = size("embedding_length");
    c.hidden = size("feed_forward_length");
    c.layers = size("block_count");
    c.heads = size("attention.head_count");
    c.kv_heads = g.has(key("attention.head_count_kv")) ? size("attention.head_count_kv") : c.heads;
    c.context = size("context_length");
    c.head_dim = g.has(key("attention.key_length")) ? size("attention.key_length") : c.dim / c.heads;
    c.rope_theta = g.real(key("rope.freq_base"), 10000.0);
    c.norm_eps = c.architecture == Architecture::gpt2 ? g.real(key("attention.layer_norm_epsilon"), 1e-5)
                                                       : g.real(key("attention.layer_norm_rms_epsilon"), 1e-5);
    if (c.architecture == Architecture::llama && g.has(key("rope.dimension_count")) &&
        g.integer(key("rope.dimension_count")) != c.head_dim)
        throw InputError(g.path() + ": metadata " + key("rope.dimension_count") + " = " +
                         std::to_string(g.integer(key("rope.dimension_count"))) + " (partial RoPE) is not supported");

    for (const auto& t : g.tensors)
        w.add(t.name, Tensor{.type = t.type, .shape = t.shape, .data = g.tensor_data(t), .owner = g.file});
    if (!w.has("token_embd.weight")) throw InputError(g.path() + ": missing tensor token_embd.weight");
    const auto& embedding = w.tensor("token_embd.weight").shape;
    c.vocab = int(embedding.front());
    if (g.has(key("vocab_size")) && g.integer(key("vocab_size")) != c.vocab)
        throw InputError(g.path() + ": metadata " + key("vocab_size") + " = " + std::to_string(g.integer(key("vocab_size"))) +
                         " disagrees with tensor token_embd.weight " + w.tensor("token_embd.weight").shape_string());
    c.tied_embeddings = !w.has("output.weight");
    w.validate();
    return w;
}

std::shared_ptr<const Tokenizer> gguf_tokenizer(const GgufFile& g, int vocab) {
    if (!g.has("tokenizer.ggml.model")) return nullptr;
    const std::string model = g.text("tokenizer.ggml.model");
    if (model != "llama" && model != "gpt2") return nullptr;
    std::vector<std::string> pieces = strings(g, "tokenizer.ggml.tokens");
    if (int(pieces.size()) != vocab)
        throw InputError(g.path() + ": metadata tokenizer.ggml.tokens holds " + std::to_string(pieces.size()) +
                         " tokens, the model's vocab is " + std::to_string(vocab));
    if (model == "gpt2") {
        std::vector<std::pair<std::string, std::string>> merges;
        for (const auto& m : strings(g, "tokenizer.ggml.merges")) {
            const auto space = m.find(' ');
            if (space == std::string::npos) throw InputError(g.path() + ": metadata tokenizer.ggml.merges entry '" + m + "' has no space");
            merges.emplace_back(m.substr(0, space), m.substr(space + 1));
        }
        const int eos = int(g.integer("tokenizer.ggml.eos_token_id", vocab - 1));
        // Control (3) and user-defined (4) tokens are matched in the text before BPE, as llama.cpp
        // does when it parses special tokens.
        std::vector<int> added;
        for (const auto& [id, type] : token_types(g, pieces.size()))
            if (type == 3 || type == 4) added.push_back(id);
        return std::make_shared<ByteLevelBpeTokenizer>(g.path(), std::move(pieces), merges,
                                                       int(g.integer("tokenizer.ggml.bos_token_id", eos)), eos, added,
                                                       g.integer("tokenizer.ggml.add_space_prefix", 0) != 0);
    }
    std::vector<float> scores(pieces.size(), 0.0f);
    std::vector<bool> special(pieces.size(), false);
    for (auto& piece : pieces) piece = sentencepiece_spaces(piece);
    if (g.has("tokenizer.ggml.scores")) {
        const auto& s = g.array("tokenizer.ggml.scores").items;
        if (s.size() != pieces.size())
            throw InputError(g.path() + ": metadata tokenizer.ggml.scores has " + std::to_string(s.size()) + " entries for " +
                             std::to_string(pieces.size()) + " tokens");
        for (std::size_t i = 0; i < s.size(); ++i) scores[i] = float(s[i].real);
    }
    // Only normal, user-defined and byte pieces stand for text.
    for (const auto& [id, type] : token_types(g, pieces.size())) special[std::size_t(id)] = type == 2 || type == 3 || type == 5;
    const int bos = int(g.integer("tokenizer.ggml.bos_token_id", 1)), eos = int(g.integer("tokenizer.ggml.eos_token_id", 2));
    return std::make_shared<SentencePieceTokenizer>(g.path(), std::move(pieces), std::move(scores), bos, eos, std::move(special));
}

}  // namespace hashscope
