#include "app/gui/learned_lab.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <numeric>
#include <utility>

#include "app/gui/background_priority.hpp"
#include "core/error.hpp"
#include "core/hamming_topk.hpp"
#include "core/metrics.hpp"
#include "core/simhash.hpp"

namespace hashscope::gui {

LossCurve sample_curve(const LossCurve& curve, int max_points) {
    const std::size_t n = curve.x.size();
    if (max_points < 1 || n <= std::size_t(max_points)) return curve;
    LossCurve out;
    out.epoch_recall = curve.epoch_recall;
    out.epochs = curve.epochs;
    const std::size_t groups = std::size_t(max_points);
    for (std::size_t g = 0; g < groups; ++g) {
        // Group g averages points [g * n / groups, (g + 1) * n / groups): every point counts once.
        const std::size_t lo = g * n / groups, hi = (g + 1) * n / groups;
        double sx = 0, sy = 0;
        for (std::size_t i = lo; i < hi; ++i) {
            sx += curve.x[i];
            sy += curve.loss[i];
        }
        out.x.push_back(sx / double(hi - lo));
        out.loss.push_back(sy / double(hi - lo));
    }
    return out;
}

std::vector<double> distance_fractions(std::span<const std::int64_t> counts) {
    const double total = double(std::accumulate(counts.begin(), counts.end(), std::int64_t(0)));
    std::vector<double> out(counts.size(), 0.0);
    if (total > 0)
        for (std::size_t i = 0; i < counts.size(); ++i) out[i] = double(counts[i]) / total;
    return out;
}

double mean_distance(std::span<const std::int64_t> counts) {
    double pairs = 0, sum = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        pairs += double(counts[i]);
        sum += double(counts[i]) * double(i);
    }
    return pairs > 0 ? sum / pairs : 0.0;
}

LearnedLabResult analyse_learned_codes(const ToySequence& sequence, const SceneParams& params, std::uint64_t version,
                                       const LearnedLabSettings& settings, bool train, LearnOptions hooks) {
    const Matrix<double>& q = sequence.q;
    const Matrix<double>& k = sequence.k;
    const int n = int(k.rows());
    const bool causal = params.config.causal;
    if (settings.bits < 1 || settings.bits > kMaxLearnedBits)
        throw InputError("learned.bits must be in 1.." + std::to_string(kMaxLearnedBits) + ", got " +
                         std::to_string(settings.bits));
    if (settings.top < 1 || settings.top >= n)
        throw InputError("learned.top must be in 1.." + std::to_string(n - 1) + ", got " + std::to_string(settings.top));
    if (settings.epochs < 1) throw InputError("learned.epochs must be at least 1, got " + std::to_string(settings.epochs));

    LearnedLabResult r;
    r.scene_version = version;
    r.settings = settings;
    r.n = n;
    const Matrix<double> planes = random_planes<double>(int(q.cols()), settings.bits, params.hash_seed);
    r.methods.push_back({"SimHash", simhash_codes(q, planes), simhash_codes(k, planes)});
    if (train) {
        hooks.bits = settings.bits;
        hooks.top = settings.top;
        hooks.epochs = settings.epochs;
        hooks.batch = 32;  // a toy scene has a few hundred queries: several steps per epoch
        hooks.causal = causal;
        hooks.seed = params.hash_seed;
        const LearnResult learned = learn_hash<double>({q}, {k}, hooks);
        r.cancelled = learned.cancelled;
        r.train_seconds = learned.curve.empty() ? 0.0 : learned.curve.back().seconds;
        r.trained = true;
        r.methods.push_back({"learned", learned_codes(learned.model, 0, HashSide::query, q),
                             learned_codes(learned.model, 0, HashSide::key, k)});
    }
    TopKComparisonOptions options;
    options.histogram_top = settings.top;
    options.causal = causal;
    r.comparison = compare_topk(q, k, sequence.v, r.methods, options);
    r.exact = exact_top_k(q, k, settings.top, causal);
    HammingTopKOptions pick;
    pick.top = settings.top;
    pick.causal = causal;
    for (const CodedMethod& method : r.methods) {
        r.picks.push_back(hamming_topk(method.queries, method.keys, pick).selected);
        // After a method the GPU did not run, the next would only repeat why.
        if (params.target == ComputeTarget::gpu && (r.gpu.empty() || r.gpu.back().ran))
            r.gpu.push_back(run_topk_on_gpu(method.name, q, k, sequence.v, method.queries, method.keys, pick));
    }

    const auto recall = [&](const PackedCodes& queries, const PackedCodes& keys) {
        return recall_at_k(r.exact, hamming_topk(queries, keys, pick).selected);
    };
    LearnOptions quiet = hooks;  // the live curve shows the chosen width only
    quiet.on_step = nullptr;
    quiet.on_progress = nullptr;
    for (const int bits : kSweepBits) {
        BitsRecall point{bits, 0, std::numeric_limits<double>::quiet_NaN()};
        const Matrix<double> sweep_planes = random_planes<double>(int(q.cols()), bits, params.hash_seed);
        point.simhash = recall(simhash_codes(q, sweep_planes), simhash_codes(k, sweep_planes));
        if (r.trained && bits == settings.bits) {
            point.learned = recall_at_k(r.exact, r.picks.back());
        } else if (r.trained && !r.cancelled && !(hooks.cancel && hooks.cancel->load())) {
            quiet.bits = bits;
            const LearnResult learned = learn_hash<double>({q}, {k}, quiet);
            if (!learned.cancelled)
                point.learned = recall(learned_codes(learned.model, 0, HashSide::query, q),
                                       learned_codes(learned.model, 0, HashSide::key, k));
        }
        r.bits_sweep.push_back(point);
    }
    return r;
}

