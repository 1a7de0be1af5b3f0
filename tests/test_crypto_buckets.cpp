// Crypto buckets against hand-worked digests: x = [1, -2, 0.5] is the 12 little-endian float32
// bytes 0000803f 000000c0 0000003f; its int8 message is [64, -127, 32] (scale 127 / 2, halves away
// from zero); its sign code is 0b101 = 0x05. The hex digests were computed independently with
// Python's hashlib, e.g. hashlib.sha256(struct.pack('<3f', 1.0, -2.0, 0.5)).hexdigest().
#include <gtest/gtest.h>

#include <cstring>

#include "core/crypto_buckets.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

Matrix<float> hand_vector() {
    Matrix<float> x(1, 3);
    x << 1.0f, -2.0f, 0.5f;
    return x;
}

CryptoBucketConfig<float> config(DigestAlgo algo, int bits, Quantize q = Quantize::none) {
    CryptoBucketConfig<float> c;
    c.algo = algo;
    c.bits = bits;
    c.quantize = q;
    return c;
}

}  // namespace

TEST(CryptoBuckets, RawFloatBytesSha256) {
    // sha256 = 2ce4bdb6 b34a50ac ...
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 16)).buckets[0], 0x2ce4);
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 32)).buckets[0], 0x2ce4bdb6);
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 1)).buckets[0], 0);
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 3)).buckets[0], 1);  // 0010...
    const auto t = crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 16));
    EXPECT_EQ(t.digest_head[0], 0x2ce4bdb6b34a50acULL);
    EXPECT_EQ(t.message_bytes, 12u);
}

TEST(CryptoBuckets, SaltIsPrepended) {
    auto c = config(DigestAlgo::blake2b, 12);
    c.salt = {0xab, 0xcd};  // blake2b(abcd || x) = 98a620f9...
    const auto t = crypto_buckets(hand_vector(), c);
    EXPECT_EQ(t.buckets[0], 0x98a);
    EXPECT_EQ(t.message_bytes, 14u);
}

TEST(CryptoBuckets, Int8Quantisation) {
    // sha256([64, 0x81, 32]) = d9722621...
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 8, Quantize::int8)).buckets[0], 0xd9);
    // [0.7, -1, 0.1] -> [89, -127, 13]; sha256(59 81 0d) = fd88f9ea...
    Matrix<float> y(1, 3);
    y << 0.7f, -1.0f, 0.1f;
    EXPECT_EQ(crypto_buckets(y, config(DigestAlgo::sha256, 16, Quantize::int8)).buckets[0], 0xfd88);
    // Scaling x by a positive factor does not move its int8 bucket; the zero vector is all-zero bytes.
    Matrix<float> scaled = hand_vector() * 3.0f;
    EXPECT_EQ(crypto_buckets(scaled, config(DigestAlgo::sha256, 8, Quantize::int8)).buckets[0], 0xd9);
    const auto zero = bucket_messages(Matrix<float>(Matrix<float>::Zero(1, 4)), config(DigestAlgo::sha256, 8, Quantize::int8));
    EXPECT_EQ(zero.bytes, std::vector<std::uint8_t>(4, 0));
}

TEST(CryptoBuckets, SignQuantisation) {
    // Identity planes: code 0b101 = 0x05; sha512_256(05) = fb26e37e...
    EXPECT_EQ(crypto_buckets(hand_vector(), config(DigestAlgo::sha512_256, 20, Quantize::sign)).buckets[0], 0xfb26e);
    // Planes [[0, 1], [1, 0], [0, 0]]: x.p0 = -2 < 0, x.p1 = 1 >= 0, code 0b10 = 0x02; blake2s(02) = 2ca4b2f5...
    auto c = config(DigestAlgo::blake2s, 8, Quantize::sign);
    c.planes.resize(3, 2);
    c.planes << 0, 1, 1, 0, 0, 0;
    EXPECT_EQ(crypto_buckets(hand_vector(), c).buckets[0], 0x2c);
    EXPECT_EQ(bucket_messages(hand_vector(), c).bytes, std::vector<std::uint8_t>{0x02});
}

