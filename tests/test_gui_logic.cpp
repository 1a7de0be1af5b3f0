// The app's logic without a window: plot ticks, the animation clock and its easing, heat-map
// pooling, hyperplane sectors, memory figures, --set parsing, the computed scene (against brute
// force written here) and AppState's worker (newest request wins, errors keep the old result).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <limits>
#include <numeric>
#include <set>

#include "app/gui/app_state.hpp"
#include "app/gui/npy_data.hpp"
#include "app/gui/bucket_collisions.hpp"
#include "app/gui/heatmap.hpp"
#include "app/gui/hyperplane_sectors.hpp"
#include "app/gui/memory_sweep.hpp"
#include "app/gui/palette.hpp"
#include "app/gui/playback.hpp"
#include "app/gui/plot_ticks.hpp"
#include "app/gui/scene.hpp"
#include "app/gui/scene_settings.hpp"
#include "app/gui/token_grid.hpp"
#include "core/error.hpp"
#include "core/npy.hpp"
#include "core/random.hpp"
#include "kernels/gpu.hpp"
#include "reference/compare.hpp"

namespace hashscope::gui {
namespace {

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12 * std::max(1.0, std::abs(want[i])));
}

TEST(PlotTicks, LinearTicksAreRoundAndInside) {
    expect_near_all(plot::linear_ticks(0.0, 1.0, 5), {0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
    expect_near_all(plot::linear_ticks(0.0, 82.0, 4), {0, 20, 40, 60, 80});
    expect_near_all(plot::linear_ticks(3.0, 7.0, 2), {4.0, 6.0});
    expect_near_all(plot::linear_ticks(-0.3, 0.3, 6), {-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3});
    EXPECT_TRUE(plot::linear_ticks(1.0, 1.0, 4).empty());
}

TEST(PlotTicks, LogTicksArePowersOfTheBase) {
    EXPECT_EQ(plot::log_ticks(1.0, 1000.0, 8), (std::vector<double>{1, 10, 100, 1000}));
    EXPECT_EQ(plot::log_ticks(2.0, 5000.0, 8), (std::vector<double>{10, 100, 1000}));
    EXPECT_EQ(plot::log_ticks(1.0, 1e6, 3), (std::vector<double>{1, 1e3, 1e6}));  // every third power
    EXPECT_EQ(plot::log_ticks(1.0, 1048576.0, 8, 1024.0), (std::vector<double>{1, 1024, 1048576}));
    EXPECT_TRUE(plot::log_ticks(0.0, 10.0, 4).empty());
}

TEST(PlotTicks, LabelsAndFractions) {
    EXPECT_EQ(plot::format_bytes(512), "512 B");
    EXPECT_EQ(plot::format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(plot::format_bytes(1073741824.0), "1 GiB");
    EXPECT_EQ(plot::format_count(4096), "4K");
    EXPECT_EQ(plot::format_count(1048576), "1M");
    EXPECT_EQ(plot::format_number(20000), "20k");
    EXPECT_EQ(plot::format_number(0.25), "0.25");
    EXPECT_DOUBLE_EQ(plot::axis_fraction(5, 0, 10, plot::Scale::linear), 0.5);
    EXPECT_DOUBLE_EQ(plot::axis_fraction(100, 10, 1000, plot::Scale::log10), 0.5);
}

TEST(Playback, AdvancesThroughTheStagesAndWraps) {
    Playback p;
    EXPECT_EQ(p.stage(), Stage::hash);
    p.advance(Playback::kSecondsPerStage * 1.5);
    EXPECT_EQ(p.stage(), Stage::sort);
    EXPECT_NEAR(p.stage_progress(), 0.5, 1e-12);
    EXPECT_NEAR(p.sorted_fraction(), 0.5, 1e-12);  // smoothstep(0.5) = 0.5
    p.advance(Playback::kSecondsPerStage * 6.0);   // 7.5 stages: wraps to sort again
    EXPECT_EQ(p.stage(), Stage::sort);
    p.playing = false;
    p.advance(10.0);
    EXPECT_EQ(p.stage(), Stage::sort);
}

TEST(Playback, StepsPauseAndWrapBothWays) {
    Playback p;
    p.step(-1);
    EXPECT_FALSE(p.playing);
    EXPECT_EQ(p.stage(), Stage::combine);
    p.step(+1);
    EXPECT_EQ(p.stage(), Stage::hash);
    p.jump_to(Stage::unsort);
    p.seek(4.25);
    EXPECT_NEAR(p.sorted_fraction(), 1.0 - ease(0.25), 1e-12);
    p.jump_to(Stage::attend);
    EXPECT_DOUBLE_EQ(p.sorted_fraction(), 1.0);
}

TEST(Playback, EaseAndTravelEndAtRest) {
    EXPECT_DOUBLE_EQ(ease(-1.0), 0.0);
    EXPECT_DOUBLE_EQ(ease(0.0), 0.0);
    EXPECT_DOUBLE_EQ(ease(1.0), 1.0);
    EXPECT_DOUBLE_EQ(ease(2.0), 1.0);
    EXPECT_DOUBLE_EQ(travel(10.0, 20.0, 0.5), 15.0);
    for (double t = 0.0; t < 1.0; t += 0.01) EXPECT_LE(ease(t), ease(t + 0.01));
    // Slow at both ends: the first and last 5% of the time cover under 1% of the way.
    EXPECT_LT(ease(0.05), 0.01);
    EXPECT_GT(ease(0.95), 0.99);
}

TEST(Playback, RoundBlendTurnsInTheLastQuarter) {
    RoundBlend b = round_blend(1.5, 4);
    EXPECT_EQ(b.from, 1);
    EXPECT_EQ(b.to, 2);
    EXPECT_DOUBLE_EQ(b.t, 0.0);
    b = round_blend(3.875, 4);
    EXPECT_EQ(b.from, 3);
    EXPECT_EQ(b.to, 0);
    EXPECT_NEAR(b.t, 0.5, 1e-12);
    b = round_blend(5.0, 4);  // cyclic
    EXPECT_EQ(b.from, 1);
    EXPECT_EQ(round_blend(0.9, 1).to, 0);
}

TEST(PooledMap, KeepsTheMaximumOfEachBlock) {
    const int n = 10;
    Rng rng(3);
    std::vector<float> values(std::size_t(n * n));
    for (float& v : values) v = float(rng.uniform());
    // Filled entry by entry, and row by row (add_row: odd rows, the last block of columns short).
    PooledMap map(n, 4), by_rows(n, 4);  // block ceil(10 / 4) = 3, side ceil(10 / 3) = 4
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) map.add(i, j, values[std::size_t(i * n + j)]);
        if (i % 2) by_rows.add_row(i, [&](int j) { return values[std::size_t(i * n + j)]; });
    }
    ASSERT_EQ(map.block(), 3);
    ASSERT_EQ(map.side(), 4);
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
            float expected = 0.0f, expected_odd = 0.0f;
            for (int i = 3 * a; i < std::min(n, 3 * a + 3); ++i)
                for (int j = 3 * b; j < std::min(n, 3 * b + 3); ++j) {
                    expected = std::max(expected, values[std::size_t(i * n + j)]);
                    if (i % 2) expected_odd = std::max(expected_odd, values[std::size_t(i * n + j)]);
                }
            EXPECT_EQ(map.at(a, b), expected) << a << "," << b;
            EXPECT_EQ(by_rows.at(a, b), expected_odd) << a << "," << b;
        }
    EXPECT_EQ(map.max_value(), *std::max_element(values.begin(), values.end()));
    // Small maps are not pooled.
    EXPECT_EQ(PooledMap(256, 512).block(), 1);
    EXPECT_EQ(PooledMap(4096, 512).side(), 512);
}

