// Mixed heads: the head choice is the evenly spread Bresenham pattern worked by hand, dense heads are
// exactly dense attention, crypto heads exactly crypto attention with their error measured.
#include <gtest/gtest.h>

#include "core/dense_attention.hpp"
#include "core/mixed_heads.hpp"
#include "core/random.hpp"

using namespace hashscope;

TEST(MixedHeads, ChoiceIsEvenlySpread) {
    EXPECT_EQ(choose_crypto_heads(4, 0.5), (std::vector<bool>{false, true, false, true}));
    EXPECT_EQ(choose_crypto_heads(4, 0.75), (std::vector<bool>{false, true, true, true}));
    EXPECT_EQ(choose_crypto_heads(3, 0.0), (std::vector<bool>{false, false, false}));
    EXPECT_EQ(choose_crypto_heads(3, 1.0), (std::vector<bool>{true, true, true}));
    EXPECT_THROW(choose_crypto_heads(4, 1.5), InputError);
    EXPECT_THROW(choose_crypto_heads(0, 0.5), InputError);
}

TEST(MixedHeads, EachHeadRunsItsMethod) {
    Rng rng(1);
    std::vector<Matrix<double>> q, k, v;
    for (int h = 0; h < 4; ++h) {
        q.push_back(normal_matrix<double>(24, 6, rng));
        k.push_back(normal_matrix<double>(24, 6, rng));
        v.push_back(normal_matrix<double>(24, 3, rng));
    }
    CryptoAttentionConfig<double> c;
    c.hashing.bits = 2;
    c.route = CryptoRoute::key;
    c.causal = true;
    const auto t = mixed_head_attention(q, k, v, choose_crypto_heads(4, 0.5), c);
    ASSERT_EQ(t.outputs.size(), 4u);
    ASSERT_EQ(t.traces.size(), 2u);
    DenseOptions causal;
    causal.causal = true;
    for (int h : {0, 2}) {
        EXPECT_EQ(t.outputs[std::size_t(h)], dense_attention(q[std::size_t(h)], k[std::size_t(h)], v[std::size_t(h)], causal).output);
        EXPECT_EQ(t.relative_error[std::size_t(h)], 0.0);
    }
    for (int h : {1, 3}) {
        EXPECT_EQ(t.outputs[std::size_t(h)], crypto_attention(q[std::size_t(h)], k[std::size_t(h)], v[std::size_t(h)], c).output);
        EXPECT_GT(t.relative_error[std::size_t(h)], 0.1);
    }
    EXPECT_THROW(mixed_head_attention(q, k, v, std::vector<bool>(3, true), c), InputError);
}
