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

    // Regenerates the sequence (if its parameters changed) and the trace, synchronously.
    void recompute();

private:
    ToySequence sequence_;
    ToyParams sequence_params_;
    bool have_sequence_ = false;
    ReformerTrace<double> trace_;
    std::vector<std::vector<std::int32_t>> reached_keys_;
    std::string error_;
};

}  // namespace hashscope::gui