TEST(PooledMap, ColourRampRunsDarkToBright) {
    const auto luma = [](std::uint32_t c) { return (c & 0xFF) + ((c >> 8) & 0xFF) + ((c >> 16) & 0xFF); };
    EXPECT_LT(luma(heat_colour(0.0f)), luma(heat_colour(0.5f)));
    EXPECT_LT(luma(heat_colour(0.5f)), luma(heat_colour(1.0f)));
    EXPECT_EQ(heat_colour(-1.0f), heat_colour(0.0f));
    EXPECT_EQ(heat_colour(0.0f) >> 24, 0xFFu);  // opaque
}

TEST(Palette, BucketColoursAreDistinctAndOpaque) {
    for (const int n : {2, 8, 16, 32, 64}) {
        std::set<std::uint32_t> colours;
        for (int b = 0; b < n; ++b) {
            const std::uint32_t c = bucket_colour(b, n);
            EXPECT_EQ(c >> 24, 0xFFu);
            colours.insert(c);
        }
        EXPECT_EQ(colours.size(), std::size_t(n)) << n << " buckets";
    }
    EXPECT_EQ(bucket_colour(0, 16), 0xFF009FE6u);  // Okabe-Ito orange (230, 159, 0)
    EXPECT_NE(label_colour(0), label_colour(1));
    EXPECT_EQ(label_colour(-1), label_colour(3));
}

