// Learned hash codes: the hand-written gradient against finite differences, training on a planted
// structure (held-out recall, against SimHash on keys with a large shared mean), bit-exact
// save/load, determinism for a fixed seed and thread count, cancellation, and refusals.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/hamming_topk.hpp"
#include "core/learned_hash_training.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/simhash.hpp"
#include "core/toy_sequences.hpp"

namespace {

using namespace hashscope;
namespace fs = std::filesystem;

template <class A>
bool same_bits(const A& a, const A& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(typename A::Scalar)) == 0;
}

bool same_model(const LearnedHashModel& a, const LearnedHashModel& b) {
    if (a.d != b.d || a.hidden != b.hidden || a.bits != b.bits || a.heads.size() != b.heads.size()) return false;
    for (std::size_t h = 0; h < a.heads.size(); ++h)
        for (auto [x, y] : {std::pair{&a.heads[h].query, &b.heads[h].query}, std::pair{&a.heads[h].key, &b.heads[h].key}})
            if (!same_bits(x->mean, y->mean) || !same_bits(x->inv_std, y->inv_std) || !same_bits(x->w1, y->w1) ||
                !same_bits(x->b1, y->b1) || !same_bits(x->w2, y->w2) || !same_bits(x->b2, y->b2))
                return false;
    return true;
}

HashMlp<double> random_mlp(int d, int hidden, int bits, Rng& rng) {
    return {Vector<double>::Zero(d),         Vector<double>::Ones(d),     normal_matrix<double>(d, hidden, rng),
            normal_matrix<double>(hidden, 1, rng), normal_matrix<double>(hidden, bits, rng) * 0.5,
            normal_matrix<double>(bits, 1, rng)};
}

