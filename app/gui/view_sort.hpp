// Sort order: the H * n slots in concatenated order (round, position) above the same slots in
// sorted order, each coloured by its bucket, with a line from each slot to where the sort puts it
// and the chunk boundaries of the sorted order.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class SortView final : public View {
public:
    SortView() : View("Sort order") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
