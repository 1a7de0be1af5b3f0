// The piece's security concern, made concrete: with only b digest bits kept, anyone who controls a
// key can push it into any chosen bucket by trying perturbations until the truncated digest matches,
// about 2^b digests on average (a preimage of b bits, not of the whole digest). The perturbation
// flips only the lowest mantissa bits of the float32 key — changes of an ulp or a few — so the key
// is numerically the same vector, yet it now sits in (and pollutes) a victim query's bucket.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/crypto_attention.hpp"

namespace hashscope {

struct CollisionSearch {
    DigestAlgo algo = DigestAlgo::sha256;
    int bits = 16;
    std::vector<std::uint8_t> salt;
    std::int64_t target = 0;   // the bucket to land in, [0, 2^bits)
    std::uint64_t budget = 0;  // digests allowed; 0 = 2^(bits + 4) (the chance of failing is e^-16)
    // Called every `report_every` tries with (tries so far, bucket of the latest try) so that a view
    // can animate the search from a worker thread; returning false stops it (reported as not found).
    std::function<bool(std::uint64_t tries, std::int64_t bucket)> progress;
    std::uint64_t report_every = 4096;
};

struct CollisionResult {
    bool found = false;
    std::uint64_t tries = 0;         // digests computed
    double expected_tries = 0;       // 2^bits
    std::uint64_t budget = 0;
    std::uint64_t perturbation = 0;  // the counter whose bits were flipped (bit t: component t % d, mantissa bit t / d)
    std::int64_t original_bucket = 0, final_bucket = 0;
    std::vector<float> key;          // the key after the perturbation (the original when not found)
    int mantissa_bits = 0;           // low mantissa bits touched per component, at most
    double max_relative_change = 0;  // max over components of |new - old| / |old|
};

// Searches perturbations of `key` (float32, hashed as crypto_buckets does with Quantize::none).
CollisionResult find_bucket_collision(const std::vector<float>& key, const CollisionSearch& search);

// A victim query and an attacker who controls one token (its key, and optionally its value).
template <class T>
struct AttackOutcome {
    CollisionResult search;
    std::int64_t victim_bucket = 0;
    int victim_keys_before = 0, victim_keys_after = 0;  // keys the victim aggregated
    Vector<T> victim_before, victim_after;              // the victim's output row
    double victim_change = 0;                           // ||after - before|| / ||before|| (absolute if 0)
};

// Runs crypto attention (one round, no quantisation, no splitting), moves the attacker's key into the
// victim query's bucket, sets the attacker's value to `attacker_value` when given (size dv), and runs
// it again. `progress` is the search's (CollisionSearch::progress): a view animates and cancels it.
template <class T>
AttackOutcome<T> attack_victim(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                               const CryptoAttentionConfig<T>& config, int victim, int attacker,
                               const Vector<T>& attacker_value, std::uint64_t budget = 0,
                               std::function<bool(std::uint64_t tries, std::int64_t bucket)> progress = {});

}  // namespace hashscope
