// Hugging Face safetensors models against transformers itself. tests/data/hf holds tiny random
// LlamaForCausalLM (F32, GQA, theta 500000), Qwen2ForCausalLM (BF16, q/k/v biases, tied) and
// GPT2LMHeadModel (F16) with the logits and post-RoPE Q/K/V transformers computed for them, made by
// tests/reference/hf_cross_check.py (PyTorch on the device machine). Also: a sharded copy gives the
// same model, and broken safetensors files are refused naming the file and tensor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/model/model_loader.hpp"
#include "core/model/safetensors_reader.hpp"
#include "core/model/transformer_forward.hpp"
#include "core/npy.hpp"
#include "support/model_fixtures.hpp"
#include "support/safetensors_writer.hpp"

using namespace hashscope;
namespace fs = std::filesystem;
using hashscope_test::input_error_of;

namespace {

const std::string kData = HASHSCOPE_TEST_DATA_DIR "/hf";

double max_diff(const std::string& file, const std::vector<Matrix<float>>& stacked) {
    const auto reference = npy_values<double>(read_npy(file));
    std::size_t at = 0;
    double worst = 0;
    for (const auto& m : stacked)
        for (Eigen::Index i = 0; i < m.rows(); ++i)
            for (Eigen::Index j = 0; j < m.cols(); ++j) worst = std::max(worst, std::abs(double(m(i, j)) - reference.at(at++)));
    EXPECT_EQ(at, reference.size()) << file;
    return worst;
}

std::vector<int> reference_tokens(const std::string& model) {
    return npy_values<int>(read_npy(kData + "/" + model + "/reference/tokens.npy"));
}

void expect_matches_transformers(const std::string& name, Architecture architecture, TensorType type) {
    const std::string folder = kData + "/" + name;
    const LoadedModel m = load_model(folder);
    EXPECT_EQ(m.weights.config.architecture, architecture);
    EXPECT_EQ(m.weights.tensor("blk.1.ffn_down.weight").type, type);
    const auto trace = transformer_forward<float>(m.weights, reference_tokens(name));
    EXPECT_LT(max_diff(folder + "/reference/logits.npy", {trace.logits}), 1e-4) << name;
    for (std::size_t l = 0; l < trace.layers.size(); ++l) {
        const std::string prefix = folder + "/reference/layer" + std::to_string(l);
        EXPECT_LT(max_diff(prefix + ".q.npy", trace.layers[l].q), 1e-4) << name << " layer " << l;
        EXPECT_LT(max_diff(prefix + ".k.npy", trace.layers[l].k), 1e-4) << name << " layer " << l;
        EXPECT_LT(max_diff(prefix + ".v.npy", trace.layers[l].v), 1e-4) << name << " layer " << l;
    }
}

}  // namespace

TEST(HfModels, LlamaMatchesTransformers) {
    expect_matches_transformers("llama", Architecture::llama, TensorType::f32);
    const auto c = load_model(kData + "/llama").weights.config;
    EXPECT_EQ(c.kv_heads, 2);
    EXPECT_EQ(c.rope_theta, 500000.0);
    EXPECT_EQ(c.rope_layout, RopeLayout::halves);
    EXPECT_FALSE(c.tied_embeddings);
}

TEST(HfModels, Qwen2WithBiasesMatchesTransformers) {
    expect_matches_transformers("qwen2", Architecture::llama, TensorType::bf16);
    const auto c = load_model(kData + "/qwen2/model.safetensors").weights.config;
    EXPECT_TRUE(c.qkv_bias);
    EXPECT_TRUE(c.tied_embeddings);
    EXPECT_EQ(c.kv_heads, 1);
}

TEST(HfModels, Gpt2MatchesTransformers) { expect_matches_transformers("gpt2", Architecture::gpt2, TensorType::f16); }

