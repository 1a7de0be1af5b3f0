// The model subcommands through the real executable: `capture` writes what the float64 reference
// computes, `info` describes the model, `eval` reports losses that agree with the reference logits,
// and every bad input exits 2 with one line naming the file and the field, leaving no output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/npy.hpp"
#include "support/cli_run.hpp"
#include "support/model_fixtures.hpp"

namespace fs = std::filesystem;
using hashscope_test::model_fixture;
using hashscope_test::run_cli;

namespace {

std::string stories() { return model_fixture(hashscope_test::kStories); }

std::vector<double> values(const std::string& file) { return hashscope::npy_values<double>(hashscope::read_npy(file)); }

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

// Mean next-token loss from reference logits [n, vocab], written here as the plain definition.
double reference_loss(const std::vector<double>& logits, const std::vector<int>& tokens, int vocab) {
    double total = 0;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        const double* row = logits.data() + i * std::size_t(vocab);
        double sum = 0;
        for (int j = 0; j < vocab; ++j) sum += std::exp(row[j]);
        total += std::log(sum) - row[tokens[i + 1]];
    }
    return total / double(tokens.size() - 1);
}

class CliModels : public ::testing::Test {
protected:
    void SetUp() override { REQUIRE_MODEL_FIXTURE(hashscope_test::kStories); }

    // Bad input: exit 2, exactly one line containing every `expected`, nothing left at `out`.
    void expect_refused(const std::string& args, const std::vector<std::string>& expected, const std::string& out = "") {
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        for (const auto& e : expected) EXPECT_NE(r.output.find(e), std::string::npos) << "want '" << e << "' in: " << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
        if (!out.empty()) {
            EXPECT_FALSE(fs::exists(out)) << out;
        }
        for (const auto& entry : fs::directory_iterator(dir.path))
            EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
    }

    hashscope_test::TempDir dir{"cli_models_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())};
};

const std::vector<int> kPrompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};

std::string ids(const std::vector<int>& tokens) {
    std::string s;
    for (int t : tokens) {
        if (!s.empty()) s += ' ';
        s += std::to_string(t);
    }
    return s;
}

}  // namespace

TEST_F(CliModels, CaptureWritesWhatTheReferenceComputes) {
    const std::string out = dir / "capture";
    const auto r = run_cli("capture --model " + stories() + " --tokens \"" + ids(kPrompt) + "\" --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(hashscope_test::run_reference("llama2c_reference.py " + stories() + " \"" + ids(kPrompt) + "\" " + (dir / "ref")), 0);

    const auto tokens = hashscope::read_npy(out + "/tokens.npy");
    EXPECT_EQ(tokens.dtype, hashscope::DType::i32);
    EXPECT_EQ(hashscope::npy_values<int>(tokens), kPrompt);
    const auto logits = hashscope::read_npy(out + "/logits.npy");
    EXPECT_EQ(logits.dtype, hashscope::DType::f32);
    EXPECT_EQ(logits.shape, (std::vector<std::int64_t>{12, 512}));
    EXPECT_LT(largest_difference(values(out + "/logits.npy"), values(dir / "ref/logits.npy")), 1e-4);
    for (int l = 0; l < 5; ++l)
        for (const std::string part : {"q", "k", "v"}) {
            const std::string name = "layer" + std::to_string(l) + "." + part + ".npy";
            const auto a = hashscope::read_npy(out + "/" + name);
            EXPECT_EQ(a.shape, (std::vector<std::int64_t>{part == "q" ? 8 : 4, 12, 8})) << name;
            EXPECT_LT(largest_difference(values(out + "/" + name), values(dir / ("ref/" + name))), 1e-4) << name;
        }
    EXPECT_FALSE(fs::exists(out + "/layer5.q.npy"));
}

