#include "app/gui/app_state.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <utility>

#include "core/metrics.hpp"

namespace hashscope::gui {

namespace {
AppState::Comparison compare(const ReformerTrace<double>& trace,
                             const std::vector<std::vector<std::int32_t>>& reached, const ToySequence& seq,
                             bool causal) {
    const DenseTrace<double> full = reformer_full_attention<double>(seq.k, seq.v, causal);
    AppState::Comparison c;
    const int n = int(full.probabilities.rows());
    c.n = n;
    c.top_k = std::min(32, n);
    const std::size_t nn = std::size_t(n) * std::size_t(n);
    c.full.assign(nn, 0.0f);
    c.hashed.assign(nn, 0.0f);
    c.diff.assign(nn, 0.0f);
    const auto truth = top_k_by_weight(full.probabilities, c.top_k);
    for (int q = 0; q < n; ++q) {
        const auto& keys = reached[std::size_t(q)];
        const std::size_t row = std::size_t(q) * std::size_t(n);
        double mass = 0.0;
        for (const std::int32_t key : keys) mass += full.probabilities(q, key);
        for (int j = 0; j < n; ++j) c.full[row + std::size_t(j)] = float(full.probabilities(q, j));
        if (mass > 0.0)
            for (const std::int32_t key : keys)
                c.hashed[row + std::size_t(key)] = float(full.probabilities(q, key) / mass);
        for (int j = 0; j < n; ++j) {
            const std::size_t at = row + std::size_t(j);
            c.diff[at] = std::abs(c.full[at] - c.hashed[at]);
            c.max_value = std::max({c.max_value, c.full[at], c.hashed[at]});
        }
        c.mass.push_back(mass);
        c.recall.push_back(recall_at_k({truth[std::size_t(q)]}, {keys}));
        const Matrix<double> a = trace.output.row(q), e = full.output.row(q);
        c.rel_error.push_back(relative_l2_error(a, e));
    }
    const auto mean = [](const std::vector<double>& xs) {
        return xs.empty() ? 0.0 : std::accumulate(xs.begin(), xs.end(), 0.0) / double(xs.size());
    };
    c.mean_recall = mean(c.recall);
    c.mean_mass = mean(c.mass);
    c.mean_rel_error = mean(c.rel_error);
    return c;
}

bool same_toy(const ToyParams& a, const ToyParams& b) {
    return a.kind == b.kind && a.n == b.n && a.d == b.d && a.dv == b.dv && a.clusters == b.clusters &&
           a.spread == b.spread && a.seed == b.seed && a.vocab == b.vocab && a.needle_position == b.needle_position &&
           a.needle_strength == b.needle_strength && a.mean_scale == b.mean_scale &&
           a.outlier_dims == b.outlier_dims && a.outlier_scale == b.outlier_scale;
}
}  // namespace

AppState::AppState() {
    toy.kind = ToyKind::clusters;
    toy.n = 256;
    toy.d = 64;
    toy.dv = 64;
    toy.clusters = 4;
    config.n_hashes = 4;
    config.n_buckets = 16;
    config.chunk = 32;
    recompute();
}

void AppState::recompute() {
    try {
        check_toy_params(toy);
        check_reformer_config(config);
        if (!have_sequence_ || !same_toy(toy, sequence_params_)) {
            sequence_ = make_toy_sequence(toy);
            sequence_params_ = toy;
            have_sequence_ = true;
        }
        // Reformer shares queries and keys: hash and attend over the keys.
        const auto rotations = random_rotations<double>(toy.d, config, rotation_seed);
        auto trace = reformer_attention<double>(sequence_.k, sequence_.v, rotations, config);
        auto reached = reformer_reached_keys(trace);
        comparison_ = compare(trace, reached, sequence_, config.causal);
        reached_keys_ = std::move(reached);
        trace_ = std::move(trace);
        error_.clear();
    } catch (const std::exception& e) {
        error_ = e.what();
    }
}

}  // namespace hashscope::gui
