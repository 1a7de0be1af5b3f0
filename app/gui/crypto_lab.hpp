// The Crypto buckets view's state and its computations (issue 6's view): the user's hashing choices,
// everything derived from them over the current scene's keys (digests, buckets, loads against the
// balls-into-bins expectation, crypto attention against dense, the memory claims) and the live
// adversarial search. Owned by AppState through one member; it runs on its own worker threads so the
// view only draws the last result. No GL or ImGui here: it builds and tests headless.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/gui/token_grid.hpp"
#include "core/adversarial_collision.hpp"
#include "core/collision_stats.hpp"
#include "core/crypto_attention.hpp"
#include "core/memory_model.hpp"
#include "core/toy_sequences.hpp"

namespace hashscope::gui {

// `projection` is the mean followed by a linear map fitted to dense attention's output (crypto_projection.hpp).
enum class CryptoAggregation { mean, softmax, projection };

struct CryptoSettings {
    DigestAlgo algo = DigestAlgo::sha256;
    int bits = 6;  // small, so that buckets are few enough to see
    CryptoRoute route = CryptoRoute::key;
    CryptoAggregation aggregate = CryptoAggregation::mean;
    int rounds = 1;
    std::string salt_hex;  // empty: unsalted
    Quantize quantize = Quantize::none;
    int load_cap = 0;  // hierarchical bucketing: split buckets holding more keys than this; 0 = off
    // The view's page at the start (0 buckets, 1 attack, 2 claims): a slide or screenshot can open
    // any page; not an input of the analysis.
    int page = 0;
    bool operator==(const CryptoSettings&) const = default;
};

// Set as `crypto-*` settings (scene_settings.hpp); ranges are checked when the analysis runs, so
// the order of the keys does not matter.
// InputError naming the control when a setting is out of range (bits 1..32, rounds 1..16, load cap
// below 0, bad hex).
void check_crypto_settings(const CryptoSettings& settings);

struct CryptoAnalysis {
    CryptoSettings settings;
    int n = 0, d = 0;
    // Round 0 (the base salt, what `hashscope hash` gives): every key's and query's digest head.
    CryptoBucketTrace keys, queries;
    CryptoAttentionTrace<double> attention;  // the route and aggregate chosen, all rounds
    LoadStats loads;                         // round 0's key buckets
    ChiSquare uniformity;                    // of round 0's key buckets (n >= 10)
    double error_vs_dense = 0;               // relative L2 error of the output against dense attention
    TokenGrid grid;                          // per round: tokens coloured by their key's bucket
    ModelShape model;                        // the 7B preset, at the scene's bits and rounds
    std::vector<MemoryLine> memory;          // at 128K tokens
    std::vector<ClaimCheck> claims;          // the seed's table, each row against its own preset
    double seconds = 0;
};

// Throws InputError for bad settings; returns early (n == 0) when stop is requested. `causal` is
// the scene's: it masks the dense reference the output is compared with.
CryptoAnalysis analyse_crypto(const ToySequence& sequence, const CryptoSettings& settings, bool causal = false,
                              std::stop_token stop = {});

// "0110 1011 ...": the first `shown` bits of a digest head (at most 64), grouped by four.
std::string head_bits(std::uint64_t head, int shown);

struct AttackRequest {
    int victim = 0;    // the query whose bucket is the target
    int attacker = 1;  // the key perturbed into it
};

struct AttackReport {
    AttackOutcome<double> outcome;
    std::int64_t max_ulps = 0;  // the perturbation: largest change of a component, in float32 ulps
};

struct AttackProgress {
    bool running = false;
    std::uint64_t tries = 0;
    double expected = 0;  // 2^bits
    std::int64_t target = 0;
    std::optional<AttackReport> report;  // the last finished (or cancelled) attack
    std::string error;
};

// Largest |a_j - b_j| in units in the last place of float32 (the distance between their bit patterns
// on the ordered integer line); a and b have the same size.
std::int64_t max_ulp_distance(const std::vector<float>& a, const std::vector<float>& b);

// The bucket the attack aims at: the victim's, as its route gives it (InputError for route lsh).
std::int64_t attack_target(const ToySequence& sequence, const CryptoSettings& settings, int victim);

// One round of raw-float hashing under the current algorithm, bits, salt, route and aggregate
// (what attack_victim models); the search reports to `tries` and stops when `stop` is requested.
AttackReport run_attack(const ToySequence& sequence, const CryptoSettings& settings,
                                 const AttackRequest& request, std::stop_token stop,
                                 std::atomic<std::uint64_t>* tries = nullptr);

class CryptoLab {
public:
    CryptoLab();
    ~CryptoLab();
    CryptoLab(const CryptoLab&) = delete;
    CryptoLab& operator=(const CryptoLab&) = delete;

    CryptoSettings settings;  // what the controls edit; the view calls sync() every frame
    AttackRequest attack;

    // Computes the first analysis synchronously (the app's start, screenshots); InputError on bad settings.
    void start(const ToySequence& sequence, bool causal, std::uint64_t scene_version);
    // Once per frame: queues an analysis when the scene or the settings changed, takes a finished one.
    void sync(const ToySequence& sequence, bool causal, std::uint64_t scene_version);
    void wait_idle();
    bool computing() const;
    const CryptoAnalysis* analysis() const { return analysis_.get(); }
    const std::string& error() const { return error_; }

    void start_attack(const ToySequence& sequence);
    void cancel_attack();
    AttackProgress attack_progress() const;

private:
    void work(std::stop_token stop);

    std::shared_ptr<const CryptoAnalysis> analysis_;
    std::string error_;
    std::optional<CryptoSettings> asked_;  // settings of the newest request
    std::uint64_t asked_version_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_, idle_;
    struct Job {
        ToySequence sequence;
        CryptoSettings settings;
        bool causal = false;
    };
    std::optional<Job> pending_;
    bool busy_ = false;
    std::shared_ptr<const CryptoAnalysis> finished_;
    std::optional<std::string> failed_;

    std::atomic<bool> attack_running_{false};
    std::atomic<std::uint64_t> attack_tries_{0};
    double attack_expected_ = 0;
    std::int64_t attack_target_ = 0;
    std::optional<AttackReport> attack_report_;
    std::string attack_error_;
    std::jthread attack_thread_;
    std::jthread worker_;  // last: it starts after the members it uses
};

}  // namespace hashscope::gui