// Five tokens, buckets {0, 0, 1, 1, 1}; neighbours 0-2 (split), 2-3 (together), 4-3 (together, and
// listed twice), 1-1 (itself: ignored). Pairs sharing a bucket: 0-1, 2-3, 2-4, 3-4.
TEST(BucketCollisions, CountsFalseCollisionsAndMissesByHand) {
    const std::vector<std::int32_t> buckets = {0, 0, 1, 1, 1};
    const std::vector<std::vector<std::int32_t>> truth = {{2}, {1}, {3}, {4}, {3}};
    const CollisionStats s = collision_stats(buckets, 2, truth);
    EXPECT_EQ(s.pairs, 4);
    EXPECT_DOUBLE_EQ(s.expected_uniform, 5.0);  // 10 pairs / 2 buckets
    EXPECT_EQ(s.neighbour_pairs, 3);
    EXPECT_EQ(s.misses, 1);            // 0-2
    EXPECT_EQ(s.false_collisions, 2);  // 0-1 and 2-4
}

TEST(TokenGrid, EachTokensBlockShowsItsBucketAndLabel) {
    std::vector<std::vector<std::int32_t>> buckets = {std::vector<std::int32_t>(40), std::vector<std::int32_t>(40, 3)};
    for (int i = 0; i < 40; ++i) buckets[0][std::size_t(i)] = i % 4;
    const std::vector<int> labels(40, 2);
    const TokenGrid g = token_grid(buckets, 4, labels);
    ASSERT_EQ(g.cols, 32);
    ASSERT_EQ(g.rows, 2);
    ASSERT_EQ(g.rgba.size(), 2u);
    ASSERT_EQ(g.rgba[0].size(), std::size_t(g.width() * g.height()));
    const auto texel = [&](int round_index, int token, int x, int y) {
        const int x0 = token % g.cols * TokenGrid::kTexels, y0 = token / g.cols * TokenGrid::kTexels;
        return g.rgba[std::size_t(round_index)][std::size_t((y0 + y) * g.width() + x0 + x)];
    };
    EXPECT_EQ(texel(0, 33, 0, 0), bucket_colour(1, 4));  // token 33: second row, bucket 1
    EXPECT_EQ(texel(0, 33, 6, 5), bucket_colour(1, 4));
    EXPECT_EQ(texel(0, 33, 3, 6), label_colour(2));
    EXPECT_NE(texel(0, 33, 7, 0), bucket_colour(1, 4));  // gap column
    EXPECT_EQ(texel(1, 5, 2, 2), bucket_colour(3, 4));
    EXPECT_EQ(token_grid(std::vector<std::vector<std::int32_t>>{std::vector<std::int32_t>(2048)}, 2, {}).cols, 64);
}