LearnedLab::~LearnedLab() { stop(); }

void LearnedLab::stop() {
    queued_.reset();
    cancel_ = true;
    if (worker_.joinable()) worker_.join();  // training stops at its next step
    cancel_ = false;
}

void LearnedLab::ask(const SceneResult& scene, std::uint64_t version, bool train) {
    job_version_ = version;
    job_settings_ = settings;
    job_trains_ = train;
    has_job_ = true;
    Request request{scene.sequence, scene.params, version, settings, train};
    if (running_) {
        cancel_ = true;  // training stops at its next step; an analysis finishes first
        queued_ = std::move(request);
        return;
    }
    launch(std::move(request));
}

void LearnedLab::launch(Request request) {
    if (worker_.joinable()) worker_.join();  // it has ended (running_ is false): no wait
    cancel_ = false;
    {
        std::lock_guard lock(mutex_);
        if (request.train) curve_ = LossCurve{{}, {}, {}, request.settings.epochs};
        finished_.reset();
    }
    running_ = true;
    // The job owns its copy of the scene's Q/K/V, so the app may replace its result while it runs.
    worker_ = std::jthread([this, r = std::move(request)] {
        lower_this_thread_priority();
        LearnOptions hooks;
        hooks.cancel = &cancel_;
        hooks.on_step = [this](const LearnStep& s) {
            std::lock_guard lock(mutex_);
            curve_.x.push_back(double(s.epoch - 1) + double(s.step) / double(s.steps));
            curve_.loss.push_back(s.loss);
        };
        hooks.on_progress = [this](const LearnProgress& p) {
            std::lock_guard lock(mutex_);
            curve_.epoch_recall.push_back(p.recall);
        };
        std::shared_ptr<LearnedLabResult> done;
        try {
            done = std::make_shared<LearnedLabResult>(analyse_learned_codes(r.sequence, r.params, r.version, r.settings, r.train, hooks));
        } catch (const std::exception& e) {
            done = std::make_shared<LearnedLabResult>();
            done->scene_version = r.version;
            done->settings = r.settings;
            done->error = e.what();
        }
        std::lock_guard lock(mutex_);
        finished_ = std::move(done);
        running_ = false;
    });
}

void LearnedLab::follow(const SceneResult& scene, std::uint64_t version) {
    {
        std::lock_guard lock(mutex_);
        if (finished_) result_ = std::move(finished_);
    }
    if (!running_ && queued_) {
        launch(std::move(*queued_));
        queued_.reset();
    }
    if (has_job_ && job_version_ == version && job_settings_ == settings) return;
    ask(scene, version, false);
}

void LearnedLab::train(const SceneResult& scene, std::uint64_t version) { ask(scene, version, true); }

void LearnedLab::cancel() {
    queued_.reset();
    cancel_ = true;
}

void LearnedLab::compute_now(const SceneResult& scene, std::uint64_t version, bool train) {
    stop();
    ask(scene, version, train);
    worker_.join();
    std::lock_guard lock(mutex_);
    result_ = std::move(finished_);
    if (!result_->error.empty()) throw InputError(result_->error);
}

LossCurve LearnedLab::curve() const {
    std::lock_guard lock(mutex_);
    return curve_;
}

}  // namespace hashscope::gui
