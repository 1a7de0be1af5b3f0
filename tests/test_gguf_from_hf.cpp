// GGUF files converted from the tiny Hugging Face models in tests/data/hf the way llama.cpp's
// converter does it — llama: Q/K rows permuted from the halves RoPE layout to interleaved pairs;
// qwen2: no permutation (llama.cpp runs it with NeoX-style RoPE); gpt2: Conv1D weights transposed
// to [out, in] — give the logits transformers computed. This checks the GGUF architectures'
// RoPE layouts and tensor conventions against an independent implementation.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "core/model/model_loader.hpp"
#include "core/model/safetensors_reader.hpp"
#include "core/model/transformer_forward.hpp"
#include "core/npy.hpp"
#include "support/gguf_writer.hpp"
#include "support/model_fixtures.hpp"
#include "support/quantised_blocks.hpp"

using namespace hashscope;
using namespace hashscope_test;

namespace {

const std::string kHfData = HASHSCOPE_TEST_DATA_DIR "/hf";

std::vector<std::uint8_t> bytes_of(const Tensor& t) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(t.data.data());
    return {p, p + t.data.size()};
}

// Rows r = h * d + half * d / 2 + i become h * d + 2 i + half (llama.cpp's permute for Q and K).
std::vector<std::uint8_t> interleave_rows(const Tensor& t, int heads) {
    const auto rows = t.shape[0], row_bytes = std::int64_t(t.data.size()) / rows, d = rows / heads;
    const auto in = bytes_of(t);
    std::vector<std::uint8_t> out(in.size());
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t half = 0; half < 2; ++half)
            for (std::int64_t i = 0; i < d / 2; ++i)
                std::memcpy(out.data() + (h * d + 2 * i + half) * row_bytes, in.data() + (h * d + half * d / 2 + i) * row_bytes,
                            std::size_t(row_bytes));
    return out;
}

// [in, out] elements of `size` bytes -> [out, in].
std::vector<std::uint8_t> transpose(const Tensor& t, std::size_t size) {
    const auto rows = std::size_t(t.shape[0]), cols = std::size_t(t.shape[1]);
    const auto in = bytes_of(t);
    std::vector<std::uint8_t> out(in.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) std::memcpy(out.data() + (c * rows + r) * size, in.data() + (r * cols + c) * size, size);
    return out;
}

std::string gguf_name(const std::string& hf) {
    static const std::vector<std::pair<std::regex, std::string>> rules = {
        {std::regex(R"(model\.embed_tokens\.weight)"), "token_embd.weight"},
        {std::regex(R"(model\.norm\.weight)"), "output_norm.weight"},
        {std::regex(R"(lm_head\.weight)"), "output.weight"},
        {std::regex(R"(model\.layers\.(\d+)\.input_layernorm\.weight)"), "blk.$1.attn_norm.weight"},
        {std::regex(R"(model\.layers\.(\d+)\.post_attention_layernorm\.weight)"), "blk.$1.ffn_norm.weight"},
        {std::regex(R"(model\.layers\.(\d+)\.self_attn\.([qkv])_proj\.(weight|bias))"), "blk.$1.attn_$2.$3"},
        {std::regex(R"(model\.layers\.(\d+)\.self_attn\.o_proj\.weight)"), "blk.$1.attn_output.weight"},
        {std::regex(R"(model\.layers\.(\d+)\.mlp\.(gate|up|down)_proj\.weight)"), "blk.$1.ffn_$2.weight"},
        {std::regex(R"(transformer\.wte\.weight)"), "token_embd.weight"},
        {std::regex(R"(transformer\.wpe\.weight)"), "position_embd.weight"},
        {std::regex(R"(transformer\.ln_f\.(weight|bias))"), "output_norm.$1"},
        {std::regex(R"(transformer\.h\.(\d+)\.ln_1\.(weight|bias))"), "blk.$1.attn_norm.$2"},
        {std::regex(R"(transformer\.h\.(\d+)\.ln_2\.(weight|bias))"), "blk.$1.ffn_norm.$2"},
        {std::regex(R"(transformer\.h\.(\d+)\.attn\.c_attn\.(weight|bias))"), "blk.$1.attn_qkv.$2"},
        {std::regex(R"(transformer\.h\.(\d+)\.attn\.c_proj\.(weight|bias))"), "blk.$1.attn_output.$2"},
        {std::regex(R"(transformer\.h\.(\d+)\.mlp\.c_fc\.(weight|bias))"), "blk.$1.ffn_up.$2"},
        {std::regex(R"(transformer\.h\.(\d+)\.mlp\.c_proj\.(weight|bias))"), "blk.$1.ffn_down.$2"},
    };
    for (const auto& [pattern, replacement] : rules)
        if (std::regex_match(hf, pattern)) return std::regex_replace(hf, pattern, replacement);
    return "";
}