TEST(HfModels, ShardedCopyLoadsTheSameModel) {
    hashscope_test::TempDir dir("hf_sharded");
    fs::copy_file(kData + "/llama/config.json", dir / "config.json");
    const SafetensorsFile whole = read_safetensors(kData + "/llama/model.safetensors");
    hashscope_test::SafetensorsWriter shards[2];
    nlohmann::json index{{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
    int i = 0;
    for (const auto& [name, t] : whole.tensors) {
        const int shard = i++ % 2;
        shards[shard].tensor(name, "F32", t.shape, std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(t.data.data()),
                                                                             reinterpret_cast<const std::uint8_t*>(t.data.data()) + t.data.size()));
        index["weight_map"][name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
    }
    shards[0].write(dir / "model-00001-of-00002.safetensors");
    shards[1].write(dir / "model-00002-of-00002.safetensors");
    std::ofstream(dir / "model.safetensors.index.json") << index.dump();
    const auto tokens = reference_tokens("llama");
    const auto sharded = transformer_forward<float>(load_model(dir.path.string()).weights, tokens).logits;
    const auto single = transformer_forward<float>(load_model(kData + "/llama").weights, tokens).logits;
    EXPECT_EQ(sharded, single);
}

TEST(HfModels, RefusesBrokenSafetensorsNamingFileAndTensor) {
    hashscope_test::TempDir dir("hf_bad");
    const std::string file = dir / "bad.safetensors";
    const std::vector<std::uint8_t> eight(8, 0);
    const auto expect_error = [&](const hashscope_test::SafetensorsWriter& w, const std::string& want) {
        w.write(file);
        const std::string e = input_error_of([&] { read_safetensors(file); });
        EXPECT_NE(e.find(want), std::string::npos) << "want '" << want << "' in: " << e;
        EXPECT_NE(e.find(file), std::string::npos) << e;
    };
    hashscope_test::SafetensorsWriter good;
    good.tensor("a", "F32", {2}, eight);
    good.write(file);
    EXPECT_EQ(read_safetensors(file).tensors.at("a").count(), 2);

    hashscope_test::SafetensorsWriter past = good;
    past.header["a"]["data_offsets"] = {4, 12};
    expect_error(past, "tensor a data");
    hashscope_test::SafetensorsWriter size = good;
    size.header["a"]["shape"] = {3};
    expect_error(size, "tensor a [3] F32 needs 12 bytes, data_offsets give 8");
    hashscope_test::SafetensorsWriter dtype = good;
    dtype.header["a"]["dtype"] = "I64";
    expect_error(dtype, "tensor a has unsupported dtype I64");
    hashscope_test::SafetensorsWriter malformed = good;
    malformed.header["a"].erase("shape");
    expect_error(malformed, "tensor a entry is malformed");

    std::ofstream(file, std::ios::binary) << std::string("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10);
    EXPECT_NE(input_error_of([&] { read_safetensors(file); }).find("header runs past the end"), std::string::npos);

    // A model folder whose config disagrees with the weights names the tensor.
    fs::copy_file(kData + "/llama/model.safetensors", dir / "model.safetensors");
    std::ifstream in(kData + "/llama/config.json");
    auto config = nlohmann::json::parse(in);
    config["intermediate_size"] = 64;
    std::ofstream(dir / "config.json") << config.dump();
    EXPECT_NE(input_error_of([&] { load_model(dir.path.string()); }).find("the config needs [64, 32]"), std::string::npos);
    config["intermediate_size"] = 48;
    config["model_type"] = "mamba";
    std::ofstream(dir / "config.json") << config.dump();
    EXPECT_NE(input_error_of([&] { load_model(dir.path.string()); }).find("model_type 'mamba' is not supported"), std::string::npos);
}

TEST(HfModels, RefusesATokenizerJsonThatDoesNotParseOrFit) {
    hashscope_test::TempDir dir("hf_tokenizer");
    fs::copy_file(kData + "/llama/model.safetensors", dir / "model.safetensors");
    fs::copy_file(kData + "/llama/config.json", dir / "config.json");
    std::ofstream(dir / "tokenizer.json") << "{\"model\": {\"type\": \"BPE\", ";
    const std::string broken = input_error_of([&] { load_model(dir.path.string()); });
    EXPECT_NE(broken.find(dir / "tokenizer.json"), std::string::npos) << broken;
    EXPECT_NE(broken.find("not valid JSON"), std::string::npos) << broken;
    // The byte-level tokenizer of tests/data/bpe has 420 pieces; this model's vocabulary is 128.
    fs::copy_file(HASHSCOPE_TEST_DATA_DIR "/bpe/tokenizer.json", dir / "tokenizer.json", fs::copy_options::overwrite_existing);
    const std::string too_big = input_error_of([&] { load_model(dir.path.string()); });
    EXPECT_NE(too_big.find("outside the model's vocab of 128"), std::string::npos) << too_big;
    // Ids that are no int: a float, and a literal too long for 64 bits (which JSON parses as a float;
    // converting it was undefined behaviour, found by fuzz_tokenizer_json).
    for (const std::string& id : std::vector<std::string>{"1.5", std::string(100, '1'), "-1e300", "\"7\""}) {
        SCOPED_TRACE(id);
        std::ofstream(dir / "tokenizer.json", std::ios::trunc)
            << "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": " << id << "}, \"merges\": []}}";
        const std::string bad_id = input_error_of([&] { load_model(dir.path.string()); });
        EXPECT_NE(bad_id.find("model.vocab id"), std::string::npos) << bad_id;
        EXPECT_NE(bad_id.find("is not an integer id"), std::string::npos) << bad_id;
    }
}
