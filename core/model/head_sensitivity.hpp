// How much each attention head matters when it is hashed: the per-head sensitivity map (Δ mean
// next-token loss on a text when that one head runs the hash method and every other head stays
// dense) and the swap curve (the loss as heads are swapped cumulatively, least sensitive first) —
// the test of the claim that most heads can be replaced. One forward pass per head plus one per
// curve point; `progress` reports passes done, so a view can run it off the UI thread.
#pragma once

#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "core/model/head_swap.hpp"

namespace hashscope {

struct SwapCurvePoint {
    int heads_swapped = 0;
    double fraction = 0;  // of the candidate heads
    double loss = 0;
};

struct SensitivityTrace {
    double loss_dense = 0;
    std::vector<std::pair<int, int>> heads;  // candidate (layer, head) pairs
    std::vector<double> delta_loss;          // per candidate: loss with it alone swapped - loss_dense
    std::vector<std::pair<int, int>> order;  // candidates, least sensitive first (the curve's order)
    std::vector<SwapCurvePoint> curve;       // from 0 heads swapped to all candidates
};

// Candidates are the heads `swap` selects; the curve has `curve_points` points spread evenly from
// none to all of them (every count when curve_points <= 0).
template <class T>
SensitivityTrace head_sensitivity(const ModelWeights& model, std::span<const int> tokens, const HeadSwap& swap,
                                  int curve_points = 0, const std::function<void(int done, int total)>& progress = {});

}  // namespace hashscope