TEST(HyperplaneSectors, OneDirectionSplitsThePlaneInHalves) {
    Matrix<double> dirs(2, 1);
    dirs << 1.0, 0.0;  // bucket 0 where cos(a) >= 0, else bucket 1
    const int samples = 360;
    const auto sectors = sector_buckets(dirs, samples);
    for (int s = 0; s < samples; ++s) {
        const double c = std::cos(2.0 * std::numbers::pi * s / samples);
        if (std::abs(c) > 1e-9) { EXPECT_EQ(sectors[std::size_t(s)], c > 0 ? 0 : 1) << s; }
    }
}

TEST(HyperplaneSectors, MatchTheHashOfVectorsInThePlane) {
    // Four random directions in the plane: the sector of angle a is the argmax the hash computes.
    Rng rng(11);
    Matrix<double> dirs(2, 4);
    for (int j = 0; j < 4; ++j) dirs.col(j) << rng.normal(), rng.normal();
    const int samples = 97;
    const auto sectors = sector_buckets(dirs, samples);
    std::set<int> seen;
    for (int s = 0; s < samples; ++s) {
        const double a = 2.0 * std::numbers::pi * s / samples;
        Eigen::RowVector2d u(std::cos(a), std::sin(a));
        Eigen::RowVectorXd xr = u * dirs;
        Eigen::RowVectorXd both(8);
        both << xr, -xr;
        Eigen::Index best = 0;
        both.maxCoeff(&best);
        EXPECT_EQ(sectors[std::size_t(s)], int(best));
        seen.insert(int(best));
    }
    EXPECT_GE(seen.size(), 4u);
    const Matrix<double> half = blend_directions(dirs, -dirs, 0.25);
    EXPECT_NEAR(half(1, 2), 0.5 * dirs(1, 2), 1e-12);
}

TEST(MemorySweep, DenseIsQuadraticTheHashesLinear) {
    MemoryShape shape;
    const MemorySweep sweep = memory_sweep(shape);
    ASSERT_EQ(sweep.n.front(), 64.0);
    ASSERT_EQ(sweep.n.back(), 1048576.0);
    ASSERT_EQ(sweep.bytes.size(), 3u);
    const std::size_t last = sweep.n.size() - 1;
    // Dense: n^2 float64 scores plus the logsumexp.
    EXPECT_EQ(sweep.bytes[0][last], 1048576.0 * 1048576.0 * 8.0 + 1048576.0 * 8.0);
    for (std::size_t m = 1; m < 3; ++m) {
        const double ratio = sweep.bytes[m][last] / sweep.bytes[m][last - 1];
        EXPECT_GT(ratio, 1.9) << m;
        EXPECT_LT(ratio, 2.1) << m;
    }
    // SimHash top-k adds n * k indices and logits to core's accounting.
    const auto items = method_memory(Method::simhash_topk, 1000, shape);
    EXPECT_EQ(total_bytes(items), total_bytes(simhash_memory(1000, 64, 16, 8)) + 1000u * 32u * (4u + 8u));
}

TEST(SceneSettings, SetsEachKeyAndRefusesUnknownOnes) {
    StartState start;
    const SceneParams& p = start.params;
    const Playback& clock = start.playback;
    for (const char* s : {"kind=needle", "n=512", "buckets=32", "rounds=2", "chunk=64", "causal=1", "method=simhash",
                          "bits=24", "top-k=8", "hash-seed=9", "seed=5", "stage=attend", "progress=0.5", "font-scale=2"})
        apply_setting(s, start);
    EXPECT_EQ(start.display.font_scale, 2.0f);
    EXPECT_EQ(p.toy.kind, ToyKind::needle);
    EXPECT_EQ(p.toy.n, 512);
    EXPECT_EQ(p.config.n_buckets, 32);
    EXPECT_EQ(p.config.n_hashes, 2);
    EXPECT_EQ(p.config.chunk, 64);
    EXPECT_TRUE(p.config.causal);
    EXPECT_EQ(p.method, Method::simhash_topk);
    EXPECT_EQ(p.simhash_bits, 24);
    EXPECT_EQ(p.top_k, 8);
    EXPECT_EQ(p.hash_seed, 9u);
    EXPECT_EQ(p.toy.seed, 5u);
    EXPECT_EQ(clock.stage(), Stage::attend);
    EXPECT_NEAR(clock.stage_progress(), 0.5, 1e-12);
    EXPECT_FALSE(clock.playing);
    EXPECT_THROW(apply_setting("colour=red", start), InputError);
    EXPECT_THROW(apply_setting("n=lots", start), InputError);
    EXPECT_THROW(apply_setting("n", start), InputError);
    EXPECT_THROW(apply_setting("method=magic", start), InputError);
    EXPECT_THROW(apply_setting("font-scale=5", start), InputError);
}

