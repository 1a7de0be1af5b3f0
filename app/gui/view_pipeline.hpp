// Pipeline: the stages hash -> sort -> chunk -> attend -> unsort -> combine as a strip, the one on
// show highlighted with its progress; clicking a stage jumps the animation there.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class PipelineView final : public View {
public:
    PipelineView() : View("Pipeline") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
