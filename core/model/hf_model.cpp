#include "core/model/hf_model.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <set>

#include "core/model/byte_level_bpe_tokenizer.hpp"
#include "core/model/json_integer.hpp"
#include "core/model/safetensors_reader.hpp"
#include "core/model/sentencepiece_tokenizer.hpp"

namespace hashscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path folder_of(const std::string& path) { return fs::is_directory(path) ? fs::path(path) : fs::path(path).parent_path(); }

json read_json(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw InputError(file.string() + ": cannot open");
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw InputError(file.string() + ": not valid JSON (" + std::string(e.what()) + ")");
    }
}

// The safetensors files holding the weights: the given file, model.safetensors, or the index's shards.
std::vector<fs::path> weight_files(const std::string& path) {
    if (!fs::is_directory(path) && fs::path(path).extension() == ".safetensors") return {path};
    const fs::path folder = folder_of(path);
    if (fs::exists(folder / "model.safetensors")) return {folder / "model.safetensors"};
    const fs::path index = folder / "model.safetensors.index.json";
    if (!fs::exists(index)) throw InputError(folder.string() + ": no model.safetensors or model.safetensors.index.json");
    const json j = read_json(index);
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
        throw InputError(index.string() + ": field weight_map is missing or not an object");
    std::set<std::string> shards;
    for (const auto& [name, shard] : j["weight_map"].items()) {
        if (!shard.is_string() || shard.get<std::string>().find('/') != std::string::npos)
            throw InputError(index.string() + ": weight_map entry " + name + " is not a file name");
        shards.insert(shard.get<std::string>());
    }
    std::vector<fs::path> files;
    for (const auto& s : shards) files.push_back(folder / s);
    return files;
}

template <class T>
T field(const json& config, const std::string& key, const fs::path& file) {
    if (!config.contains(key) || config[key].is_null()) throw InputError(file.string() + ": field " + key + " is missing");
    try {
        return config[key].get<T>();
    } catch (const json::exception&) {
        throw InputError(file.string() + ": field " + key + " has the wrong type");
    }
}

template <class T>
T field(const json& config, const std::string& key, const fs::path& file, T fallback) {
    return config.contains(key) && !config[key].is_null() ? field<T>(config, key, file) : fallback;
}

// HF name -> canonical name (empty: not a weight this code uses, e.g. GPT-2's attention mask buffers).
std::string canonical_llama(const std::string& name) {
    static const std::map<std::string, std::string> global = {{"model.embed_tokens.weight", "token_embd.weight"},
                                                              {"model.norm.weight", "output_norm.weight"},
                                                              {"lm_head.weight", "output.weight"}};
    static const std::map<std::string, std::string> per_layer = {
        {"input_layernorm.weight", "attn_norm.weight"},   {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"self_attn.q_proj.weight", "attn_q.weight"},     {"self_attn.q_proj.bias", "attn_q.bias"},
        {"self_attn.k_proj.weight", "attn_k.weight"},     {"self_attn.k_proj.bias", "attn_k.bias"},
        {"self_attn.v_proj.weight", "attn_v.weight"},     {"self_attn.v_proj.bias", "attn_v.bias"},
        {"self_attn.o_proj.weight", "attn_output.weight"}, {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},          {"mlp.down_proj.weight", "ffn_down.weight"}};
    if (const auto it = global.find(name); it != global.end()) return it->second;
    static const std::regex layer(R"(model\.layers\.(\d+)\.(.+))");
    std::smatch m;
    if (std::regex_match(name, m, layer))
        if (const auto it = per_layer.find(m[2].str()); it != per_layer.end()) return "blk." + m[1].str() + "." + it->second;
    return "";
}

std::string canonical_gpt2(const std::string& full, bool& transposed) {
    const std::string name = full.rfind("transformer.", 0) == 0 ? full.substr(12) : full;
    transposed = false;
    static const std::map<std::string, std::string> global = {{"wte.weight", "token_embd.weight"},
                                                              {"wpe.weight", "position_embd.weight"},
                                                              {"ln_f.weight", "output_norm.weight"},
                                                              {"ln_f.bias", "output_norm.bias"}};
    static const std::map<std::string, std::string> per_layer = {
        {"ln_1.weight", "attn_norm.weight"},  {"ln_1.bias", "attn_norm.bias"},        {"attn.c_attn.weight", "attn_qkv.weight"},
        {"attn.c_attn.bias", "attn_qkv.bias"}, {"attn.c_proj.weight", "attn_output.weight"}, {"attn.c_proj.bias", "attn_output.bias"},
        {"ln_2.weight", "ffn_norm.weight"},   {"ln_2.bias", "ffn_norm.bias"},         {"mlp.c_fc.weight", "ffn_up.weight"},
        {"mlp.c_fc.bias", "ffn_up.bias"},     {"mlp.c_proj.weight", "ffn_down.weight"}, {"mlp.c_proj.bias", "ffn_down.bias"}};
    if (const auto it = global.find(name); it != global.end()) return it->second;
    static const std::regex layer(R"(h\.(\d+)\.(.+))");
    std::smatch m;
    if (std::regex_match(name, m, layer))
        if (const auto it = per_layer.find(m[2].str()); it != per_layer.end()) {
            transposed = m[2].str().find(".weight") != std::string::npos && m[2].str().rfind("ln_", 0) != 0;
            return "blk." + m[1].str() + "." + it->second;
        }
    return "";
}

