// Swapping hash attention into chosen heads: the --swap grammar, the registry other methods join,
// the Reformer mapping (keys as shared QK, zero padding at the end), and the sensitivity map
// and swap curve, each checked against forward passes built directly from the same swap.
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/head_sensitivity.hpp"
#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/next_token_loss.hpp"
#include "core/random.hpp"
#include "core/reformer_attention.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;

namespace {

ModelConfig config() {
    ModelConfig c;
    c.layers = 5;
    c.heads = 8;
    return c;
}

std::string error_of(const std::string& text) {
    try {
        parse_head_swap(text, config());
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

const std::vector<int> kStory = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267};

double loss_with(const ModelWeights& m, const std::string& swap_text) {
    ForwardOptions<double> options;
    options.attention = make_swap_hook<double>(parse_head_swap(swap_text, m.config));
    return mean_next_token_loss(transformer_forward<double>(m, kStory, options).logits, kStory);
}

}  // namespace

TEST(HeadSwap, ParsesLayersHeadsMethodAndParameters) {
    const HeadSwap s = parse_head_swap("layers=0-2,4;heads=1;method=reformer;n_buckets=4;chunk=8", config());
    EXPECT_EQ(s.layers, (std::set<int>{0, 1, 2, 4}));
    EXPECT_EQ(s.heads, (std::set<int>{1}));
    EXPECT_EQ(s.method, "reformer");
    EXPECT_EQ(s.number("n_buckets", 0), 4);
    EXPECT_EQ(s.number("seed", 7), 7);
    EXPECT_TRUE(s.applies(4, 1));
    EXPECT_FALSE(s.applies(3, 1));
    EXPECT_FALSE(s.applies(0, 2));
    const HeadSwap all = parse_head_swap("method=dense;layers=all", config());
    EXPECT_TRUE(all.applies(4, 7));

    EXPECT_NE(error_of("layers=0-3").find("method=NAME is required"), std::string::npos);
    EXPECT_NE(error_of("method=x").find("unknown method 'x'"), std::string::npos);
    EXPECT_NE(error_of("heads=8;method=dense").find("8 is out of range (the model has 8)"), std::string::npos);
    EXPECT_NE(error_of("layers=3-1;method=dense").find("runs backwards"), std::string::npos);
    EXPECT_NE(error_of("layers=a;method=dense").find("'a' is not an index"), std::string::npos);
    EXPECT_NE(error_of("method").find("is not key=value"), std::string::npos);
    EXPECT_THROW(parse_head_swap("method=reformer;n_hashes=x", config()).number("n_hashes", 4), InputError);
}

TEST(HeadSwap, ReformerRunsOnTheKeysOfThePaddedSequence) {
    // n = 10 with 2 rounds and chunk 8 pads to 12 (2 x 12 = 24 slots, three chunks).
    Rng rng(3);
    const Matrix<double> q = normal_matrix<double>(10, 8, rng), k = normal_matrix<double>(10, 8, rng),
                         v = normal_matrix<double>(10, 8, rng);
    const HeadSwap swap = parse_head_swap("method=reformer;n_hashes=2;n_buckets=4;chunk=8;seed=5", config());
    const Matrix<double> out = make_head_method<double>(swap)(2, 3, q, k, v);

    const ReformerConfig rc{.n_hashes = 2, .n_buckets = 4, .chunk = 8, .causal = true};
    Matrix<double> x = Matrix<double>::Zero(12, 8), values = Matrix<double>::Zero(12, 8);
    x.topRows(10) = k;
    values.topRows(10) = v;
    const auto expected = reformer_attention(x, values, random_rotations<double>(8, rc, 5 + 1000 * 2 + 3), rc).output;
    EXPECT_LT((out - expected.topRows(10)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(HeadSwap, RegisteredMethodsJoinTheGrammar) {
    register_head_method<double>("zero", [](const HeadSwap&) -> HeadMethod<double> {
        return [](int, int, const Matrix<double>& q, const Matrix<double>&, const Matrix<double>&) {
            return Matrix<double>(Matrix<double>::Zero(q.rows(), q.cols()));
        };
    });
    EXPECT_TRUE(head_method_names().count("zero"));
    const HeadSwap swap = parse_head_swap("layers=1;heads=2;method=zero", config());
    Rng rng(1);
    const Matrix<double> q = normal_matrix<double>(4, 8, rng);
    EXPECT_EQ(make_head_method<double>(swap)(1, 2, q, q, q), Matrix<double>::Zero(4, 8));
    EXPECT_THROW(make_head_method<float>(swap), InputError);  // registered for double only
}

TEST(HeadSwap, FractionPicksHeadsSpreadEvenly) {
    // 8 heads, half of them: head h where floor((h + 1) / 2) > floor(h / 2), i.e. the odd ones.
    EXPECT_EQ(parse_head_swap("method=dense;fraction=0.5", config()).heads, (std::set<int>{1, 3, 5, 7}));
    EXPECT_EQ(parse_head_swap("method=dense;fraction=0.75;layers=2", config()).heads, (std::set<int>{1, 2, 3, 5, 6, 7}));
    EXPECT_NE(error_of("method=dense;heads=1;fraction=0.5").find("heads or fraction, not both"), std::string::npos);
    EXPECT_NE(error_of("method=dense;fraction=0").find("fraction must be in (0, 1], got 0"), std::string::npos);
    EXPECT_NE(error_of("method=dense;fraction=1.5").find("fraction must be in (0, 1]"), std::string::npos);
    EXPECT_NE(error_of("method=dense;fraction=0.01").find("is no head"), std::string::npos);
}

// The piece's mixed heads on a real model: crypto in half of every layer's heads is the same swap as
// naming those heads, and it moves the loss (bucketed means are not attention).
TEST(HeadSwap, CryptoHeadsOnAFractionOfARealModel) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const ModelWeights m = load_llama2c_checkpoint(hashscope_test::model_fixture(hashscope_test::kStories));
    const std::string crypto = "method=crypto;route=key;aggregate=mean;bits=4";
    const double dense = loss_with(m, "method=dense"), mixed = loss_with(m, crypto + ";fraction=0.5");
    ASSERT_EQ(m.config.heads, 8);
    EXPECT_DOUBLE_EQ(mixed, loss_with(m, crypto + ";heads=1,3,5,7"));
    EXPECT_TRUE(std::isfinite(mixed));
    EXPECT_GT(std::abs(mixed - dense), 1e-3);
}

TEST(HeadSensitivity, MapAndCurveAgreeWithDirectSwaps) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const ModelWeights m = load_llama2c_checkpoint(hashscope_test::model_fixture(hashscope_test::kStories));
    const std::string method = "method=reformer;n_hashes=2;n_buckets=4;chunk=8";
    int calls = 0;
    const auto t = head_sensitivity<double>(m, kStory, parse_head_swap("layers=1-2;heads=0-3;" + method, m.config), 3,
                                            [&](int done, int total) {
                                                ++calls;
                                                EXPECT_EQ(done, calls);
                                                EXPECT_EQ(total, 8 + 3);
                                            });
    EXPECT_EQ(calls, 11);
    ASSERT_EQ(t.heads.size(), 8u);
    EXPECT_EQ(t.heads.front(), std::make_pair(1, 0));
    EXPECT_EQ(t.heads.back(), std::make_pair(2, 3));
    EXPECT_NEAR(t.loss_dense, loss_with(m, "method=dense"), 1e-12);
    for (std::size_t i = 0; i < t.heads.size(); ++i) {
        const auto [layer, head] = t.heads[i];
        const double alone = loss_with(m, "layers=" + std::to_string(layer) + ";heads=" + std::to_string(head) + ";" + method);
        EXPECT_NEAR(t.delta_loss[i], alone - t.loss_dense, 1e-12) << layer << "," << head;
    }
    for (std::size_t i = 1; i < t.order.size(); ++i) {
        const auto at = [&](std::pair<int, int> h) { return t.delta_loss[std::size_t(std::find(t.heads.begin(), t.heads.end(), h) - t.heads.begin())]; };
        EXPECT_LE(at(t.order[i - 1]), at(t.order[i]));
    }
    ASSERT_EQ(t.curve.size(), 3u);
    EXPECT_EQ(t.curve[1].heads_swapped, 4);
    EXPECT_EQ(t.curve[2].fraction, 1.0);
    EXPECT_NEAR(t.curve[2].loss, loss_with(m, "layers=1-2;heads=0-3;" + method), 1e-12);
}
