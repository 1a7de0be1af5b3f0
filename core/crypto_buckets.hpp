// Crypto bucket hashing, the news piece's step 1: a vector's bucket is the first b bits (b = 1..32,
// big-endian) of the digest of its bytes, an optional salt prepended (keyed rounds).
//
// The bytes hashed depend on the pre-quantisation:
//   none  the d float32 values, little-endian (a float64 matrix is rounded to float32 first), 4d bytes;
//   sign  the SimHash code of x under planes P [d, p] (bit i = x . P[:, i] >= 0), packed bit i into
//         byte i / 8 at position i % 8, ceil(p / 8) bytes: the "hybrid" LSH -> crypto mode, where
//         similar vectors share a code and therefore a digest;
//   int8  round(x_j * 127 / max_j |x_j|) as signed bytes, d bytes (all zero when x = 0): symmetric
//         per-vector absmax scaling, so vectors differing only by a positive factor share a bucket.
// A cryptographic digest is not locality-sensitive: two different messages land in the same bucket
// only by chance (probability 2^-b); any grouping of similar vectors comes from the quantisation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/digest.hpp"
#include "core/matrix.hpp"

namespace hashscope {

enum class Quantize { none, sign, int8 };

std::string_view quantize_name(Quantize q);
Quantize parse_quantize(std::string_view name);  // "none" | "sign" | "int8"; InputError otherwise

template <class T>
struct CryptoBucketConfig {
    DigestAlgo algo = DigestAlgo::sha256;
    int bits = 16;                   // 1..32
    std::vector<std::uint8_t> salt;  // prepended to every message; empty = unsalted
    Quantize quantize = Quantize::none;
    Matrix<T> planes;  // [d, p] for Quantize::sign; empty = the coordinates' own signs (P = identity)
    int threads = 1;   // rows are split evenly over this many threads
};

// The result and what the view shows: each row's bucket and the head of its digest.
struct CryptoBucketTrace {
    DigestAlgo algo = DigestAlgo::sha256;
    int bits = 0;
    Quantize quantize = Quantize::none;
    std::size_t message_bytes = 0;          // bytes hashed per row, salt included
    std::vector<std::int64_t> buckets;      // [n], in [0, 2^bits)
    std::vector<std::uint64_t> digest_head;  // [n], the digest's first 64 bits, big-endian
};

// Throws InputError naming the parameter when bits is outside 1..32, planes do not match d, etc.
template <class T>
void check_crypto_bucket_config(const CryptoBucketConfig<T>& config, Eigen::Index d);

// The messages the rows are hashed as (without the salt): row i is bytes[i * length, (i + 1) * length).
struct BucketMessages {
    std::size_t length = 0;
    std::vector<std::uint8_t> bytes;
    std::span<const std::uint8_t> row(Eigen::Index i) const { return {bytes.data() + std::size_t(i) * length, length}; }
};
template <class T>
BucketMessages bucket_messages(const Matrix<T>& x, const CryptoBucketConfig<T>& config);

template <class T>
CryptoBucketTrace crypto_buckets(const Matrix<T>& x, const CryptoBucketConfig<T>& config);
// The same into `t`, whose buffers are kept when they have the size already: a caller that buckets
// again and again skips allocating and first-touching them (2 MiB for 128K keys, ~5 ms of page
// faults in a virtual machine). Checks come first: on InputError `t` is unchanged.
template <class T>
void crypto_buckets(const Matrix<T>& x, const CryptoBucketConfig<T>& config, CryptoBucketTrace& t);

// The first `bits` bits (1..64) of a big-endian digest head.
inline std::int64_t leading_bits(std::uint64_t head, int bits) { return std::int64_t(head >> (64 - bits)); }

}  // namespace hashscope
