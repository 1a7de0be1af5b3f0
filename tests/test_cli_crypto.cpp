// The crypto CLI contract, run through the real `hashscope` executable: `hash --method crypto`
// buckets equal the leading bits of digests computed here from the rows' float32 bytes (the digests
// themselves are pinned by known-answer vectors in test_digest), and bad input exits 2 with one line.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"
#include "core/crypto_buckets.hpp"
#include "reference/reference_crypto.hpp"

namespace {

using namespace hashscope_test;
using hashscope::DigestAlgo;

// Leading `bits` bits of digest(salt || float32 bytes of row i), computed without crypto_buckets.
std::int64_t expected_bucket(DigestAlgo algo, const std::vector<std::uint8_t>& salt, const hashscope_ref::Mat& x,
                             int i, int bits) {
    std::vector<std::uint8_t> message = salt;
    for (int j = 0; j < x.cols; ++j) {
        const float f = float(x(i, j));
        std::uint8_t b[4];
        std::memcpy(b, &f, 4);
        message.insert(message.end(), b, b + 4);
    }
    const auto d = hashscope::digest(algo, message);
    std::uint64_t head = 0;
    for (int k = 0; k < 8; ++k) head = head << 8 | d[std::size_t(k)];
    return std::int64_t(head >> (64 - bits));
}

TEST_F(CliTest, CryptoHashEveryAlgorithmMatchesDigests) {
    const auto x = write_random("x.npy", 12, 7, 1);
    for (DigestAlgo algo : hashscope::all_digest_algos()) {
        for (const auto& [bits, salt] : {std::pair{16, std::string()}, std::pair{32, std::string("00ff10")}}) {
            const std::string name(hashscope::digest_name(algo));
            const CliRun r = run_cli("hash --method crypto --algo " + name + " --bits " + std::to_string(bits) +
                                 (salt.empty() ? "" : " --salt " + salt) + " --in " + path("x.npy") + " --out " +
                                 path("b.npy") + " --json");
            ASSERT_EQ(r.exit_code, 0) << r.output;
            const auto report = nlohmann::json::parse(r.output);
            EXPECT_EQ(report["parameters"]["algo"], name);
            EXPECT_DOUBLE_EQ(report["collisions"]["expected_pairs"].get<double>(), 12.0 * 11 / std::ldexp(2.0, bits));
            if (salt.empty()) {
                EXPECT_NEAR(report["avalanche"]["mean_flipped_fraction"].get<double>(), 0.5, 0.02);
            }
            const NpyArray b = hashscope::read_npy(path("b.npy"));
            EXPECT_EQ(b.dtype, hashscope::DType::i64);
            EXPECT_EQ(b.shape, (std::vector<std::int64_t>{12}));
            const auto got = hashscope::npy_values<std::int64_t>(b);
            const auto salt_bytes = salt.empty() ? std::vector<std::uint8_t>{} : hashscope::parse_hex(salt, "salt");
            for (int i = 0; i < 12; ++i)
                EXPECT_EQ(got[std::size_t(i)], expected_bucket(algo, salt_bytes, x, i, bits)) << name << " row " << i;
        }
    }
}

// Quantised messages: the CLI writes what core's crypto_buckets computes (which test_crypto_buckets
// checks against hand-worked digests), in both precisions.
TEST_F(CliTest, CryptoHashQuantisedMatchesCore) {
    const auto x = write_random("x.npy", 10, 6, 2), p = write_random("p.npy", 6, 12, 3);
    hashscope::Matrix<double> xm(10, 6), pm(6, 12);
    std::copy(x.a.begin(), x.a.end(), xm.data());
    std::copy(p.a.begin(), p.a.end(), pm.data());
    for (const std::string quantize : {"int8", "sign"}) {
        hashscope::CryptoBucketConfig<double> c;
        c.algo = DigestAlgo::blake3;
        c.bits = 20;
        c.quantize = hashscope::parse_quantize(quantize);
        if (quantize == "sign") c.planes = pm;
        const auto expected = hashscope::crypto_buckets(xm, c).buckets;
        for (const std::string precision : {"f32", "f64"}) {
            const CliRun r = run_cli("hash --method crypto --algo blake3 --bits 20 --quantize " + quantize +
                                 (quantize == "sign" ? " --planes " + path("p.npy") : "") + " --in " + path("x.npy") +
                                 " --out " + path("b.npy") + " --precision " + precision);
            ASSERT_EQ(r.exit_code, 0) << r.output;
            EXPECT_EQ(hashscope::npy_values<std::int64_t>(hashscope::read_npy(path("b.npy"))), expected)
                << quantize << " " << precision;
        }
    }
}

TEST_F(CliTest, CryptoHashBadInputExitsTwo) {
    write_random("x.npy", 4, 8, 1);
    write_random("p5.npy", 5, 4, 2);
    const std::string out = path("b.npy");
    const std::string base = "hash --method crypto --in " + path("x.npy") + " --out " + out;
    expect_refused(base + " --bits 33", "--bits 33 is outside 1..32", out);
    expect_refused(base + " --bits 0", "--bits", out);
    expect_refused(base, "--bits is required", out);
    expect_refused(base + " --bits 16 --algo md5", "--algo: unknown algorithm 'md5'", out);
    expect_refused(base + " --bits 16 --salt xyz1", "--salt", out);
    expect_refused(base + " --bits 16 --salt abc", "even", out);
    expect_refused(base + " --bits 16 --quantize fp8", "--quantize", out);
    expect_refused(base + " --bits 16 --planes " + path("p5.npy"), "--planes only applies to --quantize sign", out);
    expect_refused(base + " --bits 16 --quantize sign --planes " + path("p5.npy"), "--planes has d = 5", out);
    expect_refused(base + " --bits 16 --seed 3", "--seed applies to --method simhash only", out);
}

// attend --method crypto --route key: each query aggregates its own key's bucket, buckets computed
// here from digests; outputs match the brute-force oracle, causal or not, mean or softmax.
TEST_F(CliTest, CryptoAttendMatchesOracle) {
    const int n = 24, bits = 2;
    const auto q = write_random("q.npy", n, 5, 4), k = write_random("k.npy", n, 5, 5), v = write_random("v.npy", n, 3, 6);
    hashscope_ref::CryptoRoundRef round;
    for (int j = 0; j < n; ++j) round.key_bucket.push_back(expected_bucket(DigestAlgo::blake2s, {}, k, j, bits));
    round.query_bucket = round.key_bucket;
    round.key_depth = round.query_depth = std::vector<int>(n, bits);
    for (bool causal : {false, true})
        for (const std::string aggregate : {"mean", "softmax"}) {
            const CliRun r = run_cli("attend --method crypto --algo blake2s --bits 2 --route key --aggregate " + aggregate +
                                 (causal ? " --causal" : "") + " --q " + path("q.npy") + " --k " + path("k.npy") +
                                 " --v " + path("v.npy") + " --out " + path("o.npy") + " --precision f64 --json");
            ASSERT_EQ(r.exit_code, 0) << r.output;
            EXPECT_NE(r.output.find("\"relative_l2_error\""), std::string::npos) << r.output;
            const auto want = hashscope_ref::crypto_attention(q, k, v, {round}, aggregate == "softmax", causal);
            EXPECT_LT(max_abs_diff(read_values(path("o.npy")), want.a), 1e-12) << aggregate << " causal " << causal;
        }
}

// The faithful route: raw float queries meet no key, the --json report counts them all as empty.
TEST_F(CliTest, CryptoAttendQueryRouteReportsEmptyBuckets) {
    write_random("q.npy", 20, 6, 7);
    write_random("k.npy", 30, 6, 8);
    write_random("v.npy", 30, 2, 9);
    const CliRun r = run_cli("attend --method crypto --algo sha256 --bits 24 --route query --aggregate mean --rounds 2 --q " +
                         path("q.npy") + " --k " + path("k.npy") + " --v " + path("v.npy") + " --out " + path("o.npy") +
                         " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"empty_bucket_queries\":20"), std::string::npos) << r.output;
    for (double x : read_values(path("o.npy"))) EXPECT_EQ(x, 0.0);
}