void read_config(ModelConfig& c, const json& j, const fs::path& file) {
    const std::string type = field<std::string>(j, "model_type", file);
    if (type == "gpt2") {
        c.architecture = Architecture::gpt2;
        c.dim = field<int>(j, "n_embd", file);
        c.layers = field<int>(j, "n_layer", file);
        c.heads = field<int>(j, "n_head", file);
        c.kv_heads = c.heads;
        c.context = field<int>(j, "n_positions", file);
        c.hidden = field<int>(j, "n_inner", file, 4 * c.dim);
        c.norm_eps = field<double>(j, "layer_norm_epsilon", file, 1e-5);
        c.vocab = field<int>(j, "vocab_size", file);
        c.tied_embeddings = true;
        const auto activation = field<std::string>(j, "activation_function", file, "gelu_new");
        if (activation != "gelu_new" && activation != "gelu_pytorch_tanh")
            throw InputError(file.string() + ": field activation_function '" + activation + "' is not supported (gelu_new is)");
    } else if (type == "llama" || type == "mistral" || type == "qwen2") {
        c.architecture = Architecture::llama;
        c.dim = field<int>(j, "hidden_size", file);
        c.hidden = field<int>(j, "intermediate_size", file);
        c.layers = field<int>(j, "num_hidden_layers", file);
        c.heads = field<int>(j, "num_attention_heads", file);
        c.kv_heads = field<int>(j, "num_key_value_heads", file, c.heads);
        c.context = field<int>(j, "max_position_embeddings", file);
        c.norm_eps = field<double>(j, "rms_norm_eps", file, 1e-6);
        // transformers 5 moved theta into rope_parameters; anything but plain RoPE is refused.
        const json rope = j.contains("rope_parameters") && j["rope_parameters"].is_object() ? j["rope_parameters"] : j;
        c.rope_theta = field<double>(rope, "rope_theta", file, 10000.0);
        if (field<std::string>(rope, "rope_type", file, "default") != "default")
            throw InputError(file.string() + ": field rope_type '" + rope["rope_type"].get<std::string>() + "' is not supported (default RoPE only)");
        c.rope_layout = RopeLayout::halves;
        c.vocab = field<int>(j, "vocab_size", file);
        c.tied_embeddings = field<bool>(j, "tie_word_embeddings", file, false);
        if (c.heads <= 0) throw InputError(file.string() + ": field num_attention_heads must be positive");
        c.head_dim = field<int>(j, "head_dim", file, c.dim / c.heads);
        if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
            throw InputError(file.string() + ": field rope_scaling is not supported (plain RoPE only)");
    } else {
        throw InputError(file.string() + ": model_type '" + type + "' is not supported (llama, mistral, qwen2, gpt2 are)");
    }
    if (c.architecture == Architecture::gpt2) c.head_dim = c.heads > 0 ? c.dim / c.heads : 0;
}

// Hugging Face's ByteLevel pre-tokenizer option add_prefix_space, given alone or in a Sequence (one
// level, as the library writes it).
bool byte_level_prefix_space(const json& pre) {
    if (!pre.is_object()) return false;
    const auto type = pre.find("type");
    if (type == pre.end() || !type->is_string()) return false;
    if (*type == "Sequence") {
        const auto list = pre.find("pretokenizers");
        if (list == pre.end() || !list->is_array()) return false;
        return std::any_of(list->begin(), list->end(), [](const json& p) {
            return p.is_object() && p.value("type", json()) == "ByteLevel" && p.value("add_prefix_space", json()) == true;
        });
    }
    return *type == "ByteLevel" && pre.value("add_prefix_space", json()) == true;
}

}  // namespace

bool is_hf_model(const std::string& path) {
    if (fs::is_directory(path)) return fs::exists(fs::path(path) / "config.json");
    return fs::path(path).extension() == ".safetensors" || fs::path(path).filename() == "config.json";
}

