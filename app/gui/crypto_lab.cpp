#include "app/gui/crypto_lab.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <exception>
#include <limits>
#include <utility>

#include "app/gui/background_priority.hpp"
#include "core/crypto_projection.hpp"
#include "core/dense_attention.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"

namespace hashscope::gui {

namespace {

constexpr double kClaimsN = 131072;  // the seed's 128K row
constexpr double kRidge = 1e-3;      // as `hashscope attend --aggregate projection`
constexpr int kMaxRounds = 16;

// Empty text is no salt; parse_hex refuses empty strings, as the CLI's --salt must name one.
std::vector<std::uint8_t> salt_bytes(const std::string& hex) {
    return hex.empty() ? std::vector<std::uint8_t>() : parse_hex(hex, "crypto salt");
}

CryptoAttentionConfig<double> attention_config(const CryptoSettings& s) {
    CryptoAttentionConfig<double> c;
    c.hashing.algo = s.algo;
    c.hashing.bits = s.bits;
    c.hashing.salt = salt_bytes(s.salt_hex);
    c.hashing.quantize = s.quantize;
    c.route = s.route;
    c.aggregate = s.aggregate == CryptoAggregation::softmax ? CryptoAggregate::softmax : CryptoAggregate::mean;
    c.rounds = s.rounds;
    c.load_cap = s.load_cap;
    return c;
}

// Bucket ids up to 2^32 as palette indices: the palette spreads hues over at most 2^30 buckets.
std::vector<std::int32_t> palette_ids(const std::vector<std::int64_t>& buckets, int bits) {
    std::vector<std::int32_t> ids(buckets.size());
    const std::int64_t mask = (std::int64_t(1) << std::min(bits, 30)) - 1;
    for (std::size_t i = 0; i < buckets.size(); ++i) ids[i] = std::int32_t(buckets[i] & mask);
    return ids;
}

}  // namespace

void check_crypto_settings(const CryptoSettings& s) {
    if (s.bits < 1 || s.bits > 32) throw InputError("crypto bits " + std::to_string(s.bits) + " is outside 1..32");
    if (s.rounds < 1 || s.rounds > kMaxRounds)
        throw InputError("crypto rounds " + std::to_string(s.rounds) + " is outside 1.." + std::to_string(kMaxRounds));
    if (s.load_cap < 0) throw InputError("crypto load cap " + std::to_string(s.load_cap) + " is below 0 (0 turns splitting off)");
    salt_bytes(s.salt_hex);
    if (s.route == CryptoRoute::lsh && s.quantize != Quantize::sign)
        throw InputError("crypto route lsh hashes sign codes: set quantize to sign");
}

std::string head_bits(std::uint64_t head, int shown) {
    std::string out;
    shown = std::clamp(shown, 0, 64);
    for (int i = 0; i < shown; ++i) {
        if (i && i % 4 == 0) out += ' ';
        out += (head >> (63 - i)) & 1 ? '1' : '0';
    }
    return out;
}

CryptoAnalysis analyse_crypto(const ToySequence& sequence, const CryptoSettings& settings, bool causal,
                              std::stop_token stop) {
    check_crypto_settings(settings);
    const auto t0 = std::chrono::steady_clock::now();
    CryptoAnalysis a;
    const CryptoAttentionConfig<double> config = attention_config(settings);
    a.keys = crypto_buckets(sequence.k, config.hashing);
    a.queries = crypto_buckets(sequence.q, config.hashing);
    if (stop.stop_requested()) return {};
    a.attention = crypto_attention(sequence.q, sequence.k, sequence.v, config);
    if (stop.stop_requested()) return {};
    DenseOptions dense_options;
    dense_options.causal = causal;
    const Matrix<double> dense = dense_attention_output(sequence.q, sequence.k, sequence.v, dense_options);
    if (settings.aggregate == CryptoAggregation::projection) {
        const Matrix<double> w = fit_projection(a.attention.output, dense, a.attention.rounds_answered, kRidge);
        a.attention.output = apply_projection(a.attention.output, w, a.attention.rounds_answered);
    }
    a.error_vs_dense = relative_l2_error(a.attention.output, dense);
    a.loads = load_stats(a.keys.buckets, settings.bits);
    if (a.keys.buckets.size() >= 10) a.uniformity = chi_square_uniformity(a.keys.buckets, settings.bits);
    std::vector<std::vector<std::int32_t>> rounds;
    for (const CryptoRoundTrace& round : a.attention.rounds) rounds.push_back(palette_ids(round.key_bucket, settings.bits));
    a.grid = token_grid(rounds, 1 << std::min(settings.bits, 30), sequence.labels);

    a.model = model_preset("7b");
    HashParams hash;
    hash.bits = settings.bits;
    hash.rounds = settings.rounds;
    a.memory = memory_model(a.model, kClaimsN, hash);
    for (const Claim& claim : seed_claims()) a.claims.push_back(check_claim(claim, model_preset(claim.model)));

    a.settings = settings;
    a.n = int(sequence.k.rows());
    a.d = int(sequence.k.cols());
    a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return a;
}

std::int64_t attack_target(const ToySequence& sequence, const CryptoSettings& settings, int victim) {
    check_crypto_settings(settings);
    if (settings.route == CryptoRoute::lsh) throw InputError("the attack hashes raw floats: choose route query or key");
    const Matrix<double>& rows = settings.route == CryptoRoute::query ? sequence.q : sequence.k;
    if (victim < 0 || victim >= rows.rows()) throw InputError("victim " + std::to_string(victim) + " is not a token");
    CryptoBucketConfig<double> hashing = attention_config(settings).hashing;
    hashing.quantize = Quantize::none;
    return crypto_buckets(Matrix<double>(rows.row(victim)), hashing).buckets[0];
}

std::int64_t max_ulp_distance(const std::vector<float>& a, const std::vector<float>& b) {
    // Sign-magnitude bit patterns mapped onto one ordered integer line, so -0 and +0 are 0 apart.
    const auto ordered = [](float x) {
        const std::int64_t bits = std::bit_cast<std::int32_t>(x);
        return bits < 0 ? std::int64_t(std::numeric_limits<std::int32_t>::min()) - bits : bits;
    };
    std::int64_t most = 0;
    for (std::size_t j = 0; j < a.size() && j < b.size(); ++j) most = std::max(most, std::abs(ordered(a[j]) - ordered(b[j])));
    return most;
}

AttackReport run_attack(const ToySequence& sequence, const CryptoSettings& settings,
                                 const AttackRequest& request, std::stop_token stop,
                                 std::atomic<std::uint64_t>* tries) {
    check_crypto_settings(settings);
    if (settings.route == CryptoRoute::lsh) throw InputError("the attack hashes raw floats: choose route query or key");
    CryptoAttentionConfig<double> config = attention_config(settings);
    config.rounds = 1;
    config.load_cap = 0;
    config.hashing.quantize = Quantize::none;
    // The search reports every 4096 digests (a few ms): the bar moves smoothly and a cancel lands at once.
    const auto progress = [&](std::uint64_t done, std::int64_t) {
        if (tries) tries->store(done);
        return !stop.stop_requested();
    };
    AttackReport report{attack_victim(sequence.q, sequence.k, sequence.v, config, request.victim, request.attacker,
                                      Vector<double>(), 0, progress)};
    if (tries) tries->store(report.outcome.search.tries);
    std::vector<float> original(std::size_t(sequence.k.cols()));
    for (Eigen::Index j = 0; j < sequence.k.cols(); ++j) original[std::size_t(j)] = float(sequence.k(request.attacker, j));
    report.max_ulps = max_ulp_distance(original, report.outcome.search.key);
    return report;
}

CryptoLab::CryptoLab() : worker_([this](std::stop_token stop) { work(stop); }) {}

CryptoLab::~CryptoLab() {
    attack_thread_.request_stop();
    worker_.request_stop();
    wake_.notify_all();
}

void CryptoLab::start(const ToySequence& sequence, bool causal, std::uint64_t scene_version) {
    analysis_ = std::make_shared<const CryptoAnalysis>(analyse_crypto(sequence, settings, causal));
    asked_ = settings;
    asked_version_ = scene_version;
}

void CryptoLab::sync(const ToySequence& sequence, bool causal, std::uint64_t scene_version) {
    {
        std::lock_guard lock(mutex_);
        if (failed_) error_ = std::move(*failed_), failed_.reset();
        if (finished_) analysis_ = std::move(finished_), finished_.reset(), error_.clear();
    }
    // The page in front is not an input of the analysis: turning pages does not recompute.
    const auto inputs = [](CryptoSettings s) {
        s.page = 0;
        return s;
    };
    if (asked_ && inputs(*asked_) == inputs(settings) && asked_version_ == scene_version) return;
    asked_ = settings;
    asked_version_ = scene_version;
    std::lock_guard lock(mutex_);
    pending_ = Job{sequence, settings, causal};
    wake_.notify_all();
}

void CryptoLab::work(std::stop_token stop) {
    lower_this_thread_priority();
    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            if (!wake_.wait(lock, stop, [this] { return pending_.has_value(); })) return;
            job = std::move(*pending_);
            pending_.reset();
            busy_ = true;
        }
        std::shared_ptr<const CryptoAnalysis> done;
        std::optional<std::string> failure;
        try {
            done = std::make_shared<const CryptoAnalysis>(analyse_crypto(job.sequence, job.settings, job.causal, stop));
        } catch (const std::exception& e) {
            failure = e.what();
        }
        std::lock_guard lock(mutex_);
        // A newer request queued meanwhile supersedes this result.
        if (!pending_) {
            if (done) finished_ = std::move(done), failed_.reset();
            else failed_ = std::move(failure);
        }
        busy_ = pending_.has_value();
        idle_.notify_all();
    }
}

