// The CPU forward pass on stories260K against tests/reference/llama2c_reference.py (float64 NumPy,
// written apart from core and reading RoPE from the checkpoint's own tables), the greedy decode the
// fixture's README records, and the attention hook that swaps other methods into chosen heads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <numeric>

#include "core/dense_attention.hpp"
#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/transformer_forward.hpp"
#include "core/npy.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;
using hashscope_test::model_fixture;

namespace {

const ModelWeights& stories() {
    static const ModelWeights model = load_llama2c_checkpoint(model_fixture(hashscope_test::kStories));
    return model;
}

// Greedy ids from BOS recorded in ../shared/models/README.md.
const std::vector<int> kGreedy = {1,   403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317,
                                  426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295};

// Largest |a - b| between a reference array and [rows][cols] matrices stacked along the first axis.
template <class T>
double max_diff(const NpyArray& reference, const std::vector<Matrix<T>>& stacked) {
    const auto values = npy_values<double>(reference);
    std::size_t at = 0;
    double worst = 0;
    for (const auto& m : stacked)
        for (Eigen::Index i = 0; i < m.rows(); ++i)
            for (Eigen::Index j = 0; j < m.cols(); ++j) worst = std::max(worst, std::abs(double(m(i, j)) - values.at(at++)));
    EXPECT_EQ(at, values.size());
    return worst;
}

template <class T>
void expect_matches_reference(double tolerance) {
    const std::vector<int> tokens(kGreedy.begin(), kGreedy.begin() + 24);
    hashscope_test::TempDir dir(std::string("forward_ref_") + (sizeof(T) == 4 ? "f32" : "f64"));
    std::string ids;
    for (int t : tokens) ids += std::to_string(t) + " ";
    ASSERT_EQ(hashscope_test::run_reference("llama2c_reference.py " + model_fixture(hashscope_test::kStories) + " \"" + ids +
                                            "\" " + dir.path.string()),
              0);
    const ForwardTrace<T> trace = transformer_forward<T>(stories(), tokens);
    ASSERT_EQ(trace.layers.size(), 5u);
    EXPECT_LT(max_diff<T>(read_npy(dir / "logits.npy"), {trace.logits}), tolerance);
    for (int l = 0; l < 5; ++l) {
        const auto& layer = trace.layers[std::size_t(l)];
        const std::string prefix = dir / ("layer" + std::to_string(l));
        EXPECT_LT(max_diff<T>(read_npy(prefix + ".q.npy"), layer.q), tolerance) << "layer " << l;
        EXPECT_LT(max_diff<T>(read_npy(prefix + ".k.npy"), layer.k), tolerance) << "layer " << l;
        EXPECT_LT(max_diff<T>(read_npy(prefix + ".v.npy"), layer.v), tolerance) << "layer " << l;
    }
}

}  // namespace

TEST(TransformerForward, MatchesTheFloat64ReferenceInFloat32) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    expect_matches_reference<float>(1e-4);
}

TEST(TransformerForward, MatchesTheFloat64ReferenceInFloat64) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    expect_matches_reference<double>(1e-5);  // the reference reads float32 RoPE tables
}

TEST(TransformerForward, GreedyDecodeFromBosReproducesTheKnownStory) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    std::vector<int> tokens{1};
    while (tokens.size() < kGreedy.size()) {
        const auto trace = transformer_forward<float>(stories(), tokens, {.capture = false});
        Eigen::Index next;
        trace.logits.row(trace.logits.rows() - 1).maxCoeff(&next);
        tokens.push_back(int(next));
    }
    EXPECT_EQ(tokens, kGreedy);
}

