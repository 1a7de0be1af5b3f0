// The SHA-256 bucketing kernel against OpenSSL over the same bytes (each row's float32
// little-endian bytes): a published answer, row lengths on both sides of the one-block padding
// limit (55 bytes), whole blocks, 256-byte keys, and bucket widths 1..32.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstring>
#include <string>

#include "core/crypto_buckets.hpp"
#include "gpu_support.hpp"

namespace {

using namespace hashscope;

std::uint32_t openssl_bucket(const float* row, int d, int bits) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(row), std::size_t(d) * sizeof(float), digest);
    const std::uint32_t first = std::uint32_t(digest[0]) << 24 | std::uint32_t(digest[1]) << 16 |
                                std::uint32_t(digest[2]) << 8 | digest[3];
    return bits == 32 ? first : first >> (32 - bits);
}

// SHA-256("abcd") = 88d4266f d4e6338d ...: one float whose little-endian bytes are 'a' 'b' 'c' 'd'.
TEST(GpuSha256, KnownAnswer) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const char text[4] = {'a', 'b', 'c', 'd'};
    Matrix<float> x(1, 1);
    std::memcpy(x.data(), text, 4);
    EXPECT_EQ(gpu::sha256_buckets(x, 32), (std::vector<std::uint32_t>{0x88d4266fu}));
    EXPECT_EQ(gpu::sha256_buckets(x, 12), (std::vector<std::uint32_t>{0x88du}));
}

TEST(GpuSha256, MatchesOpenSsl) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    std::uint64_t seed = 400;
    for (int d : {1, 13, 14, 16, 17, 64, 100})
        for (int bits : {1, 12, 32}) {
            SCOPED_TRACE("d=" + std::to_string(d) + " bits=" + std::to_string(bits));
            Rng rng(++seed);
            const Matrix<float> x = normal_matrix<float>(333, d, rng);
            const auto got = gpu::sha256_buckets(x, bits);
            ASSERT_EQ(got.size(), 333u);
            for (int i = 0; i < 333; ++i) ASSERT_EQ(got[std::size_t(i)], openssl_bucket(x.row(i).data(), d, bits)) << "row " << i;
        }
}

// Determinism across devices: core's buckets on 1, 2, 3 and 7 threads and the kernel's on two runs
// are one and the same array, for the news piece's workload (d = 64 float32 keys, 256 bytes).
TEST(GpuSha256, BitEqualToCoreOnEveryThreadCountAndRun) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(77);
    const Matrix<float> x = normal_matrix<float>(4099, 64, rng);
    for (int bits : {5, 16, 32}) {
        SCOPED_TRACE("bits=" + std::to_string(bits));
        const auto gpu_first = gpu::sha256_buckets(x, bits);
        EXPECT_EQ(gpu::sha256_buckets(x, bits), gpu_first);
        for (int threads : {1, 2, 3, 7}) {
            CryptoBucketConfig<float> c;
            c.bits = bits;
            c.threads = threads;
            const CryptoBucketTrace t = crypto_buckets(x, c);
            ASSERT_EQ(t.buckets.size(), gpu_first.size());
            for (std::size_t i = 0; i < gpu_first.size(); ++i)
                ASSERT_EQ(t.buckets[i], std::int64_t(gpu_first[i])) << "row " << i << ", " << threads << " threads";
        }
    }
}

TEST(GpuSha256, RefusesBadWidth) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    EXPECT_THROW(gpu::sha256_buckets(Matrix<float>::Ones(1, 4), 0), InputError);
    EXPECT_THROW(gpu::sha256_buckets(Matrix<float>::Ones(1, 4), 33), InputError);
}

}  // namespace
