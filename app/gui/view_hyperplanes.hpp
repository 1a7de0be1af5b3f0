// Vectors & hyperplanes: the keys on their principal plane (PCA, uncentred), the current round's
// rotation directions as lines, the argmax sectors of the hash shaded in bucket colours, points
// coloured by bucket; the picture turns from round to round with the animation clock.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class HyperplanesView final : public View {
public:
    HyperplanesView() : View("Hyperplanes") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
