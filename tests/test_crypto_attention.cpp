// Crypto-hash attention against the brute-force oracle in tests/reference/reference_crypto.hpp
// (running means vs a scan over all earlier keys, softmax inside buckets, rounds, hierarchy), and its
// trace against the bucketing that test_crypto_buckets pins to hand-worked digests.
#include <gtest/gtest.h>

#include <map>

#include "core/crypto_attention.hpp"
#include "core/random.hpp"
#include "reference/compare.hpp"
#include "reference/reference_crypto.hpp"

using namespace hashscope;

namespace {

std::vector<hashscope_ref::CryptoRoundRef> rounds_of(const CryptoAttentionTrace<double>& t) {
    std::vector<hashscope_ref::CryptoRoundRef> out;
    for (const auto& r : t.rounds)
        out.push_back({r.key_bucket, r.query_bucket, {r.key_depth.begin(), r.key_depth.end()},
                       {r.query_depth.begin(), r.query_depth.end()}});
    return out;
}

CryptoAttentionConfig<double> config(CryptoRoute route, CryptoAggregate aggregate, int bits, bool causal, int rounds = 1) {
    CryptoAttentionConfig<double> c;
    c.hashing.algo = DigestAlgo::sha256;
    c.hashing.bits = bits;
    c.route = route;
    c.aggregate = aggregate;
    c.causal = causal;
    c.rounds = rounds;
    return c;
}

struct Operands {
    Matrix<double> q, k, v;
};

Operands operands(int n, int m, int d, int dv, std::uint64_t seed) {
    Rng rng(seed);
    Operands o{normal_matrix<double>(n, d, rng), normal_matrix<double>(m, d, rng), normal_matrix<double>(m, dv, rng)};
    return o;
}

void expect_matches_oracle(const Operands& o, const CryptoAttentionConfig<double>& c) {
    const auto t = crypto_attention(o.q, o.k, o.v, c);
    const auto want = hashscope_ref::crypto_attention(hashscope_ref::to_ref(o.q), hashscope_ref::to_ref(o.k),
                                                      hashscope_ref::to_ref(o.v), rounds_of(t),
                                                      c.aggregate == CryptoAggregate::softmax, c.causal);
    EXPECT_LT(hashscope_ref::scaled_error(t.output, want), 1e-12)
        << route_name(c.route) << " " << aggregate_name(c.aggregate) << " causal " << c.causal;
}

}  // namespace

// Route by the token's own key with 3 bits: 8 buckets of ~5 keys each, so the running means are busy.
TEST(CryptoAttention, CausalRunningMeanMatchesBruteForce) {
    const Operands o = operands(40, 40, 6, 3, 1);
    for (bool causal : {false, true})
        for (auto aggregate : {CryptoAggregate::mean, CryptoAggregate::softmax})
            for (int rounds : {1, 3}) expect_matches_oracle(o, config(CryptoRoute::key, aggregate, 3, causal, rounds));
}

// Route by the query's own digest with Q = the last n rows of K: each query meets its own key (same
// bytes) plus chance collisions; with n < m the causal window is offset by m - n.
TEST(CryptoAttention, QueryRouteWithSharedVectorsMatchesBruteForce) {
    Operands o = operands(10, 30, 5, 2, 2);
    o.q = o.k.bottomRows(10);
    for (bool causal : {false, true})
        for (auto aggregate : {CryptoAggregate::mean, CryptoAggregate::softmax}) {
            const auto c = config(CryptoRoute::query, aggregate, 2, causal, 2);
            expect_matches_oracle(o, c);
            const auto t = crypto_attention(o.q, o.k, o.v, c);
            EXPECT_EQ(t.rounds[0].identical_queries, 10);
            EXPECT_EQ(t.empty_all_rounds, 0);
        }
}

// The faithful reading: raw float queries almost never share a bucket with any key (2^-16 per key).
TEST(CryptoAttention, RawQueriesMeetNoKeyAndAreCounted) {
    const Operands o = operands(50, 50, 8, 4, 3);
    const auto t = crypto_attention(o.q, o.k, o.v, config(CryptoRoute::query, CryptoAggregate::mean, 16, false));
    EXPECT_EQ(t.rounds[0].identical_queries, 0);
    EXPECT_GE(t.rounds[0].empty_queries, 48);
    EXPECT_EQ(t.empty_all_rounds, t.rounds[0].empty_queries);
    EXPECT_EQ(t.rounds[0].occupied, 50);  // and the keys themselves barely collide
    for (int i = 0; i < 50; ++i)
        if (t.rounds[0].query_keys[std::size_t(i)] == 0) {
            EXPECT_EQ(t.output.row(i).norm(), 0.0);
        }
}

