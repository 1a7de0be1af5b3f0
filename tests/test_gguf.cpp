// GGUF: block dequantisation against values computed from the integers the test packed
// (tests/support/quantised_blocks.hpp), a tiny random Llama written by the test's own GGUF writer
// in every type giving the logits of the same values stored as F32, the stories260K fixtures (v3
// and legacy v1) giving the llama2.c checkpoint's logits, and broken files refused by name.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

#include "core/model/gguf_model.hpp"
#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/model_loader.hpp"
#include "core/model/transformer_forward.hpp"
#include "support/gguf_writer.hpp"
#include "support/model_fixtures.hpp"
#include "support/quantised_blocks.hpp"

using namespace hashscope;
using namespace hashscope_test;

namespace {

// A one-layer Llama: dim 256, hidden 256, 4 heads of 64, 2 KV heads, vocab 256, context 16.
struct TinyLlama {
    GgufWriter writer;
    std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<float>>> tensors;  // shape, values

    TinyLlama(GgmlType matrices, std::uint64_t seed) {
        metadata(writer);
        Rng rng(seed);
        add("token_embd.weight", {256, 256}, matrices, rng);
        add("output_norm.weight", {256}, kF32, rng);
        add("blk.0.attn_norm.weight", {256}, kF32, rng);
        add("blk.0.ffn_norm.weight", {256}, kF32, rng);
        add("blk.0.attn_q.weight", {256, 256}, matrices, rng);
        add("blk.0.attn_k.weight", {128, 256}, matrices, rng);
        add("blk.0.attn_v.weight", {128, 256}, matrices, rng);
        add("blk.0.attn_output.weight", {256, 256}, matrices, rng);
        add("blk.0.ffn_gate.weight", {256, 256}, matrices, rng);
        add("blk.0.ffn_up.weight", {256, 256}, matrices, rng);
        add("blk.0.ffn_down.weight", {256, 256}, matrices, rng);
    }

    static void metadata(GgufWriter& w) {
        w.string("general.architecture", "llama");
        w.u32("llama.embedding_length", 256);
        w.u32("llama.feed_forward_length", 256);
        w.u32("llama.block_count", 1);
        w.u32("llama.attention.head_count", 4);
        w.u32("llama.attention.head_count_kv", 2);
        w.u32("llama.context_length", 16);
        w.f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    }

    void add(const std::string& name, std::vector<std::int64_t> shape, GgmlType type, Rng& rng) {
        std::size_t count = 1;
        for (auto d : shape) count *= std::size_t(d);
        Encoded e = encode_random(type, count, rng);
        if (shape.size() == 1) {  // norm weights near 1
            for (auto& v : e.values) v += 1.0f;
            std::memcpy(e.bytes.data(), e.values.data(), e.bytes.size());
        }
        tensors[name] = {shape, e.values};
        writer.tensor(name, std::move(shape), type, std::move(e.bytes));
    }

    // The same values, every tensor stored as F32; `skip` leaves one tensor out.
    GgufWriter as_f32(const std::string& skip = "") const {
        GgufWriter w;
        metadata(w);
        for (const auto& [name, t] : tensors) {
            if (name == skip) continue;
            std::vector<std::uint8_t> bytes(t.second.size() * 4);
            std::memcpy(bytes.data(), t.second.data(), bytes.size());
            w.tensor(name, t.first, kF32, bytes);
        }
        return w;
    }
};

const std::vector<int> kTokens = {3, 200, 17, 99, 255, 0, 42, 7};

}  // namespace

TEST(Gguf, DequantisesEveryTypeToTheValuesItsBlocksStandFor) {
    TempDir dir("gguf_types");
    const GgmlType types[] = {kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_K, kQ6_K};
    GgufWriter w;
    w.alignment = 64;
    std::vector<Encoded> encoded;
    Rng rng(7);
    for (GgmlType t : types) {
        encoded.push_back(encode_random(t, 512, rng));
        w.tensor(std::string("t").append(std::to_string(t)), {2, 256}, t, encoded.back().bytes);
    }
    w.write(dir / "types.gguf");
    const GgufFile g = read_gguf(dir / "types.gguf");
    EXPECT_EQ(g.alignment, 64u);
    ASSERT_EQ(g.tensors.size(), std::size(types));
    for (std::size_t i = 0; i < std::size(types); ++i) {
        const auto& t = g.tensors[i];
        EXPECT_EQ(t.shape, (std::vector<std::int64_t>{2, 256}));
        std::vector<float> out(512);
        dequantise(t.type, g.tensor_data(t), out);
        for (std::size_t j = 0; j < out.size(); ++j)
            ASSERT_NEAR(out[j], encoded[i].values[j], 1e-6f * (1 + std::abs(encoded[i].values[j])))
                << tensor_type_name(t.type) << " value " << j;
    }
}

