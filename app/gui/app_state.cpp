#include "app/gui/app_state.hpp"

#include <exception>
#include <utility>

#include "core/metrics.hpp"

namespace hashscope::gui {

namespace {
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
        reached_keys_ = reformer_reached_keys(trace);
        trace_ = std::move(trace);
        error_.clear();
    } catch (const std::exception& e) {
        error_ = e.what();
    }
}

}  // namespace hashscope::gui
