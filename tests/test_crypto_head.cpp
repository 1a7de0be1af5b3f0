// `method=crypto` in --swap: a swapped head's output against a reference written here from OpenSSL's
// SHA-256 and float64 loops (bucket = the digest's first b bits of the key's float32 bytes; query i
// aggregates the keys j <= i in its own key's bucket), and the parameter checks.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cmath>
#include <cstring>

#include "core/model/crypto_head.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

std::uint32_t sha256_bucket(const Matrix<double>& x, Eigen::Index row, int bits) {
    std::vector<unsigned char> bytes(std::size_t(x.cols()) * 4);
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
        const float f = float(x(row, c));
        std::memcpy(bytes.data() + 4 * c, &f, 4);  // little-endian host, as the format says
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), digest, nullptr, EVP_sha256(), nullptr), 1);
    const std::uint32_t head = std::uint32_t(digest[0]) << 24 | std::uint32_t(digest[1]) << 16 |
                               std::uint32_t(digest[2]) << 8 | std::uint32_t(digest[3]);
    return head >> (32 - bits);
}

// Route key, causal: mean of V, or softmax(q.k / sqrt(d)) attention, over keys j <= i sharing key i's bucket.
Matrix<double> reference(const Matrix<double>& q, const Matrix<double>& k, const Matrix<double>& v, int bits, bool softmax) {
    Matrix<double> out = Matrix<double>::Zero(q.rows(), v.cols());
    for (Eigen::Index i = 0; i < q.rows(); ++i) {
        const auto own = sha256_bucket(k, i, bits);
        std::vector<Eigen::Index> members;
        for (Eigen::Index j = 0; j <= i; ++j)
            if (sha256_bucket(k, j, bits) == own) members.push_back(j);
        std::vector<double> weight(members.size(), 1.0);
        if (softmax) {
            double peak = -INFINITY;
            for (std::size_t m = 0; m < members.size(); ++m) {
                double dot = 0;
                for (Eigen::Index c = 0; c < q.cols(); ++c) dot += q(i, c) * k(members[m], c);
                weight[m] = dot / std::sqrt(double(q.cols()));
                peak = std::max(peak, weight[m]);
            }
            for (double& w : weight) w = std::exp(w - peak);
        }
        double total = 0;
        for (double w : weight) total += w;
        for (std::size_t m = 0; m < members.size(); ++m)
            for (Eigen::Index c = 0; c < v.cols(); ++c) out(i, c) += weight[m] / total * v(members[m], c);
    }
    return out;
}

HeadSwap swap_of(std::map<std::string, std::string> parameters) {
    HeadSwap swap;
    swap.method = "crypto";
    swap.parameters = std::move(parameters);
    return swap;
}

std::string error_of(std::map<std::string, std::string> parameters) {
    try {
        crypto_head_method<double>(swap_of(std::move(parameters)));
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(CryptoHead, MatchesShaReferenceForMeanAndSoftmax) {
    Rng rng(2026);
    const Matrix<double> q = normal_matrix<double>(24, 8, rng), k = normal_matrix<double>(24, 8, rng),
                         v = normal_matrix<double>(24, 5, rng);
    for (const bool softmax : {false, true}) {
        const auto method = crypto_head_method<double>(
            swap_of({{"bits", "2"}, {"aggregate", softmax ? "softmax" : "mean"}, {"route", "key"}}));
        const Matrix<double> got = method(0, 0, q, k, v), want = reference(q, k, v, 2, softmax);
        // 24 keys in 4 buckets: most queries aggregate several keys, so this is not the identity.
        EXPECT_GT((want - v).norm(), 1.0);
        EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << (softmax ? "softmax" : "mean");
    }
}

TEST(CryptoHead, PlanesAreDrawnPerHead) {
    Rng rng(5);
    const Matrix<double> x = normal_matrix<double>(16, 6, rng), v = normal_matrix<double>(16, 3, rng);
    const auto method = crypto_head_method<double>(swap_of({{"route", "lsh"}, {"planes", "3"}, {"bits", "8"}}));
    EXPECT_TRUE(method(1, 2, x, x, v).isApprox(method(1, 2, x, x, v)));
    EXPECT_FALSE(method(1, 2, x, x, v).isApprox(method(1, 3, x, x, v)));
}

TEST(CryptoHead, RefusesBadParametersNamingSwap) {
    EXPECT_NE(error_of({{"bits", "33"}}).find("--swap: bits must be a whole number in 1..32, got 33"), std::string::npos);
    EXPECT_NE(error_of({{"bits", "1.5"}}).find("--swap: bits"), std::string::npos);
    EXPECT_NE(error_of({{"algo", "md5"}}).find("--swap:"), std::string::npos);
    EXPECT_NE(error_of({{"route", "nowhere"}}).find("--swap:"), std::string::npos);
    EXPECT_NE(error_of({{"salt", "xyz"}}).find("--swap:"), std::string::npos);
    EXPECT_NE(error_of({{"n_buckets", "4"}}).find("method crypto has no parameter 'n_buckets'"), std::string::npos);
}
