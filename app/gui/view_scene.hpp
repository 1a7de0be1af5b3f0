// Scene controls: the data source and its parameters, the method and its hashing parameters, the
// animation (play / pause / step / speed) and the presenter font scale. Any change requests a
// recompute on AppState's worker; the other views keep the last result until it lands.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class SceneView final : public View {
public:
    SceneView() : View("Scene") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
