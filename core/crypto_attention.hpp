// Crypto-hash attention as the news piece describes it: every key goes to the bucket given by the
// first b bits of its digest (core/crypto_buckets.hpp) and a query's output is an aggregate of the
// values in the bucket it is routed to.
//
// Routing a query (what the piece leaves open, so every reading is here):
//   query  the digest of the query itself (faithful to the text). A digest is not locality-sensitive,
//          so a query meets keys only when its bytes equal a key's (shared Q = K) or by a chance
//          collision of probability 2^-b per key: with raw floats almost every query's bucket is empty.
//   key    the bucket of the query's own token's key (needs n = m; query i uses key i).
//   lsh    the hybrid: queries and keys are hashed as their SimHash sign codes (Quantize::sign), so
//          similar vectors share a code, hence a digest, hence a bucket.
// Aggregation: `mean` of V over the bucket, or `softmax` attention (q.k / sqrt(d)) inside it. With
// `causal`, query i sees keys j <= i + (m - n) only; the mean is then a running mean over earlier
// keys. An empty bucket gives a zero output and is counted.
// Multi-round: round r hashes with salt || r as 4 big-endian bytes (round 0 with the salt alone, so
// one round equals `hashscope hash`); the outputs of the rounds whose bucket was non-empty are averaged.
// Hierarchical bucketing (load_cap > 0): a bucket holding more than load_cap keys is split by the
// digest's next bit, recursively (up to 62 bits); queries descend the same splits with their own digest.
#pragma once

#include <cstdint>
#include <vector>

#include "core/crypto_buckets.hpp"
#include "core/matrix.hpp"

namespace hashscope {

enum class CryptoRoute { query, key, lsh };
enum class CryptoAggregate { mean, softmax };

std::string_view route_name(CryptoRoute r);
CryptoRoute parse_route(std::string_view name);  // query | key | lsh
std::string_view aggregate_name(CryptoAggregate a);
CryptoAggregate parse_aggregate(std::string_view name);  // mean | softmax

template <class T>
struct CryptoAttentionConfig {
    CryptoBucketConfig<T> hashing;  // algo, bits, salt, quantisation (route lsh needs sign), threads
    CryptoRoute route = CryptoRoute::key;
    CryptoAggregate aggregate = CryptoAggregate::mean;
    int rounds = 1;
    bool causal = false;
    int load_cap = 0;  // 0: no hierarchical splitting
};

// One round, for the view: where every key and query went and how full the buckets were.
struct CryptoRoundTrace {
    std::vector<std::uint8_t> salt;        // this round's salt
    std::vector<std::int64_t> key_bucket;  // [m] leaf bucket: the first key_depth[j] digest bits
    std::vector<std::uint8_t> key_depth;   // [m] bits used: b, or more where the bucket was split
    std::vector<std::int64_t> query_bucket;
    std::vector<std::uint8_t> query_depth;
    std::vector<std::int32_t> query_keys;  // [n] keys aggregated by each query (after the causal mask)
    std::vector<std::int32_t> loads;       // keys per occupied leaf bucket, in order of first key
    int occupied = 0;                      // distinct leaf buckets holding a key
    int max_load = 0;
    int splits = 0;                        // buckets split by hierarchical bucketing
    int empty_queries = 0;                 // queries whose bucket held no visible key
    int identical_queries = 0;             // queries whose 64-bit digest head equals some key's (same bytes)
};

template <class T>
struct CryptoAttentionTrace {
    Matrix<T> output;  // [n, dv]
    std::vector<CryptoRoundTrace> rounds;
    int empty_all_rounds = 0;  // queries with a zero output: empty in every round
    std::size_t slots = 0;     // accumulators allocated (occupied leaves, summed over rounds)
};

template <class T>
void check_crypto_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                            const CryptoAttentionConfig<T>& config);

template <class T>
CryptoAttentionTrace<T> crypto_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                         const CryptoAttentionConfig<T>& config);

// Round r's salt: the base salt, then r as 4 big-endian bytes for r >= 1.
std::vector<std::uint8_t> round_salt(const std::vector<std::uint8_t>& salt, int round);

}  // namespace hashscope
