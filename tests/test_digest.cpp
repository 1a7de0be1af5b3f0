// Digests against published known-answer vectors: NIST FIPS 180 examples (SHA-256, SHA-512/256),
// RFC 7693 appendices A and B (BLAKE2b-512, BLAKE2s-256 of "abc"), BLAKE3's official
// test_vectors.json (first 32 bytes of the "hash" field; input = bytes 0, 1, ..., 250 repeating),
// and XXH3-64 values printed by the `xxhsum -H3` command of Debian's xxhash package.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/digest.hpp"
#include "core/error.hpp"

using namespace hashscope;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// BLAKE3's test input: byte i is i mod 251.
std::vector<std::uint8_t> blake3_input(std::size_t length) {
    std::vector<std::uint8_t> v(length);
    for (std::size_t i = 0; i < length; ++i) v[i] = std::uint8_t(i % 251);
    return v;
}

std::string hex_digest(DigestAlgo algo, const std::vector<std::uint8_t>& message) {
    return to_hex(digest(algo, message));
}

}  // namespace

TEST(Digest, Sha256Nist) {
    EXPECT_EQ(hex_digest(DigestAlgo::sha256, bytes_of("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_digest(DigestAlgo::sha256, {}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Sha512_256Nist) {
    EXPECT_EQ(hex_digest(DigestAlgo::sha512_256, bytes_of("abc")),
              "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST(Digest, Blake2Rfc7693) {
    EXPECT_EQ(hex_digest(DigestAlgo::blake2s, bytes_of("abc")),
              "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
    EXPECT_EQ(hex_digest(DigestAlgo::blake2b, bytes_of("abc")),
              "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
              "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

TEST(Digest, Blake3OfficialVectors) {
    EXPECT_EQ(hex_digest(DigestAlgo::blake3, blake3_input(0)),
              "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    EXPECT_EQ(hex_digest(DigestAlgo::blake3, blake3_input(1)),
              "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213");
    // Longer inputs go through the multi-chunk (SIMD) paths.
    EXPECT_EQ(hex_digest(DigestAlgo::blake3, blake3_input(1025)),
              "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444");
    EXPECT_EQ(hex_digest(DigestAlgo::blake3, blake3_input(4097)),
              "9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995");
}

TEST(Digest, Xxh3MatchesXxhsum) {
    EXPECT_EQ(hex_digest(DigestAlgo::xxh3, {}), "2d06800538d394c2");
    EXPECT_EQ(hex_digest(DigestAlgo::xxh3, bytes_of("abc")), "78af5f94892f3950");
    EXPECT_EQ(hex_digest(DigestAlgo::xxh3, {0}), "c44bdff4074eecdb");
}

// A salt is a prefix: digesting (prefix, body) equals digesting prefix || body, for every algorithm,
// and a reused Digester gives the same answer every time.
TEST(Digest, PrefixIsConcatenationAndDigesterIsReusable) {
    const auto prefix = bytes_of("salt"), body = blake3_input(300);
    auto joined = prefix;
    joined.insert(joined.end(), body.begin(), body.end());
    for (DigestAlgo algo : all_digest_algos()) {
        Digester d(algo);
        std::vector<std::uint8_t> out(d.size());
        const auto expected = digest(algo, joined);
        ASSERT_EQ(expected.size(), digest_size(algo));
        for (int repeat = 0; repeat < 3; ++repeat) {
            d.digest(prefix, body, out.data());
            EXPECT_EQ(out, expected) << digest_name(algo);
        }
    }
}

TEST(Digest, NamesRoundTripAndUnknownIsRefused) {
    for (DigestAlgo algo : all_digest_algos()) EXPECT_EQ(parse_digest_algo(digest_name(algo)), algo);
    EXPECT_THROW(parse_digest_algo("md5"), InputError);
    EXPECT_THROW(parse_digest_algo("SHA256"), InputError);
}

TEST(Digest, Hex) {
    EXPECT_EQ(parse_hex("00fFa1", "--salt"), (std::vector<std::uint8_t>{0x00, 0xff, 0xa1}));
    EXPECT_EQ(to_hex(parse_hex("deadBEEF", "--salt")), "deadbeef");
    EXPECT_THROW(parse_hex("abc", "--salt"), InputError);
    EXPECT_THROW(parse_hex("zz", "--salt"), InputError);
    EXPECT_THROW(parse_hex("", "--salt"), InputError);
}