// Many rows: each bucket equals the leading bits of the one-shot digest of that row's bytes, for every
// algorithm; two threads give the same answer as one; float64 input hashes its float32 rounding.
TEST(CryptoBuckets, BatchMatchesOneShotDigests) {
    Rng rng(7);
    const Matrix<double> x64 = normal_matrix<double>(37, 5, rng);
    const Matrix<float> x = x64.cast<float>();
    for (DigestAlgo algo : all_digest_algos()) {
        auto c = config(algo, 32);
        c.salt = {1, 2, 3};
        const auto one = crypto_buckets(x, c);
        c.threads = 2;
        EXPECT_EQ(crypto_buckets(x, c).buckets, one.buckets) << digest_name(algo);
        CryptoBucketConfig<double> c64;
        c64.algo = algo;
        c64.bits = 32;
        c64.salt = c.salt;
        EXPECT_EQ(crypto_buckets(x64, c64).buckets, one.buckets) << digest_name(algo);
        for (int i = 0; i < x.rows(); ++i) {
            std::vector<std::uint8_t> message{1, 2, 3};
            for (int j = 0; j < x.cols(); ++j) {
                std::uint8_t b[4];
                std::memcpy(b, &x(i, j), 4);
                message.insert(message.end(), b, b + 4);
            }
            const auto d = digest(algo, message);
            const std::int64_t expected = std::int64_t(d[0]) << 24 | d[1] << 16 | d[2] << 8 | d[3];
            ASSERT_EQ(one.buckets[i], expected) << digest_name(algo) << " row " << i;
        }
    }
}

TEST(CryptoBuckets, BadConfigIsRefused) {
    EXPECT_THROW(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 0)), InputError);
    EXPECT_THROW(crypto_buckets(hand_vector(), config(DigestAlgo::sha256, 33)), InputError);
    auto c = config(DigestAlgo::sha256, 8, Quantize::sign);
    c.planes = Matrix<float>::Ones(4, 2);  // d = 4, vectors have d = 3
    EXPECT_THROW(crypto_buckets(hand_vector(), c), InputError);
    c.planes = Matrix<float>::Ones(3, 2);
    c.quantize = Quantize::int8;  // planes only mean something for sign
    EXPECT_THROW(crypto_buckets(hand_vector(), c), InputError);
    Matrix<float> bad = hand_vector();
    bad(0, 1) = std::nanf("");
    EXPECT_THROW(crypto_buckets(bad, config(DigestAlgo::sha256, 8)), InputError);
    EXPECT_THROW(parse_quantize("fp8"), InputError);
}

// Bucketing into a trace that holds another run's buffers gives the fresh result; a refused
// config leaves the trace as it was.
TEST(CryptoBuckets, ReusedTraceGivesTheFreshResult) {
    Rng rng(8);
    const Matrix<float> x = normal_matrix<float>(41, 6, rng);
    CryptoBucketTrace reused = crypto_buckets(Matrix<float>(normal_matrix<float>(90, 6, rng)), config(DigestAlgo::blake3, 5));
    for (DigestAlgo algo : {DigestAlgo::sha256, DigestAlgo::xxh3}) {
        auto c = config(algo, 20);
        c.threads = 3;
        crypto_buckets(x, c, reused);
        const CryptoBucketTrace fresh = crypto_buckets(x, config(algo, 20));
        EXPECT_EQ(reused.buckets, fresh.buckets) << digest_name(algo);
        EXPECT_EQ(reused.digest_head, fresh.digest_head) << digest_name(algo);
        EXPECT_EQ(reused.algo, algo);
        EXPECT_EQ(reused.bits, 20);
    }
    const CryptoBucketTrace before = reused;
    EXPECT_THROW(crypto_buckets(x, config(DigestAlgo::sha256, 33), reused), InputError);
    EXPECT_EQ(reused.buckets, before.buckets);
    EXPECT_EQ(reused.bits, before.bits);
}