TEST(TransformerForward, CapturesCausalProbabilitiesOnRequest) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const std::vector<int> tokens(kGreedy.begin(), kGreedy.begin() + 10);
    const auto trace = transformer_forward<double>(stories(), tokens, {.capture_probabilities = true});
    const auto& layer = trace.layers[2];
    ASSERT_EQ(layer.probabilities.size(), 8u);
    const Matrix<double>& p = layer.probabilities[5];
    for (int i = 0; i < 10; ++i) {
        EXPECT_NEAR(p.row(i).sum(), 1.0, 1e-12);
        for (int j = i + 1; j < 10; ++j) EXPECT_EQ(p(i, j), 0.0);
    }
    // Head 5 reads KV head 5 / 2 = 2: its output is P V.
    EXPECT_LT((p * layer.v[2] - layer.attention_output[5]).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(TransformerForward, HookSwapsChosenHeadsAndTheRestRunsOnTheirOutput) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const std::vector<int> tokens(kGreedy.begin(), kGreedy.begin() + 12);
    const auto dense = transformer_forward<double>(stories(), tokens);

    // A hook that computes dense attention itself changes nothing.
    std::atomic<int> calls = 0;
    ForwardOptions<double> same;
    same.attention = [&](int, int, const Matrix<double>& q, const Matrix<double>& k, const Matrix<double>& v) {
        ++calls;
        return std::optional(dense_attention(q, k, v, {.causal = true}).output);
    };
    const auto hooked = transformer_forward<double>(stories(), tokens, same);
    EXPECT_EQ(calls.load(), 5 * 8);
    EXPECT_LT((hooked.logits - dense.logits).cwiseAbs().maxCoeff(), 1e-12);

    // Zeroing layer 3 head 1 leaves layers 0..3's queries alone and changes what follows.
    ForwardOptions<double> zero;
    zero.attention = [](int layer, int head, const Matrix<double>& q, const Matrix<double>&,
                        const Matrix<double>&) -> std::optional<Matrix<double>> {
        if (layer == 3 && head == 1) return Matrix<double>::Zero(q.rows(), q.cols());
        return std::nullopt;
    };
    const auto swapped = transformer_forward<double>(stories(), tokens, zero);
    EXPECT_TRUE(swapped.layers[3].hooked[1]);
    EXPECT_FALSE(swapped.layers[3].hooked[0]);
    EXPECT_EQ(swapped.layers[3].q[0], dense.layers[3].q[0]);
    EXPECT_GT((swapped.layers[4].q[0] - dense.layers[4].q[0]).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_GT((swapped.logits - dense.logits).cwiseAbs().maxCoeff(), 1e-6);

    // A hook returning the wrong shape is an InputError naming the head (raised from a worker thread).
    ForwardOptions<double> bad;
    bad.attention = [](int, int, const Matrix<double>& q, const Matrix<double>&, const Matrix<double>&) {
        return std::optional(Matrix<double>(q.rows(), 3));
    };
    EXPECT_THROW(transformer_forward<double>(stories(), tokens, bad), InputError);
}

TEST(TransformerForward, RefusesPromptsLongerThanTheContextAndUnknownTokens) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const std::vector<int> long_prompt(513, 1);
    try {
        transformer_forward<float>(stories(), long_prompt);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("prompt of 513 tokens is longer than the model's context of 512"), std::string::npos);
    }
    EXPECT_THROW(transformer_forward<float>(stories(), std::vector<int>{1, 512}), InputError);
    EXPECT_THROW(transformer_forward<float>(stories(), std::vector<int>{}), InputError);
}

// The trace's size worked by hand for a small GQA config: per layer q and outputs 2 x heads x n x d,
// k and v 2 x kv_heads x n x d, probabilities heads x n x n; then the logits n x vocab.
TEST(TransformerForward, CountsTheTraceBeforeComputingIt) {
    ModelConfig c;
    c.layers = 5, c.heads = 8, c.kv_heads = 4, c.head_dim = 8, c.vocab = 512;
    ForwardOptions<float> o;
    o.capture_probabilities = true;
    EXPECT_EQ(forward_trace_bytes(c, 10, o), 4.0 * (5 * (1280 + 640 + 800) + 5120));
    o.capture_probabilities = false;
    EXPECT_EQ(forward_trace_bytes(c, 10, o), 4.0 * (5 * (1280 + 640) + 5120));
    o.capture = false;
    EXPECT_EQ(forward_trace_bytes(c, 10, o), 4.0 * 5120);
    // A 7B-like model at 128K tokens: 32 x 32 probability matrices of 2^34 floats alone are 70 TB.
    c.layers = 32, c.heads = 32, c.kv_heads = 8, c.head_dim = 128, c.vocab = 32000;
    o.capture = o.capture_probabilities = true;
    EXPECT_GT(forward_trace_bytes(c, 131072, o), 32.0 * 32 * 131072.0 * 131072 * 4);
}

TEST(TransformerForward, RefusesATraceOverTheBudgetSayingWhatItNeeds) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const std::vector<int> prompt(300, 1);
    ForwardOptions<float> o;
    o.capture_probabilities = true;
    o.memory_budget_bytes = std::size_t(2) << 20;
    const double need = forward_trace_bytes(stories().config, 300, o);
    ASSERT_GT(need, double(o.memory_budget_bytes));
    try {
        transformer_forward<float>(stories(), prompt, o);
        FAIL() << "no error";
    } catch (const InputError& e) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "would keep %.1f MiB", need / 1048576.0);
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("over the budget of 2.0 MiB"), std::string::npos) << e.what();
    }
    o.capture_probabilities = false;  // the same prompt fits without the probabilities
    EXPECT_EQ(transformer_forward<float>(stories(), prompt, o).layers.size(), std::size_t(stories().config.layers));
}
