// Mapped model files and the llama2.c checkpoint: every read is bounds-checked, and truncated,
// padded or nonsensical files are refused with one line naming the file and the field or array.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/mapped_file.hpp"
#include "core/model/transformer_forward.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;
using hashscope_test::model_fixture;
using hashscope_test::TempDir;

namespace {

std::vector<char> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace

TEST(MappedFile, EveryReadIsBoundsChecked) {
    TempDir dir("mapped");
    write_all(dir / "ten", std::vector<char>(10, 'x'));
    const auto file = MappedFile::open(dir / "ten");
    EXPECT_EQ(file->size(), 10u);
    EXPECT_EQ(file->bytes(2, 8, "tail").size(), 8u);
    EXPECT_EQ(file->bytes(10, 0, "empty end").size(), 0u);
    EXPECT_NE(hashscope_test::input_error_of([&] { file->bytes(3, 8, "field X"); }).find("field X runs past the end"), std::string::npos);
    EXPECT_NE(hashscope_test::input_error_of([&] { file->bytes(11, 0, "f"); }), "");
    // Offsets and lengths near 2^64 must not wrap around into the file.
    const auto huge = std::numeric_limits<std::uint64_t>::max();
    EXPECT_NE(hashscope_test::input_error_of([&] { file->bytes(huge, 2, "f"); }), "");
    EXPECT_NE(hashscope_test::input_error_of([&] { file->bytes(2, huge, "f"); }), "");
    EXPECT_NE(hashscope_test::input_error_of([&] { file->read<std::uint64_t>(5, "u64"); }), "");
    FileCursor cursor(*file, 8);
    EXPECT_EQ(cursor.remaining(), 2u);
    EXPECT_NE(hashscope_test::input_error_of([&] { cursor.next<std::uint32_t>("count"); }).find("count"), std::string::npos);
    EXPECT_NE(hashscope_test::input_error_of([] { MappedFile::open("/nonexistent/model.bin"); }).find("/nonexistent/model.bin"), std::string::npos);
}

TEST(Llama2cCheckpoint, ReadsTheStories260KHeaderAndTensors) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const ModelWeights m = load_llama2c_checkpoint(model_fixture(hashscope_test::kStories));
    const ModelConfig& c = m.config;
    EXPECT_EQ(c.architecture, Architecture::llama);
    EXPECT_EQ(c.dim, 64);
    EXPECT_EQ(c.hidden, 172);
    EXPECT_EQ(c.layers, 5);
    EXPECT_EQ(c.heads, 8);
    EXPECT_EQ(c.kv_heads, 4);
    EXPECT_EQ(c.head_dim, 8);
    EXPECT_EQ(c.vocab, 512);
    EXPECT_EQ(c.context, 512);
    EXPECT_TRUE(c.tied_embeddings);
    EXPECT_EQ(c.rope_layout, RopeLayout::interleaved);
    EXPECT_EQ(m.tensors().size(), 2u + 9u * 5u);  // embedding, final norm, nine per layer
    EXPECT_EQ(m.tensor("blk.4.attn_k.weight").shape, (std::vector<std::int64_t>{32, 64}));
    // The first float of the file after the header is the embedding's [0, 0].
    float first;
    std::ifstream(model_fixture(hashscope_test::kStories), std::ios::binary).seekg(28).read(reinterpret_cast<char*>(&first), 4);
    EXPECT_EQ(m.linear<float>("token_embd.weight", 512, 64)(0, 0), first);
    EXPECT_NE(hashscope_test::input_error_of([&] { m.tensor("blk.5.attn_q.weight"); }).find("missing tensor blk.5.attn_q.weight"), std::string::npos);
    EXPECT_NE(hashscope_test::input_error_of([&] { m.linear<float>("blk.0.attn_k.weight", 64, 64); }).find("has shape [32, 64]"), std::string::npos);
}

TEST(Llama2cCheckpoint, RefusesBrokenFilesNamingTheField) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    TempDir dir("llama2c_bad");
    const auto good = read_all(model_fixture(hashscope_test::kStories));

    auto truncated = good;
    truncated.resize(good.size() - 5000);
    write_all(dir / "truncated.bin", truncated);
    const std::string t = hashscope_test::input_error_of([&] { load_llama2c_checkpoint(dir / "truncated.bin"); });
    EXPECT_NE(t.find(dir / "truncated.bin"), std::string::npos) << t;
    EXPECT_NE(t.find("freq_cis"), std::string::npos) << t;  // the tables are the last arrays

    auto padded = good;
    padded.resize(good.size() + 8);
    write_all(dir / "padded.bin", padded);
    EXPECT_NE(hashscope_test::input_error_of([&] { load_llama2c_checkpoint(dir / "padded.bin"); }).find("8 bytes after the last array"), std::string::npos);

    auto header = good;
    const std::int32_t zero_heads = 0;
    std::memcpy(header.data() + 12, &zero_heads, 4);
    write_all(dir / "heads.bin", header);
    EXPECT_NE(hashscope_test::input_error_of([&] { load_llama2c_checkpoint(dir / "heads.bin"); }).find("n_heads"), std::string::npos);

    write_all(dir / "short.bin", std::vector<char>(good.begin(), good.begin() + 20));
    EXPECT_NE(hashscope_test::input_error_of([&] { load_llama2c_checkpoint(dir / "short.bin"); }).find("header field vocab_size"), std::string::npos);
}

// A NaN in the weights is refused where the tensor is used, naming the file and the tensor: here in
// layer 0's query projection (after the header, the 512 x 64 embedding and five 64-value norms),
// met by a forward pass.
TEST(Llama2cCheckpoint, RefusesNonFiniteWeightsNamingTheTensor) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    TempDir dir("llama2c_nan");
    const auto good = read_all(model_fixture(hashscope_test::kStories));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto in_wq = good;
    std::memcpy(in_wq.data() + 28 + 512 * 64 * 4 + 5 * 64 * 4 + 4 * 10, &nan, 4);
    write_all(dir / "wq.bin", in_wq);
    const ModelWeights m = load_llama2c_checkpoint(dir / "wq.bin");  // mapped, not scanned: loads
    const std::vector<int> tokens = {1, 403, 407};
    const std::string e = hashscope_test::input_error_of([&] { transformer_forward<float>(m, tokens); });
    EXPECT_NE(e.find(dir / "wq.bin"), std::string::npos) << e;
    EXPECT_NE(e.find("tensor blk.0.attn_q.weight holds a non-finite value"), std::string::npos) << e;
    EXPECT_TRUE(load_llama2c_checkpoint(model_fixture(hashscope_test::kStories)).linear<float>("blk.0.attn_q.weight", 64, 64).allFinite());
}