SceneParams small_scene(Method method) {
    SceneParams p = default_scene();
    p.toy.n = 128;
    p.toy.d = 16;
    p.method = method;
    return p;
}

TEST(ComputeScene, DenseReachesEverythingExactly) {
    const SceneResult r = compute_scene(small_scene(Method::dense));
    EXPECT_TRUE(r.reaches_all);
    EXPECT_DOUBLE_EQ(r.mean_recall, 1.0);
    EXPECT_DOUBLE_EQ(r.mean_mass, 1.0);
    EXPECT_EQ(r.diff_map.max_value(), 0.0f);
    EXPECT_EQ(r.full_map.at(3, 7), r.method_map.at(3, 7));
    EXPECT_EQ(r.loads.size(), 4u);
    EXPECT_EQ(r.round_directions.size(), 4u);
    EXPECT_EQ(r.round_directions[0].cols(), 8);
    EXPECT_GT(r.plane_share, 0.0);
    EXPECT_LE(r.plane_share, 1.0 + 1e-12);
}

TEST(ComputeScene, ReformerReachesWhatItsTraceSays) {
    const SceneResult r = compute_scene(small_scene(Method::reformer));
    EXPECT_EQ(r.reached, reformer_reached_keys(r.trace));
    for (int q = 0; q < r.trace.n; ++q)
        for (int j = 0; j < r.trace.n; ++j) {
            const bool reached = std::binary_search(r.reached[std::size_t(q)].begin(), r.reached[std::size_t(q)].end(), j);
            EXPECT_EQ(r.reach_map.at(q, j) > 0.0f, reached);
        }
    EXPECT_GT(r.mean_recall, 0.0);
    EXPECT_LT(r.mean_recall, 1.0);
}

// n = 320 spans two blocks of the exact reference: each query's full map row, mass on the reached
// keys and recall@k against a float64 loop over Reformer's keys (self excluded).
TEST(ComputeScene, ComparisonAcrossReferenceBlocksMatchesALoop) {
    SceneParams p = small_scene(Method::reformer);
    p.toy.n = 320;
    const SceneResult r = compute_scene(p);
    const int n = r.trace.n;
    ASSERT_EQ(n, 320);
    ASSERT_EQ(r.full_map.block(), 1);
    const hashscope_ref::Mat x = hashscope_ref::to_ref(r.sequence.k), keys = hashscope_ref::reformer_keys(x);
    double worst_map = 0, worst_mass = 0;
    for (int q = 0; q < n; ++q) {
        std::vector<double> logit(std::size_t(n), -std::numeric_limits<double>::infinity());
        for (int j = 0; j < n; ++j)
            if (j != q) logit[std::size_t(j)] = hashscope_ref::dot_rows(x, q, keys, j);
        const double top = *std::max_element(logit.begin(), logit.end());
        double sum = 0;
        for (const double l : logit) sum += std::exp(l - top);
        std::vector<double> prob(static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) {
            prob[std::size_t(j)] = std::exp(logit[std::size_t(j)] - top) / sum;
            worst_map = std::max(worst_map, std::abs(double(r.full_map.at(q, j)) - prob[std::size_t(j)]));
        }
        double mass = 0;
        for (const std::int32_t key : r.reached[std::size_t(q)]) mass += prob[std::size_t(key)];
        worst_mass = std::max(worst_mass, std::abs(r.mass[std::size_t(q)] - mass));
        std::vector<int> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob[std::size_t(a)] > prob[std::size_t(b)]; });
        const std::set<int> truth(order.begin(), order.begin() + r.recall_k);
        int found = 0;
        for (const std::int32_t key : r.reached[std::size_t(q)]) found += int(truth.count(key));
        EXPECT_DOUBLE_EQ(r.recall[std::size_t(q)], double(found) / double(r.recall_k)) << "query " << q;
    }
    EXPECT_LT(worst_map, 1e-6);
    EXPECT_LT(worst_mass, 1e-9);
}

