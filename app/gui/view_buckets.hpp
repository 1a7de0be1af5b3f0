// Buckets per round: the n tokens as a grid coloured by bucket, and the bucket load histogram.
#pragma once

#include <vector>

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class BucketsView final : public View {
public:
    BucketsView() : View("Buckets") {}
    void draw(AppState& state) override;

private:
    std::vector<plot::Texture> grids_;  // per round: the token grid as one image
};

}  // namespace hashscope::gui