TEST(Gguf, QuantisedModelsGiveTheLogitsOfTheirValuesInF32) {
    TempDir dir("gguf_tiny");
    for (GgmlType type : {kF16, kBF16, kQ8_0, kQ4_0, kQ4_K, kQ6_K}) {
        const TinyLlama tiny(type, 11 + type);
        tiny.writer.write(dir / "q.gguf");
        tiny.as_f32().write(dir / "f32.gguf");
        const auto quantised = load_model(dir / "q.gguf");
        const auto reference = load_model(dir / "f32.gguf");
        EXPECT_EQ(quantised.weights.tensor("blk.0.attn_q.weight").type, *tensor_type_from_ggml(type));
        EXPECT_TRUE(quantised.weights.config.tied_embeddings);
        EXPECT_EQ(quantised.tokenizer, nullptr);
        const auto a = transformer_forward<double>(quantised.weights, kTokens).logits;
        const auto b = transformer_forward<double>(reference.weights, kTokens).logits;
        EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-9) << "type " << type;
        EXPECT_GT(a.cwiseAbs().maxCoeff(), 1e-3);
    }
}

TEST(Gguf, Stories260KGgufFilesGiveTheCheckpointsLogits) {
    REQUIRE_MODEL_FIXTURE(kStoriesGguf);
    REQUIRE_MODEL_FIXTURE(kStoriesGgufV1);
    REQUIRE_MODEL_FIXTURE(kStories);
    const auto bin = load_model(model_fixture(kStories));
    const std::vector<int> tokens = bin.tokenizer->encode("Once upon a time, there was a little girl named Lily.", true);
    const auto expected = transformer_forward<float>(bin.weights, tokens).logits;
    for (const char* file : {kStoriesGguf, kStoriesGgufV1}) {
        const auto gguf = load_model(model_fixture(file));
        EXPECT_EQ(gguf.weights.format(), std::string(file == kStoriesGguf ? "GGUF v3" : "GGUF v1"));
        EXPECT_EQ(gguf.weights.config.heads, 8);
        EXPECT_EQ(gguf.weights.config.kv_heads, 4);
        ASSERT_NE(gguf.tokenizer, nullptr) << file;
        EXPECT_EQ(gguf.tokenizer->encode("Once upon a time, there was a little girl named Lily.", true), tokens) << file;
        EXPECT_EQ(gguf.tokenizer->encode("Hello wörld! 😀 zq", false), bin.tokenizer->encode("Hello wörld! 😀 zq", false));
        EXPECT_EQ(gguf.tokenizer->decode(tokens), "Once upon a time, there was a little girl named Lily.");
        EXPECT_EQ(transformer_forward<float>(gguf.weights, tokens).logits, expected) << file;
    }
}

