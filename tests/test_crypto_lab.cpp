// The Crypto buckets view's logic without a window (app/gui/crypto_lab.hpp): settings, the digest
// bits it draws, the analysis against independent float64 loops and hand-worked values, the ulp
// measure of the attack's perturbation, and the lab's workers (analysis, attack, cancel).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "app/gui/crypto_lab.hpp"
#include "app/gui/scene_settings.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "reference/compare.hpp"

namespace hashscope::gui {
namespace {

// n random tokens, d = 8; Q = K unless `offset` moves every query a little.
ToySequence tokens(int n, double offset = 0.0) {
    Rng rng(7);
    ToySequence s;
    s.q = Matrix<double>(n, 8);
    s.k = Matrix<double>(n, 8);
    s.v = Matrix<double>(n, 4);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < 8; ++j) s.k(i, j) = rng.normal();
        for (int j = 0; j < 4; ++j) s.v(i, j) = rng.normal();
    }
    s.q = (s.k.array() + offset).matrix();
    s.labels.assign(std::size_t(n), 0);
    return s;
}

// The bucket by hand: the first `bits` bits of SHA-256 over the row's float32 little-endian bytes.
std::int64_t bucket_by_hand(const Matrix<double>& x, int row, int bits) {
    std::vector<std::uint8_t> bytes;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const float f = float(x(row, j));
        std::uint8_t b[4];
        std::memcpy(b, &f, 4);
        bytes.insert(bytes.end(), b, b + 4);
    }
    const std::vector<std::uint8_t> d = digest(DigestAlgo::sha256, bytes);
    std::uint64_t head = 0;
    for (int i = 0; i < 8; ++i) head = head << 8 | d[std::size_t(i)];
    return std::int64_t(head >> (64 - bits));
}

TEST(CryptoLab, SettingsParseAndBadOnesAreRefused) {
    StartState start;
    const CryptoSettings& s = start.crypto;
    const auto apply_crypto_setting = [&](std::string key, std::string value) { apply_setting(key + "=" + value, start); };
    apply_crypto_setting("crypto-bits", "9");
    apply_crypto_setting("crypto-algo", "blake3");
    apply_crypto_setting("crypto-route", "lsh");
    apply_crypto_setting("crypto-quantize", "sign");
    apply_crypto_setting("crypto-aggregate", "projection");
    apply_crypto_setting("crypto-rounds", "3");
    apply_crypto_setting("crypto-salt", "00ff");
    apply_crypto_setting("crypto-load-cap", "5");
    EXPECT_EQ(s.bits, 9);
    EXPECT_EQ(s.load_cap, 5);
    EXPECT_EQ(s.algo, DigestAlgo::blake3);
    EXPECT_EQ(s.route, CryptoRoute::lsh);
    EXPECT_EQ(s.aggregate, CryptoAggregation::projection);
    EXPECT_NO_THROW(check_crypto_settings(s));
    EXPECT_THROW(apply_crypto_setting("crypto-bits", "x"), InputError);
    EXPECT_THROW(apply_crypto_setting("crypto-algo", "md5"), InputError);
    EXPECT_THROW(apply_crypto_setting("crypto-colour", "1"), InputError);
    CryptoSettings bad;
    bad.bits = 33;
    EXPECT_THROW(check_crypto_settings(bad), InputError);
    bad.bits = 8;
    bad.salt_hex = "abc";
    EXPECT_THROW(check_crypto_settings(bad), InputError);
    bad.salt_hex.clear();
    bad.load_cap = -1;
    EXPECT_THROW(check_crypto_settings(bad), InputError);
    bad.load_cap = 0;
    bad.route = CryptoRoute::lsh;  // lsh hashes sign codes
    EXPECT_THROW(check_crypto_settings(bad), InputError);
}

// The load cap reaches the analysis: 96 keys in 4 buckets would hold ~24 each; split above 4 none does.
TEST(CryptoLab, LoadCapSplitsFullBuckets) {
    const ToySequence s = tokens(96, 0.5);
    CryptoSettings settings;
    settings.bits = 2;
    EXPECT_GT(analyse_crypto(s, settings).attention.rounds.front().max_load, 4);
    settings.load_cap = 4;
    const CryptoAnalysis capped = analyse_crypto(s, settings);
    const CryptoRoundTrace& r0 = capped.attention.rounds.front();
    EXPECT_LE(r0.max_load, 4);
    EXPECT_GT(r0.splits, 0);
}

