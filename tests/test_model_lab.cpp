// The Model view's logic without a window, on the stories260K fixture: a head's scene data are that
// head's post-RoPE Q and its KV head's K and V from the float64 reference (tests/reference/
// llama2c_reference.py), the scene run on it is that head's attention (brute force here), the
// sensitivity's dense loss is the reference's, and the lab's worker keeps the current model when a
// load fails. Skips with a message when the fixture folder is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "app/gui/app_state.hpp"
#include "app/gui/model_lab.hpp"
#include "app/gui/scene_settings.hpp"
#include "core/npy.hpp"
#include "core/random.hpp"
#include "core/simhash.hpp"
#include "reference/compare.hpp"
#include "reference/reference_hamming.hpp"
#include "support/model_fixtures.hpp"

namespace hashscope::gui {
namespace {

using hashscope_test::kStories;
using hashscope_test::model_fixture;

// One run on the default prompt, shared by the tests (sensitivity included: 40 heads, 41 curve points).
const ModelRun& stories_run() {
    static const ModelRun run = [] {
        ModelJob job;
        job.path = model_fixture(kStories);
        job.prompt = "Once upon a time";  // the story model's own kind of text, not the app's default
        return *compute_model_run(job, nullptr);
    }();
    return run;
}

// [first axis][rows][cols] npy as matrices.
std::vector<Matrix<double>> stacked(const NpyArray& array) {
    const auto values = npy_values<double>(array);
    const auto rows = Eigen::Index(array.shape.at(1)), cols = Eigen::Index(array.shape.at(2));
    std::vector<Matrix<double>> out;
    std::size_t at = 0;
    for (std::int64_t s = 0; s < array.shape.at(0); ++s) {
        Matrix<double> m(rows, cols);
        for (Eigen::Index i = 0; i < rows; ++i)
            for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = values.at(at++);
        out.push_back(std::move(m));
    }
    return out;
}

void wait_for(ModelLab& lab) {
    for (int i = 0; i < 2000 && lab.busy(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_FALSE(lab.busy());
    lab.poll();
}

TEST(ModelLab, TokensAreThePromptsWithBosAndReadBackAsIt) {
    REQUIRE_MODEL_FIXTURE(kStories);
    const ModelRun& run = stories_run();
    ASSERT_GE(run.tokens.size(), 3u);
    EXPECT_EQ(run.tokens[0], 1);  // BOS
    ASSERT_EQ(run.token_text.size(), run.tokens.size());
    std::string text;
    for (std::size_t i = 1; i < run.token_text.size(); ++i) text += run.token_text[i];
    EXPECT_EQ(text, "Once upon a time");
}

TEST(ModelLab, HeadDataAreTheReferenceQueriesKeysAndValuesOfThatHead) {
    REQUIRE_MODEL_FIXTURE(kStories);
    const ModelRun& run = stories_run();
    hashscope_test::TempDir dir("model_lab_ref");
    std::string ids;
    for (const int t : run.tokens) ids += std::to_string(t) + " ";
    ASSERT_EQ(hashscope_test::run_reference("llama2c_reference.py " + model_fixture(kStories) + " \"" + ids + "\" " +
                                            dir.path.string()),
              0);
    // stories260K: 8 heads over 4 KV heads, so head 5 reads KV head 2.
    const int layer = 3, head = 5, kv = 2;
    const ToySequence s = head_sequence(run, layer, head);
    const std::string prefix = dir / ("layer" + std::to_string(layer));
    EXPECT_LT((s.q - stacked(read_npy(prefix + ".q.npy"))[head]).cwiseAbs().maxCoeff(), 1e-4);
    EXPECT_LT((s.k - stacked(read_npy(prefix + ".k.npy"))[kv]).cwiseAbs().maxCoeff(), 1e-4);
    EXPECT_LT((s.v - stacked(read_npy(prefix + ".v.npy"))[kv]).cwiseAbs().maxCoeff(), 1e-4);
    EXPECT_EQ(s.labels, run.tokens);

    // The dense loss of the sensitivity map is the reference logits' mean next-token cross-entropy.
    const NpyArray logits = read_npy(dir / "logits.npy");
    const auto z = npy_values<double>(logits);
    const auto n = std::size_t(logits.shape.at(0)), vocab = std::size_t(logits.shape.at(1));
    ASSERT_EQ(n, run.tokens.size());
    double loss = 0.0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double* row = z.data() + i * vocab;
        const double top = *std::max_element(row, row + vocab);
        double sum = 0.0;
        for (std::size_t j = 0; j < vocab; ++j) sum += std::exp(row[j] - top);
        loss += top + std::log(sum) - row[run.tokens[i + 1]];
    }
    ASSERT_TRUE(run.sensitivity);
    EXPECT_NEAR(run.sensitivity->loss_dense, loss / double(n - 1), 1e-4);
}

// The sharing line's figures: 4 query heads over 2 KV heads, two layers of random post-RoPE
// vectors, against the oracle (codes from the same planes, the group's summed distances, each
// head's exact top keys). A model whose heads each have a KV head of their own shares nothing.
TEST(ModelLab, GroupSharingIsTheOraclesRecallPerHead) {
    namespace ref = hashscope_ref;
    ModelConfig config;
    config.heads = 4, config.kv_heads = 2, config.head_dim = 8;
    ForwardTrace<float> trace;
    const int n = 300;
    trace.tokens.assign(std::size_t(n), 1);
    Rng rng(41);
    for (int l = 0; l < 2; ++l) {
        LayerCapture<float> layer;
        for (int h = 0; h < 4; ++h) layer.q.push_back(normal_matrix<float>(n, 8, rng));
        for (int h = 0; h < 2; ++h) layer.k.push_back(normal_matrix<float>(n, 8, rng));
        trace.layers.push_back(layer);
    }
    const auto sharing = group_sharing(config, trace);
    ASSERT_TRUE(sharing);
    EXPECT_EQ(sharing->group, 2);
    EXPECT_EQ(sharing->top, 9);  // n / 32
    ASSERT_EQ(sharing->layers.size(), 2u);
    const ref::Mat planes = ref::to_ref(random_planes<float>(8, sharing->bits, 0));
    const auto bits_of = [&](const Matrix<float>& x) {
        const ref::Mat xr = ref::to_ref(x);
        ref::Bits bits;
        for (int i = 0; i < xr.rows; ++i) {
            std::vector<int> row;
            for (int b = 0; b < planes.cols; ++b) {
                double dot = 0.0;
                for (int c = 0; c < xr.cols; ++c) dot += xr(i, c) * planes(c, b);
                row.push_back(dot >= 0.0);
            }
            bits.push_back(row);
        }
        return bits;
    };
    double own_total = 0.0, shared_total = 0.0;
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h) {
            const auto& layer = trace.layers[std::size_t(l)];
            const int kv = h / 2;
            const ref::Bits kb = bits_of(layer.k[std::size_t(kv)]);
            const std::vector<ref::Bits> group = {bits_of(layer.q[std::size_t(2 * kv)]), bits_of(layer.q[std::size_t(2 * kv + 1)])};
            const auto truth = ref::exact_top_k(ref::to_ref(layer.q[std::size_t(h)]), ref::to_ref(layer.k[std::size_t(kv)]), 9, true);
            const double shared = ref::recall(truth, ref::shared_hamming_topk(group, kb, 9, 0, 0, true));
            const double own = ref::recall(truth, ref::hamming_topk(group[std::size_t(h % 2)], kb, 9, 0, 0, true));
            EXPECT_NEAR(sharing->layers[std::size_t(l)].shared[std::size_t(h)], shared, 1e-12) << "layer " << l << " head " << h;
            EXPECT_NEAR(sharing->layers[std::size_t(l)].own[std::size_t(h)], own, 1e-12) << "layer " << l << " head " << h;
            shared_total += shared, own_total += own;
        }
    EXPECT_NEAR(sharing->mean_shared(), shared_total / 8, 1e-12);
    EXPECT_NEAR(sharing->mean_own(), own_total / 8, 1e-12);
    config.kv_heads = 4;
    EXPECT_FALSE(group_sharing(config, trace));
}

TEST(ModelLab, SensitivityCoversEveryHeadAndTheCurveRunsFromNoneToAll) {
    REQUIRE_MODEL_FIXTURE(kStories);
    const SensitivityTrace& s = *stories_run().sensitivity;
    ASSERT_EQ(s.heads.size(), 40u);  // 5 layers x 8 heads
    ASSERT_EQ(s.delta_loss.size(), 40u);
    ASSERT_EQ(s.curve.size(), 41u);
    EXPECT_EQ(s.curve.front().heads_swapped, 0);
    EXPECT_NEAR(s.curve.front().loss, s.loss_dense, 1e-9);
    EXPECT_DOUBLE_EQ(s.curve.back().fraction, 1.0);
    double spread = 0.0;
    for (const double d : s.delta_loss) spread = std::max(spread, std::abs(d));
    EXPECT_GT(spread, 0.0);  // hashing changes something
}

// The scene on a model head: n, d follow the head, and full attention is the head's keys attending
// to each other with Reformer's normalisation and causal masks (brute force).
TEST(ModelLab, SceneOnAModelHeadShowsThatHeadsAttention) {
    REQUIRE_MODEL_FIXTURE(kStories);
    AppState state;
    state.model_lab.load_now(model_fixture(kStories));
    state.use_model_head(1, 6);
    state.wait_idle();
    ASSERT_TRUE(state.error().empty()) << state.error();
    const SceneResult& r = state.result();
    const ToySequence s = head_sequence(*state.model_lab.run(), 1, 6);
    const int n = int(s.k.rows()), d = int(s.k.cols());
    EXPECT_EQ(r.params.toy.n, n);
    // Any prompt length works: the chunk shrinks to the largest divisor of rounds x n (n = 123 here).
    EXPECT_EQ((r.params.config.n_hashes * n) % r.params.config.chunk, 0);
    EXPECT_LE(r.params.config.chunk, default_scene().config.chunk);
    EXPECT_EQ(r.params.toy.d, d);
    EXPECT_EQ(r.trace.n, n);
    EXPECT_TRUE(r.params.config.causal);
    EXPECT_EQ(r.sequence.k, s.k);
    ASSERT_EQ(r.full_map.block(), 1);
    for (int i = 0; i < n; ++i) {
        std::vector<double> logit(std::size_t(i + 1));
        for (int j = 0; j <= i; ++j) {
            const double rms = std::sqrt(s.k.row(j).squaredNorm() / d + 1e-6);
            logit[std::size_t(j)] = j == i ? -1e5 : s.k.row(i).dot(s.k.row(j)) / rms / std::sqrt(double(d));
        }
        double top = *std::max_element(logit.begin(), logit.end()), sum = 0.0;
        for (const double l : logit) sum += std::exp(l - top);
        for (int j = 0; j < n; ++j) {
            const double p = j <= i ? std::exp(logit[std::size_t(j)] - top) / sum : 0.0;
            EXPECT_NEAR(r.full_map.at(i, j), p, 1e-5) << i << "," << j;
        }
    }
    // Back to the toy: the scene's own data again.
    state.params.data.reset();
    state.request();
    state.wait_idle();
    EXPECT_EQ(state.result().trace.n, default_scene().toy.n);
}

TEST(ModelLab, FailedLoadKeepsTheCurrentModelAndRerunKeepsTheModel) {
    REQUIRE_MODEL_FIXTURE(kStories);
    ModelLab lab;
    lab.job.sensitivity = false;
    lab.load(model_fixture(kStories));
    wait_for(lab);
    ASSERT_TRUE(lab.run()) << lab.error();
    const auto loaded = lab.run();

    hashscope_test::TempDir dir("model_lab_bad");
    const std::string truncated = dir / "truncated.bin";
    std::ofstream(truncated) << "not a model";
    lab.load(truncated);
    wait_for(lab);
    EXPECT_NE(lab.error().find("truncated.bin"), std::string::npos) << lab.error();
    EXPECT_EQ(lab.error().find('\n'), std::string::npos);
    EXPECT_EQ(lab.run(), loaded);

    lab.job.prompt = "One day";
    lab.rerun(false);
    wait_for(lab);
    ASSERT_NE(lab.run(), loaded);
    EXPECT_TRUE(lab.error().empty());
    EXPECT_EQ(lab.run()->model, loaded->model);  // not loaded again
    EXPECT_EQ(lab.run()->prompt, "One day");
    EXPECT_FALSE(lab.run()->sensitivity);
}

TEST(ModelLab, StartSettingsLoadTheModelAndPickTheHead) {
    StartState start;
    apply_setting("model=/x/m.bin", start);
    apply_setting("prompt=Lily went", start);
    apply_setting("head=2.7", start);
    EXPECT_EQ(start.model, "/x/m.bin");
    EXPECT_EQ(start.prompt, "Lily went");
    EXPECT_EQ(start.head_layer, 2);
    EXPECT_EQ(start.head, 7);
    EXPECT_THROW(apply_setting("head=2", start), InputError);
    EXPECT_THROW(apply_setting("head=a.1", start), InputError);

    REQUIRE_MODEL_FIXTURE(kStories);
    start.model = model_fixture(kStories);
    start.head_layer = 5;  // stories260K has layers 0..4
    AppState state;
    const std::string message = hashscope_test::input_error_of([&] { apply_start_state(start, state); });
    EXPECT_NE(message.find("5.7"), std::string::npos) << message;
    start.head_layer = 4;
    apply_start_state(start, state);
    EXPECT_EQ(state.model_lab.run()->prompt, "Lily went");
    EXPECT_EQ(state.result().sequence.labels, state.model_lab.run()->tokens);
    EXPECT_EQ(state.model_lab.layer, 4);  // the Model view shows the head the scene does
    EXPECT_EQ(state.model_lab.head, 7);
}

}  // namespace
}  // namespace hashscope::gui
