// hashscope's own models (assets/models, issue 11) in every format they ship in: the same tokens
// give the same loss from safetensors (F16), llama2.c (F32 of the same rounded weights) and the GGUF
// hashscope wrote (Q8_0, a stated bound); logits match what transformers computed on the device
// (assets/models/train/report.json); greedy continuations agree across formats and with the device's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/model/byte_level_bpe_tokenizer.hpp"
#include "core/model/gguf_writer.hpp"
#include "core/model/model_loader.hpp"
#include "core/model/next_token_loss.hpp"
#include "core/model/transformer_forward.hpp"

using namespace hashscope;

namespace {

const std::string kModels = HASHSCOPE_ASSETS_DIR "/models";

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const nlohmann::json& report() {
    static const nlohmann::json r = nlohmann::json::parse(slurp(kModels + "/train/report.json"));
    return r;
}

Matrix<float> logits(const LoadedModel& m, const std::vector<int>& tokens) {
    ForwardOptions<float> options;
    options.capture = false;
    return transformer_forward<float>(m.weights, tokens, options).logits;
}

double loss(const LoadedModel& m, const std::vector<int>& tokens) { return mean_next_token_loss(logits(m, tokens), tokens); }

std::vector<int> greedy(const LoadedModel& m, std::vector<int> tokens, int steps) {
    for (int s = 0; s < steps; ++s) {
        const Matrix<float> l = logits(m, tokens);
        Eigen::Index best = 0;
        l.row(l.rows() - 1).maxCoeff(&best);
        tokens.push_back(int(best));
    }
    return tokens;
}

// The validation excerpt (held-out books) with BOS, by the Hugging Face tokenizer.
std::vector<int> excerpt_tokens(const LoadedModel& hf) { return hf.tokenizer->encode(slurp(kModels + "/kjv-val-excerpt.txt"), true); }

}  // namespace

TEST(KjvModels, EveryLlamaFormatGivesTheSameLoss) {
    const LoadedModel hf = load_model(kModels + "/kjv-llama");
    const LoadedModel c = load_model(kModels + "/kjv-llama/model.bin", kModels + "/kjv-llama/tokenizer.bin");
    const LoadedModel gguf = load_model(kModels + "/kjv-llama/model.gguf");
    const std::string text = slurp(kModels + "/kjv-val-excerpt.txt");
    const std::vector<int> tokens = excerpt_tokens(hf);
    ASSERT_GT(tokens.size(), 200u);
    // Each format's own tokenizer reads the text alike: tokenizer.json's prefix space (ByteLevel
    // add_prefix_space), llama2.c's dummy-prefix space, GGUF's tokenizer.ggml.add_space_prefix.
    EXPECT_EQ(c.tokenizer->encode(text, true), tokens);
    EXPECT_EQ(gguf.tokenizer->encode(text, true), tokens);
    const double base = loss(hf, tokens);
    EXPECT_GT(base, 1.5);  // a trained model, but not one that has seen these books
    EXPECT_LT(base, 4.0);
    // transformers on the device, the same text through Hugging Face tokenizers: same count, same loss.
    const nlohmann::json& device = report()["kjv-llama"]["excerpt"];
    EXPECT_EQ(device["tokens"].get<std::size_t>(), tokens.size());
    EXPECT_NEAR(device["loss"].get<double>(), base, 1e-4);  // measured 2.6134822 vs 2.6134823
    EXPECT_NEAR(loss(c, tokens), base, 1e-4);     // F32 copy of the same half-rounded weights
    EXPECT_NEAR(loss(gguf, tokens), base, 5e-3);  // Q8_0: 8-bit weights, the stated bound
}

TEST(KjvModels, EveryGpt2FormatGivesTheSameLoss) {
    const LoadedModel hf = load_model(kModels + "/kjv-gpt2");
    const LoadedModel gguf = load_model(kModels + "/kjv-gpt2/model.gguf");
    const std::vector<int> tokens = excerpt_tokens(hf);
    EXPECT_EQ(gguf.tokenizer->encode(slurp(kModels + "/kjv-val-excerpt.txt"), true), tokens);
    EXPECT_NEAR(loss(gguf, tokens), loss(hf, tokens), 5e-3);
}