// Central differences on every weight of both mappings, threads 1 and 2, all pairs or some left out.
TEST(LearnedHash, GradientMatchesFiniteDifferences) {
    Rng rng(4);
    const int d = 5, hidden = 7, bits = 6, batch = 4, keys = 9;
    HashMappings<double> w{random_mlp(d, hidden, bits, rng), random_mlp(d, hidden, bits, rng)};
    const Matrix<double> zq = normal_matrix<double>(batch, d, rng), zk = normal_matrix<double>(keys, d, rng);
    Matrix<double> y = Matrix<double>::Zero(batch, keys);
    for (int i = 0; i < batch; ++i) y(i, int(rng.below(keys))) = 1;
    LearnOptions o;
    o.positive_weight = 3;
    o.threshold = 0.4;
    // Pairs left out (as --causal does), chosen at random; nullptr counts every pair.
    Matrix<double> counted(batch, keys);
    for (Eigen::Index x = 0; x < counted.size(); ++x) counted.data()[x] = double(rng.below(3) != 0);
    for (const auto& setting : {std::pair{1, (const Matrix<double>*)nullptr}, std::pair{2, (const Matrix<double>*)nullptr},
                                std::pair{2, (const Matrix<double>*)&counted}}) {
        const int threads = setting.first;  // named copies: clang 14 cannot capture structured bindings
        const Matrix<double>* mask = setting.second;
        const auto loss = [&] { return learned_hash_loss<double>(w, zq, zk, y, o, nullptr, 1, mask); };
        HashMappings<double> g;
        learned_hash_loss(w, zq, zk, y, o, &g, threads, mask);
        int checked = 0;
        for (auto [mlp, grad] : {std::pair{&w.query, &g.query}, std::pair{&w.key, &g.key}})
            for (auto [param, dparam] : {std::pair{&mlp->w1, &grad->w1}, std::pair{&mlp->w2, &grad->w2}})
                for (Eigen::Index i = 0; i < param->size(); ++i) {
                    const double keep = param->data()[i], h = 1e-6;
                    param->data()[i] = keep + h;
                    const double up = loss();
                    param->data()[i] = keep - h;
                    const double down = loss();
                    param->data()[i] = keep;
                    const double numeric = (up - down) / (2 * h);
                    ASSERT_NEAR(dparam->data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << "index " << i;
                    ++checked;
                }
        for (auto [mlp, grad] : {std::pair{&w.query, &g.query}, std::pair{&w.key, &g.key}})
            for (auto [param, dparam] : {std::pair{&mlp->b1, &grad->b1}, std::pair{&mlp->b2, &grad->b2}})
                for (Eigen::Index i = 0; i < param->size(); ++i) {
                    const double keep = (*param)(i), h = 1e-6;
                    (*param)(i) = keep + h;
                    const double up = loss();
                    (*param)(i) = keep - h;
                    const double down = loss();
                    (*param)(i) = keep;
                    ASSERT_NEAR((*dparam)(i), (up - down) / (2 * h), 1e-7 + 1e-5 * std::abs((up - down) / (2 * h)));
                    ++checked;
                }
        EXPECT_EQ(checked, 2 * (d * hidden + hidden * bits + hidden + bits));
    }
}

// The loss as documented in core/learned_hash_training.hpp, in plain loops over the relaxed codes
// tanh(u), with left-out pairs skipped.
TEST(LearnedHash, LossFollowsItsDefinition) {
    Rng rng(6);
    const int d = 4, hidden = 5, bits = 7, batch = 3, keys = 6;
    const HashMappings<double> w{random_mlp(d, hidden, bits, rng), random_mlp(d, hidden, bits, rng)};
    const Matrix<double> zq = normal_matrix<double>(batch, d, rng), zk = normal_matrix<double>(keys, d, rng);
    Matrix<double> y = Matrix<double>::Zero(batch, keys), counted(batch, keys);
    for (Eigen::Index x = 0; x < y.size(); ++x) {
        y.data()[x] = double(rng.below(4) == 0);
        counted.data()[x] = double(rng.below(3) != 0);
    }
    LearnOptions o;
    o.positive_weight = 5;
    o.threshold = -0.7;
    const Matrix<double> tq = hash_mlp_forward<double>(w.query, zq, nullptr, true).array().tanh().matrix();
    const Matrix<double> tk = hash_mlp_forward<double>(w.key, zk, nullptr, true).array().tanh().matrix();
    const auto softplus = [](double x) { return std::log1p(std::exp(x)); };
    for (const Matrix<double>* mask : {(const Matrix<double>*)nullptr, (const Matrix<double>*)&counted}) {
        double want = 0;
        for (int i = 0; i < batch; ++i)
            for (int j = 0; j < keys; ++j) {
                if (mask && (*mask)(i, j) == 0) continue;
                double s = 0;
                for (int b = 0; b < bits; ++b) s += tq(i, b) * tk(j, b);
                want += y(i, j) ? o.positive_weight * softplus(o.threshold - s) : softplus(s - o.threshold);
            }
        want /= batch * keys;
        EXPECT_NEAR(learned_hash_loss<double>(w, zq, zk, y, o, nullptr, 2, mask), want, 1e-12);
    }
}

// Planted structure on real-LLM-like keys: `clusters` groups of exactly `per_cluster` keys (centre of
// unit RMS plus noise 0.15), all shifted by the toy generator's llm_like shift (a shared mean of norm
// 4 sqrt(d) and two +-40 outlier channels). Each query is a noisy copy of one key's content (before the
// shift), so its true top-`per_cluster` keys are its target's cluster. Training and held-out queries
// point at independent targets.
struct Planted {
    Matrix<float> keys, train_q, test_q;
};

Matrix<float> noisy_copies(const Matrix<double>& content, int count, Rng& rng) {
    Matrix<double> q(count, content.cols());
    for (int i = 0; i < count; ++i)
        q.row(i) = content.row(Eigen::Index(rng.below(std::uint64_t(content.rows())))) +
                   0.3 * normal_matrix<double>(1, content.cols(), rng);
    return q.cast<float>();
}

Planted planted(int clusters, int per_cluster, int n_train, int n_test) {
    const int d = 32;
    ToyParams p;
    p.kind = ToyKind::llm_like;
    p.n = 1;
    p.d = d;
    p.seed = 9;
    const ToySequence shifted = make_toy_sequence(p);
    p.kind = ToyKind::clusters;  // same seed: the same key before the shift
    const Matrix<double> shift = shifted.k - make_toy_sequence(p).k;

    Rng rng(10);
    const Matrix<double> centres = normal_matrix<double>(clusters, d, rng);
    Matrix<double> content(clusters * per_cluster, d);
    for (int j = 0; j < content.rows(); ++j)
        content.row(j) = centres.row(j % clusters) + 0.15 * normal_matrix<double>(1, d, rng);
    const Matrix<double> keys = content.rowwise() + shift.row(0);
    return {keys.cast<float>(), noisy_copies(content, n_train, rng), noisy_copies(content, n_test, rng)};
}

TEST(LearnedHash, PlantedStructureBeatsSimHash) {
    const Planted data = planted(64, 8, 2048, 256);
    const int top = 8, bits = 32;  // top = the cluster size
    LearnOptions o;
    o.bits = bits;
    o.top = top;
    o.epochs = 8;
    o.seed = 3;
    const LearnResult r = learn_hash<float>({data.train_q}, {data.keys}, o);
    ASSERT_EQ(r.curve.size(), 8u);
    EXPECT_LT(r.curve.back().loss, r.curve.front().loss);

    const auto truth = exact_top_k(data.test_q, data.keys, top, false);
    const auto learned = hamming_topk(learned_codes(r.model, 0, HashSide::query, data.test_q),
                                      learned_codes(r.model, 0, HashSide::key, data.keys), {.top = top});
    const double learned_recall = recall_at_k(truth, learned.selected);
    const Matrix<float> planes = random_planes<float>(32, bits, 5);
    const auto simhash = hamming_topk(simhash_codes(data.test_q, planes), simhash_codes(data.keys, planes), {.top = top});
    const double simhash_recall = recall_at_k(truth, simhash.selected);
    EXPECT_GE(learned_recall, 0.9);
    EXPECT_LT(simhash_recall, 0.3);
    RecordProperty("learned_recall", std::to_string(learned_recall));
    RecordProperty("simhash_recall", std::to_string(simhash_recall));
}

// One sequence's own Q/K, causal: training still finds each query's pivotal keys among the keys it
// may see (recall on the last training queries, measured causally), far above SimHash's.
TEST(LearnedHash, CausalTrainingOnOneSequence) {
    ToyParams p;
    p.kind = ToyKind::llm_like;
    p.n = 1024;
    p.d = 32;
    p.clusters = 128;
    p.seed = 4;
    const ToySequence s = make_toy_sequence(p);
    const Matrix<float> q = s.q.cast<float>(), k = s.k.cast<float>();
    LearnOptions o;
    o.top = 8;
    o.epochs = 8;
    o.causal = true;
    const LearnResult r = learn_hash<float>({q}, {k}, o);
    const Matrix<float> planes = random_planes<float>(32, 32, 2);
    const auto truth = exact_top_k(q, k, 8, true);
    const auto simhash = hamming_topk(simhash_codes(q, planes), simhash_codes(k, planes), {.top = 8, .causal = true});
    const auto learned = hamming_topk(learned_codes(r.model, 0, HashSide::query, q),
                                      learned_codes(r.model, 0, HashSide::key, k), {.top = 8, .causal = true});
    const double learned_recall = recall_at_k(truth, learned.selected), simhash_recall = recall_at_k(truth, simhash.selected);
    EXPECT_GT(learned_recall, 2 * simhash_recall);
    EXPECT_GT(r.curve.back().recall, r.curve.front().recall);
    RecordProperty("learned_recall", std::to_string(learned_recall));
    RecordProperty("simhash_recall", std::to_string(simhash_recall));
}

LearnResult small_run(std::uint64_t seed, int threads, const std::atomic<bool>* cancel = nullptr,
                      std::function<void(const LearnProgress&)> progress = {}) {
    const Planted data = planted(32, 4, 256, 1);
    LearnOptions o;
    o.bits = 40;
    o.hidden = 16;
    o.top = 4;
    o.epochs = 3;
    o.batch = 64;
    o.keys_per_step = 100;  // exercises key sampling
    o.seed = seed;
    o.threads = threads;
    o.cancel = cancel;
    o.on_progress = std::move(progress);
    return learn_hash<float>({data.train_q, data.train_q}, {data.keys, data.keys}, o);
}

TEST(LearnedHash, DeterministicForSeedAndThreads) {
    const LearnResult a = small_run(1, 2), b = small_run(1, 2), c = small_run(2, 2);
    EXPECT_EQ(a.model.heads.size(), 2u);
    EXPECT_TRUE(same_model(a.model, b.model));
    ASSERT_EQ(a.curve.size(), b.curve.size());
    for (std::size_t e = 0; e < a.curve.size(); ++e) {
        EXPECT_EQ(a.curve[e].loss, b.curve[e].loss);
        EXPECT_EQ(a.curve[e].recall, b.curve[e].recall);
    }
    EXPECT_FALSE(same_model(a.model, c.model));
}

TEST(LearnedHash, ReportsEveryStepAndEpoch) {
    const Planted data = planted(8, 4, 100, 1);
    LearnOptions o;
    o.top = 4;
    o.epochs = 2;
    o.batch = 32;
    std::vector<LearnStep> steps;
    std::vector<LearnProgress> epochs;
    o.on_step = [&](const LearnStep& s) { steps.push_back(s); };
    o.on_progress = [&](const LearnProgress& p) { epochs.push_back(p); };
    const LearnResult r = learn_hash<float>({data.train_q}, {data.keys}, o);
    ASSERT_EQ(steps.size(), 8u);  // ceil(100 / 32) = 4 steps in each of 2 epochs
    for (std::size_t i = 0; i < steps.size(); ++i) {
        EXPECT_EQ(steps[i].epoch, int(i / 4) + 1);
        EXPECT_EQ(steps[i].step, int(i % 4) + 1);
        EXPECT_EQ(steps[i].steps, 4);
    }
    ASSERT_EQ(epochs.size(), 2u);
    EXPECT_DOUBLE_EQ(epochs[0].loss, (steps[0].loss + steps[1].loss + steps[2].loss + steps[3].loss) / 4);
    EXPECT_EQ(r.curve.size(), 2u);
    EXPECT_EQ(r.curve[1].epoch, 2);
}

TEST(LearnedHash, CancelStopsAfterTheEpochInProgress) {
    std::atomic<bool> cancel = false;
    int reports = 0;
    const LearnResult r = small_run(1, 2, &cancel, [&](const LearnProgress& p) {
        ++reports;
        EXPECT_EQ(p.epoch, 1);
        cancel = true;
    });
    EXPECT_TRUE(r.cancelled);
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(r.curve.size(), 1u);
    EXPECT_EQ(r.model.heads.size(), 1u);  // the head in progress is kept, usable
}

class ModelFile : public ::testing::Test {
protected:
    void SetUp() override { path = (fs::temp_directory_path() / ("hashscope_model_" + std::to_string(::getpid()))).string(); }
    void TearDown() override { fs::remove(path); }
    std::string path;
};

TEST_F(ModelFile, RoundTripsBitExactly) {
    const LearnResult r = small_run(5, 1);
    save_learned_hash(r.model, path);
    const LearnedHashModel back = load_learned_hash(path);
    EXPECT_TRUE(same_model(r.model, back));
    EXPECT_EQ(fs::file_size(path), 8u + 20u + 2u * 2u * 8u * (2u * 32u + 32u * 16u + 16u + 16u * 40u + 40u));
    const Planted data = planted(32, 4, 4, 1);
    EXPECT_EQ(learned_codes(r.model, 1, HashSide::key, data.keys).words,
              learned_codes(back, 1, HashSide::key, data.keys).words);
    EXPECT_THROW(check_learned_model(back, 31, 40, "--hash-model"), InputError);
    EXPECT_THROW(check_learned_model(back, 32, 32, "--hash-model"), InputError);
    EXPECT_NO_THROW(check_learned_model(back, 32, 40, "--hash-model"));
    EXPECT_THROW(learned_codes(back, 0, HashSide::query, Matrix<float>::Zero(2, 31).eval()), InputError);
}

TEST_F(ModelFile, RefusesDamagedFiles) {
    save_learned_hash(small_run(5, 1).model, path);
    const auto size = fs::file_size(path);
    fs::resize_file(path, size - 1);
    EXPECT_THROW(load_learned_hash(path), InputError);
    save_learned_hash(small_run(5, 1).model, path);
    std::ofstream(path, std::ios::app) << 'x';
    EXPECT_THROW(load_learned_hash(path), InputError);
    std::ofstream(path, std::ios::trunc) << "HSLHASH2 not a model";
    EXPECT_THROW(load_learned_hash(path), InputError);
    EXPECT_THROW(load_learned_hash(path + ".missing"), InputError);
}

TEST(LearnedHash, RefusesBadInput) {
    const Planted data = planted(16, 4, 16, 1);
    LearnOptions o;
    o.top = 4;
    o.epochs = 1;
    Matrix<float> bad = data.train_q;
    bad(3, 2) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROW(learn_hash<float>({bad}, {data.keys}, o), InputError);
    o.bits = 65;
    EXPECT_THROW(learn_hash<float>({data.train_q}, {data.keys}, o), InputError);
    o.bits = 32;
    o.top = 65;
    EXPECT_THROW(learn_hash<float>({data.train_q}, {data.keys}, o), InputError);
    o.top = 4;
    EXPECT_THROW(learn_hash<float>({data.train_q}, {data.keys.leftCols(16).eval()}, o), InputError);
}

}  // namespace
