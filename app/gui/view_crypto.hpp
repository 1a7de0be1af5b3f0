// Crypto buckets (issue 6's view): the news piece's method over the scene's keys. A token's digest
// as bits with the b bits kept, the tokens coloured by bucket, bucket loads against the
// balls-into-bins expectation with the collision and empty-query counters, the adversarial search
// live, and the piece's memory claims beside hashscope's figures. All figures come from
// AppState::crypto (its worker); the view only draws them.
#pragma once

#include <cstdint>
#include <vector>

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class CryptoView final : public View {
public:
    CryptoView() : View("Crypto buckets") {}
    void draw(AppState& state) override;

private:
    void controls(AppState& state);
    void buckets_page(AppState& state);
    void attack_page(AppState& state);
    void claims_page(AppState& state);

    std::vector<plot::Texture> grids_;  // per round: the token grid as one image
    const void* grids_of_ = nullptr;    // the analysis the textures show
    std::uint64_t grid_version_ = 0;    // bumped when it changes, for plot::Texture
    int selected_ = 0;                  // token shown when none is hovered (click a token to pick it)
    int round_ = 0;                     // round shown in the grid
    int shown_page_ = -1;               // the page in front as of the last frame
};

}  // namespace hashscope::gui