// Brute force: Hamming distances from the unpacked bits, ties to the lower position, self excluded.
TEST(ComputeScene, SimHashTopKPicksTheNearestSignatures) {
    SceneParams p = small_scene(Method::simhash_topk);
    p.top_k = 5;
    p.config.causal = true;
    const SceneResult r = compute_scene(p);
    const auto bits = r.codes.unpacked();
    const int n = r.trace.n, b = r.codes.bits;
    for (int q = 0; q < n; ++q) {
        std::vector<std::pair<int, int>> order;
        for (int j = 0; j < q; ++j) {
            int distance = 0;
            for (int k = 0; k < b; ++k) distance += bits[std::size_t(q * b + k)] != bits[std::size_t(j * b + k)];
            order.emplace_back(distance, j);
        }
        std::sort(order.begin(), order.end());
        std::vector<std::int32_t> expected;
        for (std::size_t s = 0; s < std::min<std::size_t>(5, order.size()); ++s) expected.push_back(order[s].second);
        if (expected.empty()) expected.push_back(q);
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(r.reached[std::size_t(q)], expected) << "query " << q;
    }
}

TEST(ComputeScene, RefusesBadParametersNamingThem) {
    SceneParams p = default_scene();
    p.config.n_buckets = 3;
    EXPECT_THROW(compute_scene(p), InputError);
    p = default_scene();
    p.config.chunk = 128;
    p.config.n_hashes = 1;
    p.toy.n = 192;
    try {
        compute_scene(p);
        FAIL() << "expected InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("chunk"), std::string::npos);
    }
}

TEST(AppState, NewestRequestWinsAndErrorsKeepTheOldResult) {
    AppState state(small_scene(Method::reformer));
    const std::uint64_t v0 = state.version();
    state.params.config.n_buckets = 8;
    state.request();
    state.params.config.n_buckets = 32;  // supersedes the request for 8
    state.request();
    state.wait_idle();
    EXPECT_EQ(state.result().params.config.n_buckets, 32);
    EXPECT_GT(state.version(), v0);
    EXPECT_TRUE(state.error().empty());
    EXPECT_FALSE(state.computing());

    const std::uint64_t v1 = state.version();
    state.params.config.n_buckets = 5;  // odd: refused
    state.request();
    state.wait_idle();
    EXPECT_FALSE(state.error().empty());
    EXPECT_EQ(state.result().params.config.n_buckets, 32);
    EXPECT_EQ(state.version(), v1);
}

// A trace recomputed in place over another scene's buffers (another n, other buckets) gives the
// scene a fresh computation gives, bit for bit.
TEST(ComputeScene, ReusedTraceGivesTheFreshScene) {
    SceneParams other = small_scene(Method::reformer);
    other.toy.n = 96;
    other.config.n_buckets = 8;
    const SceneResult fresh = compute_scene(small_scene(Method::reformer));
    const SceneResult reused = compute_scene(small_scene(Method::reformer), {}, nullptr, compute_scene(other).trace);
    EXPECT_EQ(reused.trace.buckets, fresh.trace.buckets);
    EXPECT_EQ(reused.trace.sorted_to_concat, fresh.trace.sorted_to_concat);
    EXPECT_EQ(reused.trace.output, fresh.trace.output);
    EXPECT_EQ(reused.rel_error, fresh.rel_error);
}