// --aggregate projection: a given W maps each bucket mean affinely; a fitted W (to dense, in-sample)
// cannot do worse than the plain mean.
TEST_F(CliTest, CryptoAttendProjection) {
    write_random("x.npy", 32, 4, 10);
    write_random("v.npy", 32, 2, 11);
    const std::string common = "attend --method crypto --algo sha256 --bits 3 --route key --q " + path("x.npy") +
                               " --k " + path("x.npy") + " --v " + path("v.npy") + " --precision f64 --json --out ";
    CliRun r = run_cli(common + path("mean.npy") + " --aggregate mean");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const double mean_error = nlohmann::json::parse(r.output)["metrics"]["relative_l2_error"];
    const std::vector<double> w{2, 0, 0, 2, 0.5, -1};  // [dv + 1, dv]: 2 I, then the bias (0.5, -1)
    hashscope::write_npy(path("w.npy"), hashscope::make_npy<double>(w, {3, 2}));
    r = run_cli(common + path("proj.npy") + " --aggregate projection --projection " + path("w.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto mean = read_values(path("mean.npy")), projected = read_values(path("proj.npy"));
    for (std::size_t i = 0; i < mean.size(); ++i) EXPECT_NEAR(projected[i], 2 * mean[i] + (i % 2 ? -1 : 0.5), 1e-12);
    r = run_cli(common + path("fit.npy") + " --aggregate projection --ridge 0");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto report = nlohmann::json::parse(r.output);
    EXPECT_TRUE(report["projection"]["fitted_to_dense"].get<bool>());
    EXPECT_LE(report["metrics"]["relative_l2_error"].get<double>(), mean_error);
    expect_refused(common + path("bad.npy") + " --aggregate mean --projection " + path("w.npy"),
                   "--projection needs --aggregate projection", path("bad.npy"));
    hashscope::write_npy(path("w2.npy"), hashscope::make_npy<double>(w, {2, 3}));
    expect_refused(common + path("bad.npy") + " --aggregate projection --projection " + path("w2.npy"),
                   "--projection has 2 rows, expected dv + 1 = 3", path("bad.npy"));
}

TEST_F(CliTest, CryptoAttendBadInputExitsTwo) {
    write_random("q.npy", 4, 8, 1);
    write_random("k.npy", 6, 8, 2);
    write_random("v.npy", 6, 3, 3);
    const std::string out = path("o.npy");
    const std::string base = "attend --method crypto --q " + path("q.npy") + " --k " + path("k.npy") + " --v " +
                             path("v.npy") + " --out " + out;
    expect_refused(base + " --bits 40 --route query", "--bits 40 is outside 1..32", out);
    expect_refused(base + " --route query", "--bits is required", out);
    expect_refused(base + " --bits 8 --algo md4 --route query", "--algo: unknown algorithm", out);
    expect_refused(base + " --bits 8 --route key", "--route key needs one key per query", out);
    expect_refused(base + " --bits 8 --route lsh --quantize int8", "--quantize must be sign", out);
    expect_refused(base + " --bits 8 --route query --salt 0g", "--salt", out);
    expect_refused(base + " --bits 8 --route query --rounds 0", "--rounds", out);
    expect_refused(base + " --bits 8 --route sideways", "--route", out);
}

// claims --json: the memory model at n for a preset or a JSON shape, and the piece's four rows.
TEST_F(CliTest, ClaimsReportsTheModelAndThePiecesTable) {
    CliRun r = run_cli("claims --config 7b --n 131072 --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["memory_bytes"]["kv_cache"]["bytes"].get<double>(), 68719476736.0);  // 64 GiB
    EXPECT_EQ(j["memory_bytes"]["dense_scores_one_head"]["bytes"].get<double>(), 34359738368.0);
    ASSERT_EQ(j["claims"].size(), 4u);
    EXPECT_DOUBLE_EQ(j["claims"][2]["implied_score_matrices"].get<double>(), 8.0);  // 70B: 256 GB = 8 x 32 GiB

    { std::ofstream(path("tiny.json")) << R"({"name": "tiny", "layers": 2, "heads": 4, "kv_heads": 2, "head_dim": 16})"; }
    r = run_cli("claims --config " + path("tiny.json") + " --n 1000 --bits 8 --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["memory_bytes"]["kv_cache"]["bytes"].get<double>(), 2.0 * 2 * 2 * 16 * 2 * 1000);
    EXPECT_EQ(j["memory_bytes"]["hash_accumulators_full_table"]["bytes"].get<double>(), 4.0 * 256 * (16 * 4 + 4));
    EXPECT_EQ(run_cli("claims --config 70b --n 1048576").exit_code, 0);
}

TEST_F(CliTest, ClaimsBadInputExitsTwo) {
    { std::ofstream(path("partial.json")) << R"({"layers": 2, "heads": 4})"; }
    { std::ofstream(path("broken.json")) << "{ not json"; }
    const std::string none = path("nothing-written");
    expect_refused("claims --config 13b", "--config 13b: not a preset", none);
    expect_refused("claims --config " + path("partial.json"), "missing \"kv_heads\"", none);
    expect_refused("claims --config " + path("broken.json"), "not a JSON object", none);
    expect_refused("claims --config 7b --bits 40", "--bits 40 is outside 1..32", none);
    expect_refused("claims --config 7b --n 0", "--n", none);
}

}  // namespace

namespace {

using namespace hashscope_test;

// `hashscope attack`: row J of the written K lands in the asked bucket by the digest computed here,
// every other row is bit-identical and row J moved by a few ulps only.
hashscope_ref::Mat read_matrix(const std::string& file, int rows, int cols) {
    hashscope_ref::Mat m(rows, cols);
    m.a = hashscope::npy_values<double>(hashscope::read_npy(file));
    return m;
}

void expect_only_row_moved(const hashscope_ref::Mat& before, const hashscope_ref::Mat& after, int row) {
    for (int i = 0; i < before.rows; ++i)
        for (int j = 0; j < before.cols; ++j) {
            const double was = double(float(before(i, j))), now = after(i, j);
            if (i == row) EXPECT_LE(std::abs(now - was), 1e-5 * std::abs(was)) << i << "," << j;
            else EXPECT_EQ(now, was) << i << "," << j;
        }
}

}  // namespace

TEST_F(CliTest, AttackPushesARowIntoTheTargetBucket) {
    const auto k = write_random("k.npy", 16, 8, 11);
    const CliRun r = run_cli("attack --k " + path("k.npy") + " --row 3 --target 77 --bits 12 --out " + path("k2.npy") + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto report = nlohmann::json::parse(r.output);
    EXPECT_TRUE(report["search"]["found"].get<bool>());
    EXPECT_NE(expected_bucket(DigestAlgo::sha256, {}, k, 3, 12), 77) << "the seed must start elsewhere";
    const auto moved = read_matrix(path("k2.npy"), 16, 8);
    EXPECT_EQ(expected_bucket(DigestAlgo::sha256, {}, moved, 3, 12), 77);
    expect_only_row_moved(k, moved, 3);
}

TEST_F(CliTest, AttackJoinsTheVictimsBucketAndChangesItsOutput) {
    const auto k = write_random("k.npy", 16, 8, 12);
    write_random("v.npy", 16, 4, 13);
    const std::string args = "attack --k " + path("k.npy") + " --q " + path("k.npy") + " --v " + path("v.npy") +
                             " --row 3 --victim 5 --bits 12 --algo blake3 --out " + path("k2.npy") + " --json";
    const CliRun r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto report = nlohmann::json::parse(r.output);
    const auto moved = read_matrix(path("k2.npy"), 16, 8);
    // Route key with Q = K: query 5 reads key 5's bucket, which the attacker's row now shares.
    EXPECT_EQ(expected_bucket(DigestAlgo::blake3, {}, moved, 3, 12), expected_bucket(DigestAlgo::blake3, {}, k, 5, 12));
    EXPECT_EQ(report["victim"]["keys_after"].get<int>(), report["victim"]["keys_before"].get<int>() + 1);
    EXPECT_GT(report["victim"]["relative_change"].get<double>(), 0.01);
    expect_only_row_moved(k, moved, 3);
}

TEST_F(CliTest, AttackOutOfBudgetExitsOneAndWritesNothing) {
    write_random("k.npy", 16, 8, 11);
    const CliRun r = run_cli("attack --k " + path("k.npy") + " --row 3 --target 77 --bits 16 --budget 10 --out " + path("k2.npy"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("no perturbation of row 3 reached bucket 77 within 10 digests"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("k2.npy")));
}

TEST_F(CliTest, AttackRefusesBadInput) {
    write_random("k.npy", 16, 8, 11);
    const std::string k = " --k " + path("k.npy") + " --out " + path("k2.npy");
    expect_refused("attack" + k + " --row 3 --target 1 --victim 2 --bits 8", "give exactly one of --target and --victim", path("k2.npy"));
    expect_refused("attack" + k + " --row 3 --victim 2 --bits 8", "--victim needs --q and --v", path("k2.npy"));
    expect_refused("attack" + k + " --row 16 --target 1 --bits 8", "--row 16 is outside --k's 16 rows", path("k2.npy"));
    expect_refused("attack" + k + " --row 3 --target 256 --bits 8", "--target 256 is outside [0, 2^8)", path("k2.npy"));
    expect_refused("attack" + k + " --row 3 --target 1 --bits 33", "--bits", path("k2.npy"));
    expect_refused("attack" + k + " --row 3 --target 1 --bits 8 --algo md5", "md5", path("k2.npy"));
}
