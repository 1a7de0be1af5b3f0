// Memory vs dense: the bytes of the current run's structures beside the dense score matrix at the
// same n, and a sweep n = 1K..1M on log axes for each method (core/metrics' accounting).
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class MemoryView final : public View {
public:
    MemoryView() : View("Memory") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