TEST_F(CliModels, CapturePromptIsEncodedWithBos) {
    const std::string out = dir / "prompt";
    const auto r = run_cli("capture --model " + stories() + " --tokenizer " + model_fixture(hashscope_test::kStoriesTokenizer) +
                           " --prompt \"Once upon a time\" --out " + out + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(hashscope::npy_values<int>(hashscope::read_npy(out + "/tokens.npy")), (std::vector<int>{1, 403, 407, 261, 378}));
    const auto report = nlohmann::json::parse(r.output);
    EXPECT_EQ(report["shapes"]["q"], nlohmann::json({8, 5, 8}));
}

TEST_F(CliModels, InfoDescribesTheModel) {
    const auto r = run_cli("info --model " + stories() + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto info = nlohmann::json::parse(r.output);
    EXPECT_EQ(info["architecture"], "llama");
    EXPECT_EQ(info["format"], "llama2.c");
    EXPECT_EQ(info["config"]["kv_heads"], 4);
    EXPECT_EQ(info["config"]["hidden"], 172);
    EXPECT_EQ(info["parameters"], 260032);
    EXPECT_EQ(info["tokenizer"]["vocab"], 512);  // tok512.bin found beside the checkpoint
    EXPECT_EQ(info["tensors"].size(), 47u);
}

TEST_F(CliModels, GgufModelsWorkThroughTheSameCommands) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStoriesGguf);
    const std::string gguf = model_fixture(hashscope_test::kStoriesGguf);
    const auto info = run_cli("info --model " + gguf + " --json");
    ASSERT_EQ(info.exit_code, 0) << info.output;
    const auto report = nlohmann::json::parse(info.output);
    EXPECT_EQ(report["format"], "GGUF v3");
    EXPECT_EQ(report["config"]["context"], 2048);
    EXPECT_EQ(report["tokenizer"]["source"], gguf);

    const auto bin = run_cli("capture --model " + stories() + " --prompt \"The cat\" --out " + (dir / "bin"));
    const auto from_gguf = run_cli("capture --model " + gguf + " --prompt \"The cat\" --out " + (dir / "gguf"));
    ASSERT_EQ(bin.exit_code, 0) << bin.output;
    ASSERT_EQ(from_gguf.exit_code, 0) << from_gguf.output;
    EXPECT_EQ(values(dir / "gguf/logits.npy"), values(dir / "bin/logits.npy"));
    EXPECT_EQ(values(dir / "gguf/layer4.k.npy"), values(dir / "bin/layer4.k.npy"));

    const char v9[] = "GGUF\x09\x00\x00\x00 and some more bytes";
    std::ofstream(dir / "v9.gguf", std::ios::binary).write(v9, sizeof v9);
    expect_refused("capture --model " + (dir / "v9.gguf") + " --tokens 1 --out " + (dir / "out"),
                   {dir / "v9.gguf", "GGUF version 9 is not supported"}, dir / "out");
}

TEST_F(CliModels, EvalLossAgreesWithTheReferenceAndSwapsChangeIt) {
    const std::string text = dir / "text.txt";
    std::ofstream(text) << "Once upon a time, there was a little girl";
    const std::vector<int> tokens = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421};  // SentencePiece's ids
    ASSERT_EQ(hashscope_test::run_reference("llama2c_reference.py " + stories() + " \"" + ids(tokens) + "\" " + (dir / "ref")), 0);
    const double expected = reference_loss(values(dir / "ref/logits.npy"), tokens, 512);

    const auto dense = run_cli("eval --model " + stories() + " --text " + text + " --swap \"method=dense\" --json");
    ASSERT_EQ(dense.exit_code, 0) << dense.output;
    const auto d = nlohmann::json::parse(dense.output);
    EXPECT_EQ(d["tokens"], tokens.size());
    EXPECT_NEAR(d["loss_dense"].get<double>(), expected, 1e-5);
    EXPECT_NEAR(d["loss_swapped"].get<double>(), expected, 1e-5);
    EXPECT_NEAR(d["perplexity_dense"].get<double>(), std::exp(expected), 1e-4);

    const auto hashed = run_cli("eval --model " + stories() + " --text " + text +
                                " --swap \"layers=0-2;heads=0,2-3;method=reformer;n_hashes=2;n_buckets=4;chunk=4\" --json");
    ASSERT_EQ(hashed.exit_code, 0) << hashed.output;
    const auto h = nlohmann::json::parse(hashed.output);
    EXPECT_NEAR(h["loss_dense"].get<double>(), expected, 1e-5);
    EXPECT_GT(std::abs(h["loss_swapped"].get<double>() - expected), 1e-4);
    EXPECT_EQ(h["swap"]["heads"], nlohmann::json({0, 2, 3}));

    const auto map = run_cli("eval --model " + stories() + " --text " + text +
                             " --swap \"layers=4;method=reformer;n_hashes=2;n_buckets=4;chunk=4\" --sensitivity --curve-points 3 --json");
    ASSERT_EQ(map.exit_code, 0) << map.output;
    const auto s = nlohmann::json::parse(map.output)["sensitivity"];
    EXPECT_EQ(s["heads"].size(), 8u);
    EXPECT_EQ(s["delta_loss"].size(), 8u);
    EXPECT_EQ(s["curve"].size(), 3u);
    EXPECT_NEAR(s["curve"][0]["loss"].get<double>(), expected, 1e-5);
    EXPECT_EQ(s["curve"][2]["heads_swapped"], 8);

    const auto plain = run_cli("eval --model " + stories() + " --text " + text);
    EXPECT_EQ(plain.exit_code, 0);
    EXPECT_NE(plain.output.find("loss_dense"), std::string::npos);
}