ModelWeights load_hf_model(const std::string& path) {
    const fs::path config_file = folder_of(path) / "config.json";
    ModelWeights w(path, "safetensors");
    read_config(w.config, read_json(config_file), config_file);
    for (const auto& file : weight_files(path)) {
        SafetensorsFile st = read_safetensors(file.string());
        for (auto& [name, tensor] : st.tensors) {
            bool transposed = false;
            const std::string canonical =
                w.config.architecture == Architecture::gpt2 ? canonical_gpt2(name, transposed) : canonical_llama(name);
            if (canonical.empty()) continue;
            if (canonical == "output.weight" && w.config.tied_embeddings) continue;
            tensor.transposed = transposed;
            w.add(canonical, std::move(tensor));
        }
    }
    if (w.config.architecture == Architecture::llama) {
        w.config.qkv_bias = w.has("blk.0.attn_q.bias");
        if (!w.config.tied_embeddings && !w.has("output.weight")) w.config.tied_embeddings = true;  // lm_head shared on save
    }
    w.validate();
    return w;
}

std::shared_ptr<const Tokenizer> load_hf_tokenizer(const std::string& path, int vocab) {
    const fs::path file = folder_of(path) / "tokenizer.json";
    if (!fs::exists(file)) return nullptr;
    const json j = read_json(file);
    // Every field is checked for its JSON type too: a wrong type is a malformed file, not a crash
    // (found by tests/fuzz/fuzz_tokenizer_json: "byte_fallback": "yes").
    try {
        if (!j.contains("model") || j["model"].value("type", "") != "BPE") return nullptr;
        const json& model = j["model"];
        const bool byte_level = !model.value("byte_fallback", false);

        std::vector<std::string> pieces(static_cast<std::size_t>(vocab));
        std::vector<bool> filled(static_cast<std::size_t>(vocab), false), special(static_cast<std::size_t>(vocab), false);
        const auto place = [&](const std::string& piece, int id, const std::string& where) {
            if (id < 0 || id >= vocab)
                throw InputError(file.string() + ": " + where + " id " + std::to_string(id) + " is outside the model's vocab of " +
                                 std::to_string(vocab));
            pieces[std::size_t(id)] = byte_level ? piece : sentencepiece_spaces(piece);
            filled[std::size_t(id)] = true;
        };
        // An id that is no integer of int's range is refused before it is converted (json_integer.hpp).
        const auto id_of = [&](const json& value, const std::string& where) {
            const auto id = json_integer(value, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
            if (!id) throw InputError(file.string() + ": " + where + " id " + value.dump().substr(0, 40) + " is not an integer id");
            return int(*id);
        };
        for (const auto& [piece, id] : model.at("vocab").items()) place(piece, id_of(id, "model.vocab"), "model.vocab");
        int bos = -1, eos = -1;
        std::vector<int> added_ids;
        for (const auto& added : j.value("added_tokens", json::array())) {
            const int id = id_of(added.at("id"), "added_tokens");
            const std::string content = added.at("content").get<std::string>();
            place(content, id, "added_tokens");
            added_ids.push_back(id);
            if (added.value("special", false)) special[std::size_t(id)] = true;
            if (content == "<s>" || content == "<|begin_of_text|>" || content == "<|endoftext|>") bos = bos < 0 ? id : bos;
            if (content == "</s>" || content == "<|end_of_text|>" || content == "<|endoftext|>") eos = id;
        }
        if (bos < 0 || eos < 0) throw InputError(file.string() + ": no <s>, </s> or <|endoftext|> among added_tokens");
        std::vector<std::pair<std::string, std::string>> merges;
        for (const auto& m : model.value("merges", json::array())) {
            if (m.is_array()) {
                merges.emplace_back(m.at(0).get<std::string>(), m.at(1).get<std::string>());
                continue;
            }
            const std::string text = m.get<std::string>();
            const auto space = text.find(' ');
            if (space == std::string::npos) throw InputError(file.string() + ": merge '" + text + "' has no space");
            merges.emplace_back(text.substr(0, space), text.substr(space + 1));
        }
        if (byte_level)
            return std::make_shared<ByteLevelBpeTokenizer>(file.string(), std::move(pieces), merges, bos, eos, added_ids,
                                                           byte_level_prefix_space(j.value("pre_tokenizer", json())));

        for (int id = 0; id < vocab; ++id)
            if (!filled[std::size_t(id)]) special[std::size_t(id)] = true;  // padding rows of the embedding
        // The merge that makes a piece ranks it: earlier merges win, as scores do in SentencePiece.
        std::vector<float> scores(static_cast<std::size_t>(vocab), -1e9f);
        std::map<std::string, int> ids;
        for (int id = 0; id < vocab; ++id) ids.emplace(pieces[std::size_t(id)], id);
        for (std::size_t rank = 0; rank < merges.size(); ++rank) {
            const auto it = ids.find(sentencepiece_spaces(merges[rank].first + merges[rank].second));
            if (it != ids.end() && scores[std::size_t(it->second)] < -1e8f) scores[std::size_t(it->second)] = -float(rank);
        }
        return std::make_shared<SentencePieceTokenizer>(file.string(), std::move(pieces), std::move(scores), bos, eos,
                                                        std::move(special));
    } catch (const json::exception& e) {
        throw InputError(file.string() + ": malformed (" + std::string(e.what()) + ")");
    }
}

}  // namespace hashscope
