// The one shared state of the desktop app: the toy sequence, the Reformer parameters and the trace
// computed from them. No GL here, so it can be built and tested headless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/reformer_attention.hpp"
#include "core/toy_sequences.hpp"

namespace hashscope::gui {

class AppState {
public:
    AppState();

    ToyParams toy;                 // clusters, n 256, d 64, 4 clusters
    ReformerConfig config;         // 4 rounds, 16 buckets, chunk 32
    std::uint64_t rotation_seed = 1;

    const ToySequence& sequence() const { return sequence_; }
    const ReformerTrace<double>& trace() const { return trace_; }
    // Empty when the last recompute succeeded; else the one-line reason (the old trace is kept).
    const std::string& error() const { return error_; }
    // Per query position, the sorted key positions it reaches in some round (reformer_reached_keys),
    // recomputed with the trace.
    const std::vector<std::vector<std::int32_t>>& reached_keys() const { return reached_keys_; }

    // Dense vs hashed comparison, recomputed with the trace. Matrices are n x n row-major
    // (query rows, key columns): the full softmax probabilities, the "hashed" approximation (full
    // probabilities restricted to reached keys, renormalised per row) and |full - hashed|.
    struct Comparison {
        int n = 0;
        int top_k = 0;                        // k of recall@k, min(32, n)
        std::vector<float> full, hashed, diff;
        float max_value = 0.0f;               // max over full and hashed
        std::vector<double> recall;           // per query: recall@k of reached keys vs full top-k
        std::vector<double> mass;             // per query: full probability mass on reached keys
        std::vector<double> rel_error;        // per query: ||trace out - full out|| / ||full out||
        double mean_recall = 0.0, mean_mass = 0.0, mean_rel_error = 0.0;
    };
    const Comparison& comparison() const { return comparison_; }

    // Regenerates the sequence (if its parameters changed) and the trace, synchronously.
    void recompute();

private:
    ToySequence sequence_;
    ToyParams sequence_params_;
    bool have_sequence_ = false;
    ReformerTrace<double> trace_;
    std::vector<std::vector<std::int32_t>> reached_keys_;
    Comparison comparison_;
    std::string error_;
};

}  // namespace hashscope::gui