GgmlType ggml_type(TensorType t) { return t == TensorType::f32 ? kF32 : t == TensorType::f16 ? kF16 : kBF16; }

void convert(const std::string& model, const std::string& arch, GgufWriter& w, int heads, int kv_heads) {
    const SafetensorsFile st = read_safetensors(kHfData + "/" + model + "/model.safetensors");
    for (const auto& [name, t] : st.tensors) {
        const std::string target = gguf_name(name);
        ASSERT_FALSE(target.empty()) << name;
        auto shape = t.shape;
        std::vector<std::uint8_t> data = bytes_of(t);
        const bool conv1d = arch == "gpt2" && t.shape.size() == 2 && name.find(".h.") != std::string::npos;
        if (arch == "llama" && name.find("q_proj.weight") != std::string::npos) data = interleave_rows(t, heads);
        if (arch == "llama" && name.find("k_proj.weight") != std::string::npos) data = interleave_rows(t, kv_heads);
        if (conv1d) {
            data = transpose(t, t.data.size() / std::size_t(t.count()));
            std::swap(shape[0], shape[1]);
        }
        w.tensor(target, shape, ggml_type(t.type), data);
    }
}

double logits_error(const std::string& model, const std::string& gguf_file) {
    const auto tokens = npy_values<int>(read_npy(kHfData + "/" + model + "/reference/tokens.npy"));
    const auto reference = npy_values<double>(read_npy(kHfData + "/" + model + "/reference/logits.npy"));
    const auto logits = transformer_forward<float>(load_model(gguf_file).weights, tokens).logits;
    double worst = 0;
    for (Eigen::Index i = 0; i < logits.rows(); ++i)
        for (Eigen::Index j = 0; j < logits.cols(); ++j)
            worst = std::max(worst, std::abs(double(logits(i, j)) - reference.at(std::size_t(i * logits.cols() + j))));
    return worst;
}

void llama_metadata(GgufWriter& w, const std::string& arch, int kv_heads, float theta) {
    w.string("general.architecture", arch);
    w.u32(arch + ".embedding_length", 32);
    w.u32(arch + ".feed_forward_length", 48);
    w.u32(arch + ".block_count", 2);
    w.u32(arch + ".attention.head_count", 4);
    w.u32(arch + ".attention.head_count_kv", std::uint32_t(kv_heads));
    w.u32(arch + ".context_length", 64);
    w.f32(arch + ".rope.freq_base", theta);
    w.f32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
}

}  // namespace

TEST(GgufFromHf, LlamaWithPermutedQKGivesTransformersLogits) {
    TempDir dir("gguf_hf_llama");
    GgufWriter w;
    llama_metadata(w, "llama", 2, 500000.0f);
    convert("llama", "llama", w, 4, 2);
    w.write(dir / "llama.gguf");
    EXPECT_LT(logits_error("llama", dir / "llama.gguf"), 1e-4);
}

TEST(GgufFromHf, Qwen2WithBiasesGivesTransformersLogits) {
    TempDir dir("gguf_hf_qwen2");
    GgufWriter w;
    llama_metadata(w, "qwen2", 1, 10000.0f);
    convert("qwen2", "qwen2", w, 4, 1);
    w.write(dir / "qwen2.gguf");
    EXPECT_TRUE(load_model(dir / "qwen2.gguf").weights.config.qkv_bias);
    EXPECT_LT(logits_error("qwen2", dir / "qwen2.gguf"), 1e-4);
}

TEST(GgufFromHf, Gpt2GivesTransformersLogits) {
    TempDir dir("gguf_hf_gpt2");
    GgufWriter w;
    w.string("general.architecture", "gpt2");
    w.u32("gpt2.embedding_length", 32);
    w.u32("gpt2.feed_forward_length", 128);
    w.u32("gpt2.block_count", 2);
    w.u32("gpt2.attention.head_count", 4);
    w.u32("gpt2.context_length", 64);
    w.f32("gpt2.attention.layer_norm_epsilon", 1e-5f);
    convert("gpt2", "gpt2", w, 4, 4);
    w.write(dir / "gpt2.gguf");
    EXPECT_LT(logits_error("gpt2", dir / "gpt2.gguf"), 1e-4);
}
