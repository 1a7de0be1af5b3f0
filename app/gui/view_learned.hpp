// Learned codes (HashAttention) beside SimHash at equal bits: train on the scene's Q/K, watch the
// loss fall, and see why learned codes win: the Hamming distances of each query's true top-k keys
// against the rest, recall vs sparsity, and the bits of one query and the keys each method picks.
// The training and the measurements run in AppState::learned (app/gui/learned_lab.hpp).
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class LearnedView final : public View {
public:
    LearnedView() : View("Learned codes") {}
    void draw(AppState& state) override;

private:
    int metric_ = 0;  // sparsity plot: 0 recall@k, 1 attention mass, 2 output error
    int query_ = 0;   // the bit matrix's query when none is hovered
};

}  // namespace hashscope::gui
