// Scene controls: the Reformer parameters and the seed; a change recomputes the trace.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class SceneView final : public View {
public:
    SceneView() : View("Scene") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