// The worker keeps its last two results; once the views have moved past the older one, the next
// computation runs in that one's trace buffers (same shape, so the same allocation).
TEST(AppState, RecomputesIntoATraceTheViewsNoLongerHold) {
    AppState state(small_scene(Method::reformer));
    const auto next = [&](int seed) {
        state.params.hash_seed = std::uint64_t(seed);
        state.request();
        state.wait_idle();
    };
    next(2);
    const double* first = state.result().trace.output.data();
    next(3);
    EXPECT_NE(state.result().trace.output.data(), first);
    next(4);
    EXPECT_EQ(state.result().trace.output.data(), first);
    const SceneResult fresh = compute_scene(state.params);
    EXPECT_EQ(state.result().trace.output, fresh.trace.output);
    EXPECT_EQ(state.result().trace.buckets, fresh.trace.buckets);
}

// The GPU toggle: with a device the kernel hashes exactly as the CPU twin; without one (or without
// CUDA in the build) the scene still computes, on the CPU, with one line saying why.
TEST(ComputeScene, GpuTargetMatchesTheCpuTwinOrFallsBack) {
    StartState start;
    apply_setting("compute=gpu", start);
    EXPECT_EQ(start.params.target, ComputeTarget::gpu);
    EXPECT_THROW(apply_setting("compute=tpu", start), InputError);

    SceneParams p = small_scene(Method::reformer);
    const SceneResult cpu = compute_scene(p);
    p.target = ComputeTarget::gpu;
    const SceneResult r = compute_scene(p);
    EXPECT_EQ(r.trace.output, cpu.trace.output);
    EXPECT_EQ(gpu_built(), gpu::built_with_cuda());
    if (!gpu::gpu_available()) {
        EXPECT_FALSE(r.gpu.ran);
        EXPECT_EQ(r.gpu.message.rfind("Reformer: GPU not used, the CPU ran: ", 0), 0u) << r.gpu.message;
        GTEST_SKIP() << "no CUDA device (" << gpu::device_description() << "): checked the CPU fallback only";
    }
    EXPECT_TRUE(r.gpu.ran) << r.gpu.message;
    EXPECT_EQ(r.gpu.mismatches, 0);
    EXPECT_LT(r.gpu.max_output_difference, 1e-4);
}

TEST(AppState, HoverLastsOneFrame) {
    AppState state(small_scene(Method::dense));
    state.hover(7);
    EXPECT_EQ(state.hovered_token(), -1);
    state.begin_frame();
    EXPECT_EQ(state.hovered_token(), 7);
    state.begin_frame();
    EXPECT_EQ(state.hovered_token(), -1);
}


// settings_of is apply_setting's inverse: a state with every key away from its default is written
// and read back to the same settings, and every key the table knows is written.
TEST(SceneSettings, EverySettingRoundTrips) {
    StartState start;
    for (const char* s : {"kind=needle", "n=200", "d=24", "clusters=5", "spread=0.3", "seed=7", "method=simhash",
                          "compute=gpu", "rounds=3", "buckets=8", "chunk=16", "causal=1", "hash-seed=11", "bits=24",
                          "top-k=9", "stage=attend", "progress=0.25", "playing=1", "speed=2.5", "font-scale=1.75",
                          "theme=projector", "clean=1", "cursor=1", "view=sort", "model=/m/x.gguf", "prompt=Once upon",
                          "head=1.2", "data=/d/qk.npy", "crypto-algo=blake3", "crypto-bits=9", "crypto-route=query",
                          "crypto-aggregate=softmax", "crypto-rounds=2", "crypto-salt=00ff", "crypto-quantize=int8",
                          "crypto-load-cap=4", "crypto-page=claims", "learned.bits=16", "learned.top=8",
                          "learned.epochs=5", "learned.train=1"})
        apply_setting(s, start);
    const std::vector<std::string> written = settings_of(start);
    ASSERT_EQ(written.size(), setting_keys().size());
    for (std::size_t i = 0; i < written.size(); ++i)
        EXPECT_EQ(written[i].substr(0, written[i].find('=')), setting_keys()[i]);
    StartState back;
    for (const std::string& s : written) apply_setting(s, back);
    EXPECT_EQ(settings_of(back), written);
    EXPECT_EQ(back.playback.position(), start.playback.position());
    EXPECT_EQ(back.display, start.display);
    EXPECT_EQ(back.crypto, start.crypto);
    EXPECT_EQ(back.learned, start.learned);
    EXPECT_NE(std::find(written.begin(), written.end(), "progress=0.25"), written.end());
    EXPECT_NE(std::find(written.begin(), written.end(), "speed=2.5"), written.end());
}

