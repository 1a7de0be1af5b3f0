// The Learned view's lab without a window: histogram fractions and curve sampling against
// hand-worked numbers, the analysis (learned codes beat SimHash at equal bits on llm_like keys,
// repeatably), and the lab's thread (a trained result arrives with its live curve; cancel stops it).
#include <gtest/gtest.h>


#include <cmath>

#include <chrono>
#include <thread>

#include "app/gui/learned_lab.hpp"
#include "core/metrics.hpp"
#include "app/gui/scene.hpp"
#include "core/error.hpp"

namespace hashscope::gui {
namespace {

TEST(LearnedLab, DistanceFractionsDivideByTheTotal) {
    const std::vector<std::int64_t> counts = {1, 3, 0, 4};
    const std::vector<double> f = distance_fractions(counts);
    ASSERT_EQ(f.size(), 4u);
    EXPECT_DOUBLE_EQ(f[0], 0.125);
    EXPECT_DOUBLE_EQ(f[1], 0.375);
    EXPECT_DOUBLE_EQ(f[2], 0.0);
    EXPECT_DOUBLE_EQ(f[3], 0.5);
    EXPECT_EQ(distance_fractions(std::vector<std::int64_t>{0, 0}), (std::vector<double>{0.0, 0.0}));
    EXPECT_DOUBLE_EQ(mean_distance(counts), 15.0 / 8.0);  // (0*1 + 1*3 + 2*0 + 3*4) / 8
    EXPECT_DOUBLE_EQ(mean_distance(std::vector<std::int64_t>{0, 0}), 0.0);
}

TEST(LearnedLab, SampledCurveAveragesConsecutivePoints) {
    LossCurve curve;
    curve.epochs = 5;
    for (int i = 0; i < 10; ++i) {
        curve.x.push_back(i);
        curve.loss.push_back(10.0 * i);
    }
    const LossCurve three = sample_curve(curve, 3);  // groups [0, 3), [3, 6), [6, 10)
    EXPECT_EQ(three.x, (std::vector<double>{1.0, 4.0, 7.5}));
    EXPECT_EQ(three.loss, (std::vector<double>{10.0, 40.0, 75.0}));
    EXPECT_EQ(three.epochs, 5);
    const LossCurve five = sample_curve(curve, 5);
    EXPECT_EQ(five.x, (std::vector<double>{0.5, 2.5, 4.5, 6.5, 8.5}));
    EXPECT_EQ(sample_curve(curve, 10).loss, curve.loss);
    EXPECT_EQ(sample_curve(curve, 50).x, curve.x);
}

SceneParams llm_like_scene() {
    SceneParams p = default_scene();
    p.toy.kind = ToyKind::llm_like;
    p.toy.n = 192;
    return p;
}

double recall_of(const LearnedLabResult& r, const std::string& method, int sparsity) {
    for (const TopKScore& s : r.comparison.scores)
        if (s.method == method && s.sparsity == sparsity) return s.recall;
    ADD_FAILURE() << "no score for " << method;
    return -1;
}

TEST(LearnedLab, LearnedCodesBeatSimHashOnLlmLikeKeys) {
    const SceneParams p = llm_like_scene();
    const ToySequence seq = make_toy_sequence(p.toy);
    const LearnedLabSettings settings{16, 12, 25};
    const LearnedLabResult base = analyse_learned_codes(seq, p, 7, settings, false);
    EXPECT_FALSE(base.trained);
    ASSERT_EQ(base.methods.size(), 1u);
    EXPECT_EQ(base.scene_version, 7u);
    const LearnedLabResult a = analyse_learned_codes(seq, p, 7, settings, true);
    ASSERT_TRUE(a.trained);
    ASSERT_EQ(a.methods.size(), 2u);
    ASSERT_EQ(a.comparison.histograms.size(), 2u);
    EXPECT_EQ(a.comparison.histograms[1].pivotal.size(), 17u);  // distances 0..16
    // The learned codes put true top-k keys nearer than the rest; SimHash hardly separates them.
    const auto& learned = a.comparison.histograms[1];
    EXPECT_LT(mean_distance(learned.pivotal) + 3.0, mean_distance(learned.rest));
    EXPECT_GT(recall_of(a, "learned", 8), recall_of(a, "SimHash", 8) + 0.2);
    // Each query's picks per method: `top` keys, and what the comparison's recall reflects.
    ASSERT_EQ(a.picks.size(), 2u);
    EXPECT_EQ(a.picks[1][5].size(), 12u);
    EXPECT_EQ(a.exact[5].size(), 12u);
    // Repeatable: the same seed gives the same codes.
    const LearnedLabResult b = analyse_learned_codes(seq, p, 7, settings, true);
    EXPECT_EQ(a.methods[1].keys.words, b.methods[1].keys.words);
}

// Recall against code width: SimHash at every width, learned at every width once trained; the
// chosen width's points are the main comparison's own picks.
TEST(LearnedLab, RecallAgainstBitsCoversEveryWidth) {
    const SceneParams p = llm_like_scene();
    const ToySequence seq = make_toy_sequence(p.toy);
    const LearnedLabSettings settings{16, 12, 25};
    const LearnedLabResult base = analyse_learned_codes(seq, p, 7, settings, false);
    ASSERT_EQ(base.bits_sweep.size(), 4u);
    for (const BitsRecall& point : base.bits_sweep) {
        EXPECT_TRUE(std::isnan(point.learned)) << point.bits;
        EXPECT_GE(point.simhash, 0.0);
        EXPECT_LE(point.simhash, 1.0);
    }
    EXPECT_EQ(base.bits_sweep[1].bits, 16);
    EXPECT_DOUBLE_EQ(base.bits_sweep[1].simhash, recall_at_k(base.exact, base.picks[0]));

    const LearnedLabResult a = analyse_learned_codes(seq, p, 7, settings, true);
    ASSERT_EQ(a.bits_sweep.size(), 4u);
    EXPECT_DOUBLE_EQ(a.bits_sweep[1].learned, recall_at_k(a.exact, a.picks[1]));
    for (const BitsRecall& point : a.bits_sweep) {
        EXPECT_GT(point.learned, point.simhash + 0.1) << point.bits;
    }
}

// compute=gpu: each method's top-k runs on the device beside the CPU twin, with the same kept sets;
// without a device (CI) one line says that the CPU ran and why.
TEST(LearnedLab, GpuTargetComparesEachMethodsTopKOrFallsBack) {
    SceneParams p = llm_like_scene();
    const ToySequence seq = make_toy_sequence(p.toy);
    const LearnedLabSettings settings{32, 12, 3};
    EXPECT_TRUE(analyse_learned_codes(seq, p, 1, settings, false).gpu.empty());
    p.target = ComputeTarget::gpu;
    const LearnedLabResult r = analyse_learned_codes(seq, p, 1, settings, true);
    ASSERT_FALSE(r.gpu.empty());
    if (!r.gpu[0].ran) {
        ASSERT_EQ(r.gpu.size(), 1u);
        EXPECT_EQ(r.gpu[0].message.rfind("Hamming top-k: GPU not used, the CPU ran: ", 0), 0u) << r.gpu[0].message;
        return;
    }
    ASSERT_EQ(r.gpu.size(), 2u);
    for (std::size_t m = 0; m < r.gpu.size(); ++m) {
        const GpuComparison& g = r.gpu[m];
        SCOPED_TRACE(g.message);
        EXPECT_TRUE(g.ran);
        EXPECT_EQ(g.message.rfind(r.methods[m].name + " top-12: GPU ", 0), 0u);
        EXPECT_EQ(g.mismatches, 0);
        EXPECT_LT(g.max_output_difference, 1e-4);
    }
}

TEST(LearnedLab, BadSettingsAreRefusedNamingTheSetting) {
    const SceneParams p = llm_like_scene();
    const ToySequence seq = make_toy_sequence(p.toy);
    EXPECT_THROW(analyse_learned_codes(seq, p, 1, {65, 8, 5}, false), InputError);
    EXPECT_THROW(analyse_learned_codes(seq, p, 1, {16, 192, 5}, false), InputError);
    EXPECT_THROW(analyse_learned_codes(seq, p, 1, {16, 8, 0}, true), InputError);
}

void wait_until_idle(const LearnedLab& lab) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (lab.busy() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_FALSE(lab.busy());
}

TEST(LearnedLab, TrainingOnTheThreadGrowsTheCurveAndLands) {
    const SceneResult scene = compute_scene(llm_like_scene());
    LearnedLab lab;
    lab.settings = {16, 12, 4};
    lab.follow(scene, 3);  // starts the SimHash-only analysis
    wait_until_idle(lab);
    lab.follow(scene, 3);
    ASSERT_NE(lab.result(), nullptr);
    EXPECT_FALSE(lab.result()->trained);
    lab.train(scene, 3);
    wait_until_idle(lab);
    lab.follow(scene, 3);  // takes the trained result and does not start another job
    EXPECT_FALSE(lab.busy());
    ASSERT_TRUE(lab.result()->trained);
    EXPECT_FALSE(lab.result()->cancelled);
    const LossCurve curve = lab.curve();
    EXPECT_EQ(curve.epoch_recall.size(), 4u);
    EXPECT_EQ(curve.x.size(), 4u * 6u);  // 192 queries in minibatches of 32
    EXPECT_DOUBLE_EQ(curve.x.back(), 4.0);
    // New settings drop the trained codes: SimHash alone again, at the new bits.
    lab.settings.bits = 8;
    lab.follow(scene, 3);
    wait_until_idle(lab);
    lab.follow(scene, 3);
    EXPECT_FALSE(lab.result()->trained);
    EXPECT_EQ(lab.result()->methods[0].queries.bits, 8);
}

TEST(LearnedLab, CancelStopsTrainingEarly) {
    const SceneResult scene = compute_scene(llm_like_scene());
    LearnedLab lab;
    lab.settings = {16, 12, 100000};
    lab.train(scene, 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (lab.curve().x.empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lab.cancel();
    wait_until_idle(lab);
    lab.follow(scene, 1);
    ASSERT_NE(lab.result(), nullptr);
    EXPECT_TRUE(lab.result()->cancelled);
    EXPECT_LT(lab.curve().epoch_recall.size(), 100000u);
}

}  // namespace
}  // namespace hashscope::gui
