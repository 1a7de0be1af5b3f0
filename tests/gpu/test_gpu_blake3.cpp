// The BLAKE3 bucketing kernel. Its hash (kernels/blake3_chunk.hpp) is plain C++ that nvcc also
// compiles for the device, so the host checks it here without a GPU: the published vectors, then
// the official C implementation (core's digest) on every message length of one chunk. On a device,
// the kernel's buckets equal core's crypto buckets; rows past one chunk are refused.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/crypto_buckets.hpp"
#include "core/digest.hpp"
#include "gpu_support.hpp"
#include "kernels/blake3_chunk.hpp"

namespace {

using namespace hashscope;

// The hash of blake3_chunk.hpp over arbitrary bytes, as digest bytes.
std::vector<std::uint8_t> chunk_digest(const std::vector<std::uint8_t>& message) {
    const auto word_at = [&](int i) {
        std::uint32_t w = 0;
        for (int b = 0; b < 4; ++b)
            if (std::size_t(4 * i + b) < message.size()) w |= std::uint32_t(message[std::size_t(4 * i + b)]) << (8 * b);
        return w;
    };
    std::uint32_t words[8];
    gpu::blake3::digest_words(word_at, int(message.size()), words);
    std::vector<std::uint8_t> bytes;
    for (std::uint32_t w : words)
        for (int b = 0; b < 4; ++b) bytes.push_back(std::uint8_t(w >> (8 * b)));
    return bytes;
}

// BLAKE3's test input: byte i is i mod 251.
std::vector<std::uint8_t> official_input(std::size_t length) {
    std::vector<std::uint8_t> v(length);
    for (std::size_t i = 0; i < length; ++i) v[i] = std::uint8_t(i % 251);
    return v;
}

TEST(GpuBlake3, ChunkHashGivesThePublishedVectors) {
    EXPECT_EQ(to_hex(chunk_digest(official_input(0))), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    EXPECT_EQ(to_hex(chunk_digest(official_input(1))), "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213");
}

TEST(GpuBlake3, ChunkHashEqualsTheOfficialImplementationAtEveryLength) {
    Rng rng(31);
    for (std::size_t length = 0; length <= std::size_t(gpu::blake3::kChunkBytes); ++length) {
        std::vector<std::uint8_t> random(length);
        for (auto& b : random) b = std::uint8_t(rng.below(256));
        for (const auto& message : {official_input(length), random})
            ASSERT_EQ(chunk_digest(message), digest(DigestAlgo::blake3, message)) << length << " bytes";
    }
}

TEST(GpuBlake3, BucketsEqualCore) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    std::uint64_t seed = 900;
    for (int d : {1, 15, 16, 17, 64, 256})
        for (int bits : {1, 12, 32}) {
            SCOPED_TRACE("d=" + std::to_string(d) + " bits=" + std::to_string(bits));
            Rng rng(++seed);
            const Matrix<float> x = normal_matrix<float>(333, d, rng);
            CryptoBucketConfig<float> c;
            c.algo = DigestAlgo::blake3;
            c.bits = bits;
            const CryptoBucketTrace want = crypto_buckets(x, c);
            const auto got = gpu::blake3_buckets(x, bits);
            ASSERT_EQ(got.size(), want.buckets.size());
            for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(std::int64_t(got[i]), want.buckets[i]) << "row " << i;
        }
}

TEST(GpuBlake3, RowsPastOneChunkAreLeftToTheCpu) {
    EXPECT_THROW(gpu::blake3_buckets(Matrix<float>::Ones(2, 257), 8), gpu::GpuError);
}

}  // namespace
