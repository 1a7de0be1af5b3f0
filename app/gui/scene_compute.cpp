// compute_scene: everything the views draw, built in one pass from SceneParams (on the worker
// thread). Heavy n x n work happens here, pooled down to image size, so no view loops over n^2.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "app/gui/scene.hpp"
#include "core/dense_attention.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

SceneParams default_scene() {
    SceneParams p;
    p.toy.kind = ToyKind::clusters;
    p.toy.n = 256;
    p.toy.d = 64;
    p.toy.dv = 64;
    p.toy.clusters = 4;
    p.config.n_hashes = 4;
    p.config.n_buckets = 16;
    p.config.chunk = 32;
    return p;
}

namespace {

// SimHash bit agreement against angle: 12 bins of 15 degrees over at most 20000 key pairs.
constexpr int kAngleBins = 12;
constexpr std::int64_t kAnglePairs = 20000;

// Per query, the `top` keys nearest in Hamming distance of SimHash signatures (ties to the lower
// position), among the keys it may see: j <= i when causal, never itself unless it sees nothing
// else (the reference masks a token's own key, as Reformer does).
std::vector<std::vector<std::int32_t>> simhash_top_k(const SimHashCodes& codes, int top, bool causal) {
    const int n = codes.rows;
    std::vector<std::vector<std::int32_t>> selected{std::size_t(n)};
    std::vector<std::pair<int, std::int32_t>> order;
    for (int q = 0; q < n; ++q) {
        order.clear();
        const int visible = causal ? q + 1 : n;
        for (int j = 0; j < visible; ++j)
            if (j != q) order.emplace_back(hamming_distance(codes.row(q), codes.row(j), codes.words_per_row), j);
        if (order.empty()) order.emplace_back(0, q);
        const std::size_t keep = std::min(order.size(), std::size_t(top));
        std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end());
        auto& keys = selected[std::size_t(q)];
        for (std::size_t s = 0; s < keep; ++s) keys.push_back(order[s].second);
        std::sort(keys.begin(), keys.end());
    }
    return selected;
}

double mean_of(const std::vector<double>& xs) {
    return xs.empty() ? 0.0 : std::accumulate(xs.begin(), xs.end(), 0.0) / double(xs.size());
}

// Queries per block of the exact reference: 256 x 4096 doubles is 8 MiB, where the whole n x n
// matrix at n = 4096 would be 128 MiB zeroed and paged in on every recompute.
constexpr int kReferenceBlockRows = 256;

// Fills the pooled maps and the per-query statistics of the method for the queries
// [first, first + rows) against full attention `block` over those queries; `truth`: their
// top-recall_k keys by full weight.
void compare_block(SceneResult& r, const DenseTrace<double>& block, int first,
                   const std::vector<std::vector<std::int32_t>>& truth) {
    const int n = r.trace.n, rows = int(block.probabilities.rows());
    const bool causal = r.params.config.causal;
    Vector<double> out_row(block.output.cols()), diff_row(n);
    for (int row = 0; row < rows; ++row) {
        const int q = first + row;
        const auto weight = [&](int key) { return block.probabilities(row, key); };
        r.full_map.add_row(q, block.probabilities.row(row));
        if (r.reaches_all) {
            for (int j = 0; j < (causal ? q + 1 : n); ++j) r.reach_map.add(q, j, 1.0f);
            r.method_map.add_row(q, block.probabilities.row(row));
            r.recall.push_back(1.0);
            r.mass.push_back(1.0);
            r.rel_error.push_back(0.0);
            continue;
        }
        const auto& keys = r.reached[std::size_t(q)];
        double mass = 0.0;
        for (const std::int32_t key : keys) mass += weight(key);
        out_row.setZero();
        // Keys the method never reaches lose all their probability: their difference is their weight.
        diff_row = block.probabilities.row(row).transpose();
        for (const std::int32_t key : keys) {
            const double p = mass > 0.0 ? weight(key) / mass : 0.0;
            r.reach_map.add(q, key, 1.0f);
            r.method_map.add(q, key, float(p));
            diff_row(key) = std::abs(p - weight(key));
            out_row += p * r.sequence.v.row(key).transpose();
        }
        r.diff_map.add_row(q, diff_row);
        r.mass.push_back(mass);
        r.recall.push_back(recall_at_k({truth[std::size_t(row)]}, {keys}));
        // Reformer's own output combines its rounds; the other methods attend over the reached set.
        const Matrix<double> exact = block.output.row(row);
        const Matrix<double> approx = r.params.method == Method::reformer ? Matrix<double>(r.trace.output.row(q))
                                                                          : Matrix<double>(out_row.transpose());
        r.rel_error.push_back(relative_l2_error(approx, exact));
    }
}