TEST(Gguf, RefusesBrokenFilesNamingTheFieldOrTensor) {
    TempDir dir("gguf_bad");
    const auto load_error = [&](const GgufWriter& w) {
        w.write(dir / "bad.gguf");
        return input_error_of([&] { load_model(dir / "bad.gguf"); });
    };
    const auto expect_error = [&](const GgufWriter& w, const std::string& want) {
        const std::string e = load_error(w);
        EXPECT_NE(e.find(want), std::string::npos) << "want '" << want << "' in: " << e;
        EXPECT_NE(e.find(dir / "bad.gguf"), std::string::npos) << e;
    };
    TinyLlama good(kQ8_0, 1);
    ASSERT_EQ(load_error(good.writer), "");

    auto bytes = good.writer.bytes();
    bytes.erase(bytes.end() - 100, bytes.end());
    std::ofstream(dir / "bad.gguf", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    EXPECT_NE(input_error_of([&] { load_model(dir / "bad.gguf"); }).find("runs past the end"), std::string::npos);

    GgufWriter version = good.writer;
    version.version = 4;
    expect_error(version, "GGUF version 4 is not supported");

    GgufWriter offset = good.writer;
    offset.tensor("extra", {32}, kF32, {}, 1u << 30);
    expect_error(offset, "tensor extra offset");

    GgufWriter misaligned = good.writer;
    misaligned.tensor("extra", {32}, kF32, {}, 4);
    expect_error(misaligned, "not a multiple of the alignment");

    GgufWriter unknown = good.writer;
    unknown.tensor("extra", {256}, 13, std::vector<std::uint8_t>(176));  // Q5_K
    expect_error(unknown, "tensor extra has unsupported type id 13");

    expect_error(TinyLlama(kF32, 2).as_f32("blk.0.ffn_up.weight"), "missing tensor blk.0.ffn_up.weight");

    TinyLlama heads(kF32, 4);
    GgufWriter shape = heads.writer;
    shape.u32("llama.attention.head_count_kv", 4);  // a repeated key replaces the first: K/V now need 256 rows
    expect_error(shape, "tensor blk.0.attn_k.weight has shape [128, 256], the config needs [256, 256]");

    GgufWriter vocab = heads.writer;
    vocab.string("tokenizer.ggml.model", "llama");
    vocab.strings("tokenizer.ggml.tokens", std::vector<std::string>(100, "a"));
    expect_error(vocab, "tokenizer.ggml.tokens holds 100 tokens, the model's vocab is 256");

    GgufWriter arch;
    arch.string("general.architecture", "mamba");
    expect_error(arch, "architecture 'mamba' is not supported");

    std::ofstream(dir / "bad.gguf", std::ios::binary) << "GGUX and more bytes to make it long enough";
    EXPECT_NE(input_error_of([&] { read_gguf(dir / "bad.gguf"); }).find("not a GGUF file"), std::string::npos);
}

TEST(Gguf, CorruptedOrTruncatedFilesFailCleanly) {
    // Random bytes changed in the header and tables, and every truncation of them: each load either
    // succeeds or throws InputError, never crashes or reads out of bounds (bounds-checked reads).
    TempDir dir("gguf_fuzz");
    GgufWriter w;
    w.string("general.architecture", "llama");
    w.strings("tokenizer.ggml.tokens", {"a", "b", "<0x0A>"});
    w.floats("tokenizer.ggml.scores", {0.5f, -1.0f, 0.0f});
    w.alignment = 64;
    Rng rng(99);
    w.tensor("q8", {2, 32}, kQ8_0, encode_random(kQ8_0, 64, rng).bytes);
    w.tensor("f16", {8}, kF16, encode_random(kF16, 8, rng).bytes);
    const auto good = w.bytes();
    w.write(dir / "f.gguf");
    const std::size_t header = read_gguf(dir / "f.gguf").data_offset;  // magic, counts, metadata, tensor table
    ASSERT_GT(header, 300u);
    const auto attempt = [&](const std::vector<std::uint8_t>& bytes) {
        std::ofstream(dir / "f.gguf", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        try {
            const GgufFile g = read_gguf(dir / "f.gguf");
            for (const auto& t : g.tensors) {
                std::vector<float> out(std::size_t(std::accumulate(t.shape.begin(), t.shape.end(), std::int64_t(1), std::multiplies<>())));
                dequantise(t.type, g.tensor_data(t), out);
            }
        } catch (const InputError&) {
        }
    };
    for (int trial = 0; trial < 300; ++trial) {
        auto bytes = good;
        const int changes = 1 + int(rng.below(3));
        for (int c = 0; c < changes; ++c) bytes[rng.below(std::min(header, bytes.size()))] = std::uint8_t(rng.below(256));
        attempt(bytes);
    }
    for (std::size_t cut = 0; cut < std::min(header, good.size()); ++cut) attempt({good.begin(), good.begin() + std::ptrdiff_t(cut)});
    SUCCEED();
}