// Each round's key buckets are crypto_buckets of K with that round's salt (round 0: the salt itself).
TEST(CryptoAttention, TraceBucketsAreTheSaltedDigests) {
    const Operands o = operands(20, 20, 4, 2, 4);
    auto c = config(CryptoRoute::key, CryptoAggregate::mean, 12, false, 3);
    c.hashing.salt = {0x5a};
    const auto t = crypto_attention(o.q, o.k, o.v, c);
    EXPECT_EQ(round_salt(c.hashing.salt, 0), (std::vector<std::uint8_t>{0x5a}));
    EXPECT_EQ(round_salt(c.hashing.salt, 2), (std::vector<std::uint8_t>{0x5a, 0, 0, 0, 2}));
    for (int r = 0; r < 3; ++r) {
        CryptoBucketConfig<double> h = c.hashing;
        h.salt = round_salt(c.hashing.salt, r);
        EXPECT_EQ(t.rounds[std::size_t(r)].key_bucket, crypto_buckets(o.k, h).buckets) << "round " << r;
        EXPECT_EQ(t.rounds[std::size_t(r)].query_bucket, t.rounds[std::size_t(r)].key_bucket);
    }
    EXPECT_NE(t.rounds[0].key_bucket, t.rounds[1].key_bucket);
}

// Hierarchical bucketing: with 1 bit and a cap of 3, buckets split by further digest bits until no
// leaf holds more than 3 keys; every split parent held more than 3; outputs still match the oracle.
TEST(CryptoAttention, HierarchicalSplitsRespectTheCap) {
    Operands o = operands(64, 64, 4, 2, 5);
    auto c = config(CryptoRoute::key, CryptoAggregate::mean, 1, true);
    c.load_cap = 3;
    const auto t = crypto_attention(o.q, o.k, o.v, c);
    const auto& r = t.rounds[0];
    EXPECT_LE(r.max_load, 3);
    EXPECT_GT(r.splits, 0);
    const auto heads = crypto_buckets(o.k, c.hashing).digest_head;
    std::map<std::pair<int, std::int64_t>, int> load_at;  // keys under each (depth, prefix)
    for (std::size_t j = 0; j < heads.size(); ++j)
        for (int depth = 1; depth <= r.key_depth[j]; ++depth) ++load_at[{depth, leading_bits(heads[j], depth)}];
    for (std::size_t j = 0; j < heads.size(); ++j) {
        EXPECT_EQ(r.key_bucket[j], leading_bits(heads[j], r.key_depth[j]));
        if (r.key_depth[j] > 1) {
            EXPECT_GT((load_at[{r.key_depth[j] - 1, r.key_bucket[j] >> 1}]), 3);
        }
    }
    expect_matches_oracle(o, c);
    c.route = CryptoRoute::query;  // queries descend the keys' splits with their own digests
    o.q.row(5) = o.k.row(9);
    const auto tq = crypto_attention(o.q, o.k, o.v, c);
    EXPECT_EQ(tq.rounds[0].query_bucket[5], r.key_bucket[9]);
    EXPECT_EQ(tq.rounds[0].query_depth[5], r.key_depth[9]);
}

// The hybrid: the sign code decides, so a slightly perturbed copy of a key lands in that key's bucket.
TEST(CryptoAttention, LshRouteGroupsSimilarVectors) {
    Operands o = operands(16, 16, 8, 2, 6);
    o.q = o.k + Matrix<double>::Constant(16, 8, 1e-9);
    auto c = config(CryptoRoute::lsh, CryptoAggregate::softmax, 20, false);
    c.hashing.quantize = Quantize::sign;
    Rng rng(7);
    c.hashing.planes = normal_matrix<double>(8, 6, rng);
    const auto t = crypto_attention(o.q, o.k, o.v, c);
    EXPECT_EQ(t.rounds[0].query_bucket, t.rounds[0].key_bucket);
    EXPECT_EQ(t.empty_all_rounds, 0);
    expect_matches_oracle(o, c);
}

TEST(CryptoAttention, BadConfigIsRefused) {
    const Operands o = operands(5, 6, 4, 2, 8);
    EXPECT_THROW(crypto_attention(o.q, o.k, o.v, config(CryptoRoute::key, CryptoAggregate::mean, 8, false)), InputError);
    EXPECT_THROW(crypto_attention(o.q, o.k, o.v, config(CryptoRoute::lsh, CryptoAggregate::mean, 8, false)), InputError);
    EXPECT_THROW(crypto_attention(o.q, o.k, o.v, config(CryptoRoute::query, CryptoAggregate::mean, 8, false, 0)),
                 InputError);
    EXPECT_THROW(crypto_attention(o.q, o.k, o.v, config(CryptoRoute::query, CryptoAggregate::mean, 40, false)),
                 InputError);
    EXPECT_THROW(crypto_attention(o.q, o.k, Matrix<double>(o.v.topRows(5)),
                                  config(CryptoRoute::query, CryptoAggregate::mean, 8, false)),
                 InputError);
    EXPECT_THROW(parse_route("value"), InputError);
    EXPECT_THROW(parse_aggregate("max"), InputError);
}