TEST(KjvModels, LogitsMatchTransformersOnTheDevice) {
    for (const std::string name : {"kjv-llama", "kjv-gpt2"}) {
        const nlohmann::json& ref = report()[name]["reference"];
        const LoadedModel hf = load_model(kModels + "/" + name);
        const std::vector<int> ids = ref["ids"].get<std::vector<int>>();
        EXPECT_EQ(hf.tokenizer->encode(ref["prompt"].get<std::string>(), true), ids) << name;
        const Matrix<float> l = logits(hf, ids);
        const std::vector<float> first = ref["logits_first"].get<std::vector<float>>(), last = ref["logits_last"].get<std::vector<float>>();
        float worst = 0;
        for (Eigen::Index v = 0; v < l.cols(); ++v)
            worst = std::max({worst, std::abs(l(0, v) - first[std::size_t(v)]), std::abs(l(l.rows() - 1, v) - last[std::size_t(v)])});
        EXPECT_LT(worst, 2e-3) << name;  // measured 3.6e-4 (llama), 1.3e-5 (gpt2)
    }
}

TEST(KjvModels, GreedyContinuationsAgreeAcrossFormatsAndWithTheDevice) {
    const LoadedModel hf = load_model(kModels + "/kjv-llama");
    const LoadedModel c = load_model(kModels + "/kjv-llama/model.bin", kModels + "/kjv-llama/tokenizer.bin");
    const LoadedModel gguf = load_model(kModels + "/kjv-llama/model.gguf");
    const std::vector<int> prompt = hf.tokenizer->encode("And God said", true);
    const std::vector<int> device = report()["kjv-llama"]["samples"]["And God said"]["ids"].get<std::vector<int>>();
    const std::vector<int> ours = greedy(hf, prompt, 16);
    EXPECT_EQ(ours, std::vector<int>(device.begin(), device.begin() + std::ptrdiff_t(ours.size())));
    EXPECT_EQ(greedy(c, prompt, 16), ours);
    // Q8_0 weights move the logits by ~1e-2: the continuation agrees for its first 9 tokens, then a
    // near tie goes the other way (measured). Asserted over the first 8.
    const std::vector<int> quantised = greedy(gguf, prompt, 8);
    EXPECT_EQ(quantised, std::vector<int>(ours.begin(), ours.begin() + std::ptrdiff_t(quantised.size())));
    // Decoded as Hugging Face decodes it: with the prefix space.
    EXPECT_EQ(hf.tokenizer->decode(std::span<const int>(ours).subspan(1)).substr(0, 28), " And God said unto him, Thou");
}

// Rewriting the GGUF from the safetensors gives the shipped file byte for byte.
TEST(KjvModels, ShippedGgufIsWhatConvertWrites) {
    for (const std::string name : {"kjv-llama", "kjv-gpt2"}) {
        const LoadedModel hf = load_model(kModels + "/" + name);
        const auto out = std::filesystem::temp_directory_path() / ("hashscope_" + name + ".gguf");
        write_gguf(hf.weights, dynamic_cast<const ByteLevelBpeTokenizer&>(*hf.tokenizer), out.string(), TensorType::q8_0, name);
        EXPECT_EQ(slurp(out.string()), slurp(kModels + "/" + name + "/model.gguf")) << name;
        std::filesystem::remove(out);
    }
}

// llama.cpp (node-llama-cpp 3.22.1, CPU) on the shipped GGUF files, greedy after BOS "And God said"
// as each model's tokenizer codes it (tests/reference/llama_cpp_greedy.mjs MODEL.gguf 16 ID...),
// recorded 2026-12-04: the same tokens as hashscope's continuation on the half-precision weights.
// kjv-llama's ids carry its prefix space (580 = " And"): llama.cpp reads tokenizer.ggml.add_space_prefix
// for SentencePiece vocabularies only, so from the text "And God said" it gives 298 383 393.
TEST(KjvModels, GreedyContinuationsMatchLlamaCpp) {
    struct Run {
        std::vector<int> prompt, continuation;
    };
    const std::map<std::string, Run> llama_cpp = {
        {"kjv-llama", {{1, 580, 383, 393}, {323, 341, 14, 1408, 507, 347, 413, 426, 16, 201, 298, 310, 393, 323, 341, 14}}},
        {"kjv-gpt2", {{1, 298, 383, 393}, {323, 341, 14, 304, 395, 648, 397, 14, 270, 304, 395, 648, 397, 16, 201, 298}}}};
    for (const auto& [name, run] : llama_cpp) {
        const LoadedModel hf = load_model(kModels + "/" + name);
        ASSERT_EQ(hf.tokenizer->encode("And God said", true), run.prompt) << name;
        std::vector<int> want = run.prompt;
        want.insert(want.end(), run.continuation.begin(), run.continuation.end());
        EXPECT_EQ(greedy(hf, run.prompt, 16), want) << name;
    }
}
