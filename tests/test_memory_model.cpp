// The memory model and the claims check against values worked by hand (powers of two written out).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/memory_model.hpp"

using namespace hashscope;

TEST(MemoryModel, SevenBAt128K) {
    const auto lines = memory_model(model_preset("7b"), 131072, {});
    EXPECT_EQ(line_bytes(lines, "dense_scores_one_head"), 34359738368.0);   // 2^17 * 2^17 * 2 = 32 GiB
    EXPECT_EQ(line_bytes(lines, "dense_scores_one_layer"), 1099511627776.0);  // x 32 heads = 1 TiB
    EXPECT_EQ(line_bytes(lines, "kv_cache"), 68719476736.0);                 // 512 KiB per token = 64 GiB
    EXPECT_EQ(line_bytes(lines, "flash_attention_working_set"), 2164260864.0);  // 2^31 (Q, O) + 2^24 (lse)
    EXPECT_EQ(line_bytes(lines, "hash_bucket_ids"), 536870912.0);            // 1024 tables * 2^17 * 4
    EXPECT_EQ(line_bytes(lines, "hash_accumulators_full_table"), 34628173824.0);  // 1024 * 2^16 * 516
    EXPECT_EQ(line_bytes(lines, "hash_accumulators_occupied"), 34628173824.0);    // min(n, 2^16) = 2^16
    const auto wide = memory_model(model_preset("7b"), 131072, {.bits = 20, .rounds = 2});
    EXPECT_EQ(line_bytes(wide, "hash_accumulators_full_table"), 2 * 554050781184.0);  // 1024 * 2^20 * 516
    EXPECT_EQ(line_bytes(wide, "hash_accumulators_occupied"), 2 * 69256347648.0);     // 1024 * 2^17 * 516
    EXPECT_EQ(line_bytes(wide, "hash_bucket_ids"), 2 * 536870912.0);
}

TEST(MemoryModel, SeventyBGqaAt1M) {
    const auto lines = memory_model(model_preset("70b"), 1048576, {});
    EXPECT_EQ(line_bytes(lines, "kv_cache"), 343597383680.0);  // 2 * 80 * 8 * 128 * 2 * 2^20 = 320 GiB
    EXPECT_EQ(line_bytes(lines, "dense_scores_one_head"), 2199023255552.0);  // 2 TiB
}

TEST(MemoryModel, ClaimsAndWhatTheyRequire) {
    const auto& claims = seed_claims();
    ASSERT_EQ(claims.size(), 4u);
    const ClaimCheck small = check_claim(claims[0], model_preset("7b"));
    EXPECT_DOUBLE_EQ(small.implied_score_matrices, 1.0);
    EXPECT_NEAR(small.memory_ratio, 26.6667, 1e-4);
    EXPECT_NEAR(small.hash_bytes_per_token, 9830.4, 1e-9);
    EXPECT_NEAR(small.hash_bytes_per_token_layer_kv_head, 9.6, 1e-12);
    EXPECT_DOUBLE_EQ(small.kv_cache_over_traditional, 2.0);
    const ClaimCheck big = check_claim(claims[2], model_preset("70b"));
    EXPECT_DOUBLE_EQ(big.implied_score_matrices, 8.0);
    EXPECT_NEAR(big.hash_bytes_per_token_layer_kv_head, 122.88, 1e-9);
    EXPECT_DOUBLE_EQ(big.kv_cache_over_traditional, 0.15625);
    // 1M rows: the hash column per token is the same as at 128K (linear in n), the ratio 213.3.
    EXPECT_NEAR(check_claim(claims[1], model_preset("7b")).hash_bytes_per_token, 9830.4, 1e-9);
    EXPECT_NEAR(check_claim(claims[3], model_preset("70b")).memory_ratio, 213.333, 1e-3);
}

TEST(MemoryModel, BadShapesAreRefused) {
    EXPECT_THROW(model_preset("13b"), InputError);
    ModelShape s = model_preset("70b");
    s.kv_heads = 7;
    EXPECT_THROW(memory_model(s, 10, {}), InputError);
    EXPECT_THROW(memory_model(model_preset("7b"), 0, {}), InputError);
    EXPECT_THROW(memory_model(model_preset("7b"), 10, {.bits = 0}), InputError);
}
