// The adversarial search: within its budget it moves a key into a chosen bucket by flipping only low
// mantissa bits (checked by re-hashing with crypto_buckets), and the victim's output then averages
// in the attacker's value exactly as the mean over the enlarged bucket says it should.
#include <gtest/gtest.h>

#include <cmath>

#include "core/adversarial_collision.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

std::int64_t rehash(const std::vector<float>& key, DigestAlgo algo, int bits, const std::vector<std::uint8_t>& salt) {
    Matrix<float> row(1, Eigen::Index(key.size()));
    for (std::size_t j = 0; j < key.size(); ++j) row(0, Eigen::Index(j)) = key[j];
    CryptoBucketConfig<float> c;
    c.algo = algo;
    c.bits = bits;
    c.salt = salt;
    return crypto_buckets(row, c).buckets[0];
}

std::vector<float> random_key(int d, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<float> key;
    for (int j = 0; j < d; ++j) key.push_back(float(rng.normal()));
    return key;
}

}  // namespace

TEST(AdversarialCollision, FindsA16BitCollisionWithinBudget) {
    const std::vector<float> key = random_key(64, 1);
    const CollisionSearch search{.algo = DigestAlgo::sha256, .bits = 16, .salt = {0x42}, .target = 0xbeef};
    const CollisionResult r = find_bucket_collision(key, search);
    ASSERT_TRUE(r.found);
    EXPECT_NE(r.original_bucket, 0xbeef);
    EXPECT_EQ(r.final_bucket, 0xbeef);
    EXPECT_EQ(r.budget, std::uint64_t(1) << 20);
    EXPECT_GT(r.tries, 0u);
    EXPECT_LE(r.tries, r.budget);
    EXPECT_EQ(r.expected_tries, 65536.0);
    EXPECT_EQ(rehash(r.key, DigestAlgo::sha256, 16, {0x42}), 0xbeef);
    EXPECT_EQ(r.mantissa_bits, 1);  // 21 counter bits over 64 components: only the last mantissa bit
    EXPECT_GT(r.max_relative_change, 0.0);
    EXPECT_LE(r.max_relative_change, std::ldexp(1.0, -23));
    EXPECT_NE(r.key, key);
}

TEST(AdversarialCollision, EveryAlgorithmFallsAtEightBits) {
    const std::vector<float> key = random_key(16, 2);
    for (DigestAlgo algo : all_digest_algos()) {
        const CollisionResult r = find_bucket_collision(key, {.algo = algo, .bits = 8, .salt = {}, .target = 77});
        ASSERT_TRUE(r.found) << digest_name(algo);
        EXPECT_EQ(rehash(r.key, algo, 8, {}), 77) << digest_name(algo);
    }
}

TEST(AdversarialCollision, ExhaustedBudgetReportsFailure) {
    const std::vector<float> key = random_key(8, 3);
    const CollisionResult r = find_bucket_collision(key, {.bits = 32, .salt = {}, .target = 1, .budget = 1000});
    EXPECT_FALSE(r.found);
    EXPECT_EQ(r.tries, 1000u);
    EXPECT_EQ(r.key, key);
    EXPECT_THROW(find_bucket_collision(key, {.bits = 8, .salt = {}, .target = 256}), InputError);
}

// Route by the token's key, mean aggregation: the attacker's key joins the victim's bucket, whose mean
// becomes (count * before + attacker value) / (count + 1).
TEST(AdversarialCollision, VictimOutputAveragesInTheAttackersValue) {
    Rng rng(4);
    const Matrix<double> k = normal_matrix<double>(40, 8, rng), v = normal_matrix<double>(40, 3, rng);
    CryptoAttentionConfig<double> c;
    c.hashing.bits = 6;
    c.route = CryptoRoute::key;
    const Vector<double> poison = Vector<double>::Constant(3, 100.0);
    const int victim = 3, attacker = 20;
    const AttackOutcome<double> a = attack_victim(k, k, v, c, victim, attacker, poison);
    ASSERT_TRUE(a.search.found);
    ASSERT_NE(a.search.original_bucket, a.victim_bucket);  // the attacker started elsewhere
    EXPECT_EQ(a.victim_keys_after, a.victim_keys_before + 1);
    const Vector<double> expected = (a.victim_before * a.victim_keys_before + poison) / (a.victim_keys_before + 1);
    EXPECT_LT((a.victim_after - expected).norm(), 1e-9);
    EXPECT_GT(a.victim_change, 1.0);
    c.rounds = 2;
    EXPECT_THROW(attack_victim(k, k, v, c, victim, attacker, poison), InputError);
}
