// Determinism (issue 10): the same inputs and seed give bit-identical buckets, codes and outputs
// whatever the thread count, and again on a second run — crypto bucketing, SimHash, Reformer, and a
// real model's forward pass (heads spread over threads) with its captured Q/K/V.
#include <gtest/gtest.h>

#include "core/crypto_buckets.hpp"
#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/transformer_forward.hpp"
#include "core/random.hpp"
#include "core/reformer_attention.hpp"
#include "core/simhash.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;

TEST(Determinism, CryptoBucketsAreTheSameOnAnyThreadCount) {
    Rng rng(11);
    const Matrix<float> x = normal_matrix<float>(301, 16, rng);
    for (const DigestAlgo algo : {DigestAlgo::sha256, DigestAlgo::blake3, DigestAlgo::xxh3}) {
        CryptoBucketConfig<float> config;
        config.algo = algo;
        config.bits = 20;
        const CryptoBucketTrace one = crypto_buckets(x, config);
        for (const int threads : {2, 3, 7}) {
            config.threads = threads;
            const CryptoBucketTrace many = crypto_buckets(x, config);
            EXPECT_EQ(many.buckets, one.buckets) << threads;
            EXPECT_EQ(many.digest_head, one.digest_head) << threads;
        }
    }
}

TEST(Determinism, SimHashAndReformerRepeatBitForBit) {
    Rng rng(12);
    const Matrix<float> x = normal_matrix<float>(128, 32, rng), v = normal_matrix<float>(128, 8, rng);
    const Matrix<float> planes = random_planes<float>(32, 24, 5);
    EXPECT_EQ(simhash_codes(x, planes).words, simhash_codes(x, random_planes<float>(32, 24, 5)).words);
    const ReformerConfig config{.n_hashes = 2, .n_buckets = 8, .chunk = 16, .causal = true};
    const auto a = reformer_attention(x, v, random_rotations<float>(32, config, 9), config);
    const auto b = reformer_attention(x, v, random_rotations<float>(32, config, 9), config);
    EXPECT_EQ(a.buckets, b.buckets);
    EXPECT_TRUE(a.output == b.output);  // exact, not approximate
}

TEST(Determinism, ForwardPassIsTheSameOnAnyThreadCount) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStories);
    const ModelWeights m = load_llama2c_checkpoint(hashscope_test::model_fixture(hashscope_test::kStories));
    std::vector<int> tokens = {1};  // 150 tokens: the row blocks of the products land on different threads
    for (int i = 1; i < 150; ++i) tokens.push_back(3 + (i * 37) % 500);
    ForwardOptions<float> options;
    options.threads = 1;
    const ForwardTrace<float> one = transformer_forward<float>(m, tokens, options);
    for (const int threads : {2, 3}) {
        options.threads = threads;
        const ForwardTrace<float> many = transformer_forward<float>(m, tokens, options);
        EXPECT_TRUE(many.logits == one.logits) << threads;
        ASSERT_EQ(many.layers.size(), one.layers.size());
        for (std::size_t l = 0; l < one.layers.size(); ++l)
            for (std::size_t h = 0; h < one.layers[l].q.size(); ++h)
                EXPECT_TRUE(many.layers[l].q[h] == one.layers[l].q[h] && many.layers[l].k[h / 2] == one.layers[l].k[h / 2])
                    << threads << " layer " << l << " head " << h;
    }
}