// A .npy file as the scene's data: [n, d] shared, [2, n, d] and [3, n, d] split, each refused
// shape, size and value naming the file.
TEST(NpyData, ShapesBecomeQueriesKeysAndValues) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto write = [&](const std::string& name, std::vector<double> values, std::vector<std::int64_t> shape) {
        const std::string path = (dir / name).string();
        write_npy(path, make_npy<double>(values, shape));
        return path;
    };
    const ToySequence shared = npy_sequence(write("hs_qk.npy", {1, 2, 3, 4, 5, 6}, {3, 2}));
    EXPECT_EQ(shared.q.rows(), 3);
    EXPECT_EQ(shared.q(2, 1), 6.0);
    EXPECT_EQ(shared.k, shared.q);
    EXPECT_EQ(shared.v, shared.q);
    std::vector<double> three(3 * 2 * 2);
    for (std::size_t i = 0; i < three.size(); ++i) three[i] = double(i);
    const ToySequence split = npy_sequence(write("hs_qkv.npy", three, {3, 2, 2}));
    EXPECT_EQ(split.q(1, 0), 2.0);
    EXPECT_EQ(split.k(0, 1), 5.0);
    EXPECT_EQ(split.v(1, 1), 11.0);
    EXPECT_THROW(npy_sequence(write("hs_4d.npy", {1, 2, 3, 4, 5, 6, 7, 8}, {4, 1, 2})), InputError);  // 4 stacked
    EXPECT_THROW(npy_sequence(write("hs_one.npy", {1, 2}, {1, 2})), InputError);
    EXPECT_THROW(npy_sequence(write("hs_nan.npy", {1, std::nan("")}, {2, 1})), InputError);
    EXPECT_THROW(npy_sequence(write("hs_big.npy", std::vector<double>(4097), {4097, 1})), InputError);

    AppState state(small_scene(Method::reformer));
    StartState start = start_state_of(state);
    apply_setting("data=" + (dir / "hs_qk.npy").string(), start);
    start.params.config.chunk = 3;
    start.params.config.n_hashes = 1;
    apply_start_state(start, state);
    EXPECT_EQ(state.result().sequence.k, shared.k);
    EXPECT_EQ(start_state_of(state).data, (dir / "hs_qk.npy").string());
    for (const char* name : {"hs_qk.npy", "hs_qkv.npy", "hs_4d.npy", "hs_one.npy", "hs_nan.npy", "hs_big.npy"})
        std::filesystem::remove(dir / name);
}

// The running app read back as settings and applied to another app gives the same picture inputs.
TEST(SceneSettings, RunningStateReadsBackAndAppliesToAnotherApp) {
    SceneParams small = default_scene();
    small.toy.n = 64;
    AppState first(small);
    StartState wanted = start_state_of(first);
    for (const char* s : {"rounds=2", "buckets=8", "stage=sort", "progress=0.5", "view=chunks", "crypto-bits=5"})
        apply_setting(s, wanted);
    apply_start_state(wanted, first);
    EXPECT_EQ(first.result().params.config.n_hashes, 2);
    EXPECT_EQ(first.display.view, "chunks");
    EXPECT_EQ(first.crypto.settings.bits, 5);

    AppState second;
    apply_start_state(start_state_of(first), second);
    EXPECT_EQ(settings_of(start_state_of(second)), settings_of(start_state_of(first)));
    EXPECT_EQ(second.result().trace.buckets, first.result().trace.buckets);
}

}  // namespace
}  // namespace hashscope::gui
