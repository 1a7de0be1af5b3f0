// The learned-codes lab behind the Learned view: it trains HashAttention codes
// (core/learned_hash_training.hpp) on the current scene's Q/K and measures them beside SimHash at
// the same bits and against the exact top-k (core/topk_comparison.hpp). The work runs on the lab's
// own thread, one job at a time: a new job cancels the one under way, training reports every step
// into a live loss curve, and the view draws the last finished result meanwhile, so no frame waits
// for training. Before any training the result holds SimHash alone. No GL or ImGui here: the lab
// and its arithmetic (histogram fractions, curve sampling) are tested headless.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "app/gui/scene.hpp"
#include "core/learned_hash_training.hpp"
#include "core/topk_comparison.hpp"

namespace hashscope::gui {

struct LearnedLabSettings {
    int bits = 32;     // code length of both methods
    int top = 32;      // k: training targets, histogram split, bit-matrix rows
    int epochs = 30;
    bool operator==(const LearnedLabSettings&) const = default;
};

// Recall@k (k = the settings' top) of codes of one width: SimHash always, learned when trained
// (NaN otherwise, or when training was cancelled before this width).
struct BitsRecall {
    int bits = 0;
    double simhash = 0, learned = 0;
};
inline constexpr int kSweepBits[] = {8, 16, 32, 64};

// One finished analysis of one scene at one setting.
struct LearnedLabResult {
    std::uint64_t scene_version = 0;
    LearnedLabSettings settings;
    bool trained = false;                  // learned codes present (methods: simhash, learned)
    bool cancelled = false;                // training was stopped: learned codes are the last epoch's
    std::string error;                     // non-empty: the job failed, nothing else is set
    int n = 0;
    std::vector<CodedMethod> methods;      // "SimHash", then "learned" when trained
    TopKComparison comparison;             // scores by sparsity, histograms per method
    std::vector<std::vector<std::int32_t>> exact;       // per query: exact top-k by q.k, best first
    std::vector<std::vector<std::vector<std::int32_t>>> picks;  // [method][query]: k nearest by code
    std::vector<BitsRecall> bits_sweep;    // one per kSweepBits: each learned width trained alike
    std::vector<GpuComparison> gpu;        // with compute=gpu, per method: its top-k on the device vs the CPU
                                           // (up to the first the GPU did not run, which says why)
    double train_seconds = 0;
};

// The loss curve of the training under way (or last finished): one point per optimiser step at
// x = epoch - 1 + step / steps, so epochs sit on whole numbers.
struct LossCurve {
    std::vector<double> x, loss;
    std::vector<double> epoch_recall;  // recall@k on training queries after each finished epoch
    int epochs = 0;
};

// At most `max_points` points of a curve: consecutive runs of points are averaged (so noise of
// single minibatches smooths out instead of aliasing); a curve that fits is returned unchanged.
LossCurve sample_curve(const LossCurve& curve, int max_points);
// Counts by Hamming distance as fractions of their total (all zero when the total is zero), so the
// few pivotal pairs and the many other pairs overlay on one axis.
std::vector<double> distance_fractions(std::span<const std::int64_t> counts);
// Mean Hamming distance of a histogram's pairs (0 when empty).
double mean_distance(std::span<const std::int64_t> counts);

// The whole job, synchronously: SimHash codes (planes from the scene's hash seed) and, with `train`,
// learned codes trained on the scene's Q/K; then the comparison, and recall against code width
// (learned codes of the other widths trained with the same settings, without progress reports). `hooks` gives training its
// callbacks and cancel flag (its other fields are set here from `settings` and the scene).
LearnedLabResult analyse_learned_codes(const ToySequence& sequence, const SceneParams& params, std::uint64_t version,
                                       const LearnedLabSettings& settings, bool train, LearnOptions hooks = {});

class LearnedLab {
public:
    LearnedLab() = default;
    ~LearnedLab();
    LearnedLab(const LearnedLab&) = delete;
    LearnedLab& operator=(const LearnedLab&) = delete;

    LearnedLabSettings settings;  // what the view's controls edit

    // Once per frame: when the scene or the settings differ from the shown result's (and no job for
    // them is under way), asks for the SimHash-only analysis. Takes a finished job's result and
    // starts the job asked for once the one under way has ended: the UI thread never waits on a job.
    void follow(const SceneResult& scene, std::uint64_t version);
    // Asks for training on the scene (a job under way is cancelled first).
    void train(const SceneResult& scene, std::uint64_t version);
    void cancel();
    // Synchronous, for screenshots: the result is there when it returns.
    void compute_now(const SceneResult& scene, std::uint64_t version, bool train);

    bool busy() const { return running_.load(); }
    bool training() const { return running_.load() && job_trains_; }
    // The shown result; null before the first job finishes.
    const LearnedLabResult* result() const { return result_.get(); }
    LossCurve curve() const;

private:
    // A job asked for while another one runs.
    struct Request {
        ToySequence sequence;
        SceneParams params;
        std::uint64_t version = 0;
        LearnedLabSettings settings;
        bool train = false;
    };
    void ask(const SceneResult& scene, std::uint64_t version, bool train);
    void launch(Request request);
    void stop();

    std::shared_ptr<const LearnedLabResult> result_;
    std::uint64_t job_version_ = 0;
    LearnedLabSettings job_settings_;
    bool job_trains_ = false;
    bool has_job_ = false;

    mutable std::mutex mutex_;
    LossCurve curve_;                                // written by the job, read by curve()
    std::shared_ptr<const LearnedLabResult> finished_;  // the job's result, not yet taken
    std::atomic<bool> cancel_{false};
    std::atomic<bool> running_{false};
    std::optional<Request> queued_;                  // starts when the job under way has ended
    std::jthread worker_;
};

}  // namespace hashscope::gui
