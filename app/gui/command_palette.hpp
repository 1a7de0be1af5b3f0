// Ctrl+Shift+P: every action (actions.hpp) by name, filtered as you type (fuzzy_match.hpp); Up/Down
// choose, Enter runs, Escape closes.
#pragma once

#include <vector>

#include "app/gui/actions.hpp"

namespace hashscope::gui {

class CommandPalette {
public:
    void open() { opening_ = true; }
    void draw(const std::vector<Action>& actions, AppState& state);

private:
    bool opening_ = false;
    char filter_[128] = {};
    int selected_ = 0;
};

}  // namespace hashscope::gui
