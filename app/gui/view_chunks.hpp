// Chunks: the n x n reach matrix in original positions (query rows, key columns), a cell lit when
// the query attends to the key in some round, with one selected query row.
#pragma once

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class ChunksView final : public View {
public:
    ChunksView() : View("Chunks") {}
    void draw(AppState& state) override;

private:
    plot::Texture reach_;
    int query_ = -1;  // -1: the middle of the sequence, chosen on the first draw
};

}  // namespace hashscope::gui
