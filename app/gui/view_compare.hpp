// Compare: dense (full) attention vs the hashed approximation (full probabilities restricted to the
// keys each query reaches, renormalised), their difference, and recall / mass / error figures.
#pragma once

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class CompareView final : public View {
public:
    CompareView() : View("Compare") {}
    void draw(AppState& state) override;

private:
    plot::Texture maps_[3];  // full, method, |difference|
    int metric_ = 0;          // per-query plot: 0 mass, 1 recall, 2 relative error
};

}  // namespace hashscope::gui