TEST(CryptoLab, HeadBitsAreGroupedByFour) {
    EXPECT_EQ(head_bits(0xA500000000000001ull, 8), "1010 0101");
    EXPECT_EQ(head_bits(0x8000000000000000ull, 5), "1000 0");
    EXPECT_EQ(head_bits(1, 64).substr(75), "0001");
}

TEST(CryptoLab, AnalysisMatchesHandWorkedBucketsAndBruteForceCounts) {
    const ToySequence s = tokens(96, 0.5);  // Q apart from K: the loads must be the keys'
    CryptoSettings settings;
    settings.bits = 4;
    const CryptoAnalysis a = analyse_crypto(s, settings);
    ASSERT_EQ(a.n, 96);
    std::int64_t pairs = 0;
    for (int i = 0; i < a.n; ++i) {
        EXPECT_EQ(a.keys.buckets[std::size_t(i)], bucket_by_hand(s.k, i, 4)) << i;
        for (int j = i + 1; j < a.n; ++j) pairs += a.keys.buckets[std::size_t(i)] == a.keys.buckets[std::size_t(j)];
    }
    EXPECT_EQ(std::int64_t(a.loads.colliding_pairs), pairs);
    EXPECT_DOUBLE_EQ(a.loads.expected_pairs, 96.0 * 95.0 / 32.0);
    ASSERT_EQ(a.grid.rgba.size(), 1u);
    EXPECT_EQ(a.claims.size(), seed_claims().size());
    EXPECT_FALSE(a.memory.empty());

    // Route key, mean: query i's output is the mean of V over the keys sharing its key's bucket.
    hashscope_ref::Mat want(a.n, 4);
    for (int i = 0; i < a.n; ++i) {
        int count = 0;
        for (int j = 0; j < a.n; ++j)
            if (a.keys.buckets[std::size_t(j)] == a.keys.buckets[std::size_t(i)]) {
                ++count;
                for (int c = 0; c < 4; ++c) want(i, c) += s.v(j, c);
            }
        for (int c = 0; c < 4; ++c) want(i, c) /= count;
    }
    EXPECT_LT(hashscope_ref::scaled_error(a.attention.output, want), 1e-12);
    // The error against dense, from the float64 oracle.
    const hashscope_ref::Mat dense =
        hashscope_ref::dense_attention(hashscope_ref::to_ref(s.q), hashscope_ref::to_ref(s.k), hashscope_ref::to_ref(s.v), false).output;
    double diff = 0, norm = 0;
    for (int i = 0; i < a.n; ++i)
        for (int c = 0; c < 4; ++c) {
            diff += std::pow(want(i, c) - dense(i, c), 2);
            norm += std::pow(dense(i, c), 2);
        }
    EXPECT_NEAR(a.error_vs_dense, std::sqrt(diff / norm), 1e-9);
}

// The text's claim made visible: a query routed by its own digest meets a key only when its bytes
// equal one; moved by 1e-3 it meets nothing (at 20 bits, 64 keys: chance ~ 64 / 2^20 per query).
TEST(CryptoLab, QueriesRoutedByTheirOwnDigestMeetNoKey) {
    CryptoSettings settings;
    settings.bits = 20;
    settings.route = CryptoRoute::query;
    const CryptoAnalysis same = analyse_crypto(tokens(64), settings);
    EXPECT_EQ(same.attention.rounds[0].empty_queries, 0);
    EXPECT_EQ(same.attention.rounds[0].identical_queries, 64);
    const CryptoAnalysis moved = analyse_crypto(tokens(64, 1e-3), settings);
    EXPECT_EQ(moved.attention.rounds[0].empty_queries, 64);
    EXPECT_EQ(moved.attention.empty_all_rounds, 64);
    EXPECT_NEAR(moved.error_vs_dense, 1.0, 1e-12);  // zero output everywhere
}