// The method against full attention, walked in blocks of queries; returns each query's
// top-recall_k keys by full weight, or nothing when `stop` is requested.
std::optional<std::vector<std::vector<std::int32_t>>> compare_with_full(SceneResult& r, std::stop_token stop) {
    const int n = r.trace.n;
    r.full_map = PooledMap(n, kMaxMapSide);
    r.method_map = PooledMap(n, kMaxMapSide);
    r.diff_map = PooledMap(n, kMaxMapSide);
    r.reach_map = PooledMap(n, kMaxMapSide);
    std::vector<std::vector<std::int32_t>> truth;
    for (int first = 0; first < n; first += kReferenceBlockRows) {
        if (stop.stop_requested()) return std::nullopt;
        const int rows = std::min(kReferenceBlockRows, n - first);
        const DenseTrace<double> block =
            reformer_full_attention_rows<double>(r.sequence.k, r.sequence.v, r.params.config.causal, first, rows);
        auto block_truth = top_k_by_weight(block.probabilities, r.recall_k);
        compare_block(r, block, first, block_truth);
        std::move(block_truth.begin(), block_truth.end(), std::back_inserter(truth));
    }
    r.map_scale = std::max(r.full_map.max_value(), r.method_map.max_value());
    r.map_rgba[0] = r.full_map.sqrt_colours(r.map_scale);
    r.map_rgba[1] = r.method_map.sqrt_colours(r.map_scale);
    r.map_rgba[2] = r.diff_map.sqrt_colours(r.map_scale);
    r.map_rgba[3] = r.reach_map.mask_colours(kReachedColour, kUnreachedColour);
    r.mean_recall = mean_of(r.recall);
    r.mean_mass = mean_of(r.mass);
    r.mean_rel_error = mean_of(r.rel_error);
    return truth;
}

}  // namespace

SceneParams effective_scene(const SceneParams& requested) {
    SceneParams p = requested;
    if (!p.data) return p;
    p.toy.n = int(p.data->k.rows());
    p.toy.d = int(p.data->k.cols());
    p.toy.dv = int(p.data->v.cols());
    // A model's prompt has any length, and Reformer's chunks must tile rounds x n: the chunk used
    // (and shown) is the largest divisor of rounds x n not above the chosen one.
    const int slots = p.config.n_hashes * p.toy.n;
    while (p.config.chunk > 1 && slots % p.config.chunk != 0) --p.config.chunk;
    return p;
}

void check_scene(const SceneParams& p) {
    if (!p.data) check_toy_params(p.toy);
    check_reformer_config(p.config);
    if (p.simhash_bits < 1 || p.simhash_bits > 64)
        throw InputError("bits must be in 1..64, got " + std::to_string(p.simhash_bits));
    if (p.top_k < 1) throw InputError("top-k must be at least 1, got " + std::to_string(p.top_k));
    if ((std::int64_t(p.config.n_hashes) * p.toy.n) % p.config.chunk != 0 && p.toy.n > p.config.chunk)
        throw InputError("chunk " + std::to_string(p.config.chunk) + " must divide rounds x n = " +
                         std::to_string(p.config.n_hashes * p.toy.n));
}

SceneResult compute_scene(const SceneParams& requested, std::stop_token stop, std::atomic<int>* step,
                          ReformerTrace<double> reuse) {
    const auto start = std::chrono::steady_clock::now();
    const auto at = [&](int s) {
        if (step) step->store(s);
        return stop.stop_requested();
    };
    SceneResult r;
    r.params = effective_scene(requested);
    const SceneParams& params = r.params;
    check_scene(params);
    if (at(0)) return {};
    r.sequence = params.data ? *params.data : make_toy_sequence(params.toy);
    if (at(1)) return {};
    const auto rotations = random_rotations<double>(params.toy.d, params.config, params.hash_seed);
    r.trace = std::move(reuse);
    reformer_attention<double>(r.sequence.k, r.sequence.v, rotations, params.config, r.trace);
    if (params.target == ComputeTarget::gpu) r.gpu = run_on_gpu(r.sequence.k, r.sequence.v, rotations, params.config);
    for (const auto& round : r.trace.buckets)
        r.loads.push_back(bucket_load(std::span<const std::int32_t>(round), params.config.n_buckets));
    r.token_grid = token_grid(r.trace.buckets, params.config.n_buckets, r.sequence.labels);
    r.codes = simhash_codes(r.sequence.k, random_planes<double>(params.toy.d, params.simhash_bits, params.hash_seed));
    r.angles = angle_collisions(r.sequence.k, r.codes, kAngleBins, kAnglePairs, params.hash_seed);
    switch (params.method) {
        case Method::dense: r.reaches_all = true; break;
        case Method::reformer: r.reached = reformer_reached_keys(r.trace); break;
        case Method::simhash_topk: r.reached = simhash_top_k(r.codes, params.top_k, params.config.causal); break;
    }
    if (at(2)) return {};
    r.recall_k = std::min(params.top_k, r.trace.n);
    const auto truth = compare_with_full(r, stop);
    if (!truth || at(3)) return {};
    for (const auto& round : r.trace.buckets)
        r.collisions.push_back(collision_stats(std::span<const std::int32_t>(round), params.config.n_buckets, *truth));
    if (at(4)) return {};
    r.projection = pca_2d(r.sequence.k, false);
    const double energy = r.sequence.k.squaredNorm() / double(r.sequence.k.rows());
    r.plane_share = energy > 0.0 ? (r.projection.variance[0] + r.projection.variance[1]) / energy : 0.0;
    for (const auto& rotation : rotations) r.round_directions.push_back(project_directions(r.projection, rotation));
    MemoryShape shape;
    shape.d = std::size_t(params.toy.d);
    shape.dv = std::size_t(params.toy.dv);
    shape.reformer = params.config;
    shape.simhash_bits = params.simhash_bits;
    shape.top_k = params.top_k;
    r.memory = method_memory(params.method, std::size_t(params.toy.n), shape);
    r.dense_memory = method_memory(Method::dense, std::size_t(params.toy.n), shape);
    r.sweep = memory_sweep(shape);
    at(5);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace hashscope::gui