void CryptoLab::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !busy_ && !pending_.has_value(); });
}

bool CryptoLab::computing() const {
    std::lock_guard lock(mutex_);
    return busy_ || pending_.has_value();
}

void CryptoLab::start_attack(const ToySequence& sequence) {
    cancel_attack();
    attack_thread_ = std::jthread();  // joins the cancelled search
    std::lock_guard lock(mutex_);
    attack_error_.clear();
    try {
        attack_target_ = attack_target(sequence, settings, attack.victim);
    } catch (const std::exception& e) {
        attack_error_ = e.what();
        return;
    }
    attack_expected_ = double(std::uint64_t(1) << settings.bits);
    attack_tries_ = 0;
    attack_running_ = true;
    attack_thread_ = std::jthread([this, sequence, s = settings, request = attack](std::stop_token stop) {
        lower_this_thread_priority();
        std::optional<AttackReport> report;
        std::string error;
        try {
            report = run_attack(sequence, s, request, stop, &attack_tries_);
        } catch (const std::exception& e) {
            error = e.what();
        }
        std::lock_guard done_lock(mutex_);
        attack_report_ = std::move(report);
        attack_error_ = std::move(error);
        attack_running_ = false;
    });
}

void CryptoLab::cancel_attack() { attack_thread_.request_stop(); }

AttackProgress CryptoLab::attack_progress() const {
    std::lock_guard lock(mutex_);
    AttackProgress p;
    p.running = attack_running_;
    p.tries = attack_tries_;
    p.expected = attack_expected_;
    p.target = attack_target_;
    p.report = attack_report_;
    p.error = attack_error_;
    return p;
}

}  // namespace hashscope::gui