TEST(CryptoLab, UlpDistanceByHand) {
    const float one = 1.0f, up = std::nextafter(one, 2.0f), down = std::nextafter(one, 0.0f);
    EXPECT_EQ(max_ulp_distance({one}, {up}), 1);
    EXPECT_EQ(max_ulp_distance({up, one}, {down, one}), 2);
    EXPECT_EQ(max_ulp_distance({0.0f}, {-0.0f}), 0);
    EXPECT_EQ(max_ulp_distance({-one}, {std::nextafter(-one, -2.0f)}), 1);
    EXPECT_EQ(max_ulp_distance({std::nextafter(0.0f, 1.0f)}, {std::nextafter(0.0f, -1.0f)}), 2);
}

TEST(CryptoLab, AttackMovesTheAttackersKeyIntoTheVictimsBucket) {
    const ToySequence s = tokens(32);
    CryptoSettings settings;
    settings.bits = 10;
    const std::int64_t target = attack_target(s, settings, 3);
    EXPECT_EQ(target, bucket_by_hand(s.k, 3, 10));
    std::atomic<std::uint64_t> tries{0};
    const AttackReport r = run_attack(s, settings, {3, 5}, {}, &tries);
    ASSERT_TRUE(r.outcome.search.found);
    EXPECT_EQ(r.outcome.search.final_bucket, target);
    Matrix<double> moved(1, 8);
    for (int j = 0; j < 8; ++j) moved(0, j) = r.outcome.search.key[std::size_t(j)];
    EXPECT_EQ(bucket_by_hand(moved, 0, 10), target);
    EXPECT_EQ(tries.load(), r.outcome.search.tries);
    EXPECT_EQ(r.outcome.victim_keys_after, r.outcome.victim_keys_before + 1);
    EXPECT_GT(r.outcome.victim_change, 0.0);
    EXPECT_GE(r.max_ulps, 1);
    EXPECT_LT(r.max_ulps, std::int64_t(1) << r.outcome.search.mantissa_bits);
    settings.route = CryptoRoute::lsh;
    settings.quantize = Quantize::sign;
    EXPECT_THROW(attack_target(s, settings, 3), InputError);
}

template <class F>
bool eventually(F done) {
    for (int i = 0; i < 2000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done();
}

TEST(CryptoLab, WorkerRecomputesWhenSettingsChange) {
    const ToySequence s = tokens(48);
    CryptoLab lab;
    lab.start(s, false, 1);
    ASSERT_NE(lab.analysis(), nullptr);
    EXPECT_EQ(lab.analysis()->settings.bits, 6);
    lab.settings.bits = 9;
    lab.sync(s, false, 1);
    lab.wait_idle();
    lab.sync(s, false, 1);
    EXPECT_EQ(lab.analysis()->settings.bits, 9);
    EXPECT_TRUE(lab.error().empty());
    lab.settings.bits = 40;  // refused: the message shows, the last result stays
    lab.sync(s, false, 1);
    lab.wait_idle();
    lab.sync(s, false, 1);
    EXPECT_FALSE(lab.error().empty());
    EXPECT_EQ(lab.analysis()->settings.bits, 9);
}

TEST(CryptoLab, AttackRunsOnItsWorkerAndCancels) {
    const ToySequence s = tokens(16);
    CryptoLab lab;
    lab.settings.bits = 8;
    lab.attack = {2, 7};
    lab.start_attack(s);
    ASSERT_TRUE(eventually([&] { return !lab.attack_progress().running; }));
    AttackProgress p = lab.attack_progress();
    ASSERT_TRUE(p.report.has_value()) << p.error;
    EXPECT_TRUE(p.report->outcome.search.found);
    EXPECT_EQ(p.target, p.report->outcome.search.final_bucket);

    lab.settings.bits = 30;  // ~2^30 digests: far longer than the test waits
    lab.start_attack(s);
    ASSERT_TRUE(eventually([&] { return lab.attack_progress().tries > 0; }));
    lab.cancel_attack();
    ASSERT_TRUE(eventually([&] { return !lab.attack_progress().running; }));
    p = lab.attack_progress();
    ASSERT_TRUE(p.report.has_value());
    EXPECT_FALSE(p.report->outcome.search.found);
    EXPECT_LT(p.report->outcome.search.tries, p.report->outcome.search.budget);
}

}  // namespace
}  // namespace hashscope::gui
