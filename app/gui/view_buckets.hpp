// Buckets per round: the n tokens as a grid coloured by bucket, and the bucket load histogram.
#pragma once

#include "app/gui/view.hpp"

namespace hashscope::gui {

class BucketsView final : public View {
public:
    BucketsView() : View("Buckets") {}
    void draw(AppState& state) override;
};

}  // namespace hashscope::gui