TEST_F(CliModels, BadInputExits2WithOneLineNamingFileAndField) {
    const std::string out = dir / "out";
    std::vector<char> bytes(1000);
    std::ifstream(stories(), std::ios::binary).read(bytes.data(), 1000);
    std::ofstream(dir / "truncated.bin", std::ios::binary).write(bytes.data(), 1000);
    expect_refused("capture --model " + (dir / "truncated.bin") + " --tokens 1 --out " + out,
                   {dir / "truncated.bin", "token_embedding_table", "runs past the end"}, out);

    std::vector<int> too_long(513, 1);
    expect_refused("capture --model " + stories() + " --tokens \"" + ids(too_long) + "\" --out " + out,
                   {stories(), "longer than the model's context of 512"}, out);
    expect_refused("capture --model " + stories() + " --tokens \"1 999\" --out " + out, {"token 999", "vocabulary"}, out);
    expect_refused("capture --model " + stories() + " --tokens \"1 x\" --out " + out, {"--tokens", "'x'"}, out);

    // A well-formed tokenizer with 10 one-letter pieces, fewer than the model's vocabulary.
    {
        std::ofstream tok(dir / "tok.bin", std::ios::binary);
        const std::int32_t max_length = 1, length = 1;
        const float score = 0;
        tok.write(reinterpret_cast<const char*>(&max_length), 4);
        for (char piece = 'a'; piece < 'a' + 10; ++piece) {
            tok.write(reinterpret_cast<const char*>(&score), 4).write(reinterpret_cast<const char*>(&length), 4);
            tok.write(&piece, 1);
        }
    }
    expect_refused("capture --model " + stories() + " --tokenizer " + (dir / "tok.bin") + " --prompt hi --out " + out,
                   {dir / "tok.bin", "vocab is 512"}, out);

    expect_refused("eval --model " + stories() + " --text " + (dir / "missing.txt"), {"--text", "missing.txt"});
    std::ofstream(dir / "t.txt") << "Once upon a time";
    expect_refused("eval --model " + stories() + " --text " + (dir / "t.txt") + " --swap \"layers=0-9;method=dense\"",
                   {"--swap", "layers", "9 is out of range"});
    expect_refused("eval --model " + stories() + " --text " + (dir / "t.txt") + " --sensitivity", {"--sensitivity needs --swap"});
    expect_refused("eval --model " + stories() + " --text " + (dir / "t.txt") + " --swap \"method=nope\"",
                   {"--swap", "unknown method 'nope'"});
    expect_refused("eval --model " + stories() + " --text " + (dir / "t.txt") + " --swap \"method=reformer;n_buckets=3\"",
                   {"--swap"});

    fs::create_directories(out);
    std::ofstream(out + "/keep") << "x";
    const auto r = run_cli("capture --model " + stories() + " --tokens 1 --out " + out);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("exists and is not an empty folder"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(out + "/keep"));
}
