// A panel of the desktop app: draws itself from (and edits) the shared AppState.
#pragma once

#include <string>
#include <utility>

#include "app/gui/app_state.hpp"

namespace hashscope::gui {

class View {
public:
    explicit View(std::string name) : name_(std::move(name)) {}
    virtual ~View() = default;
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    const std::string& name() const { return name_; }
    // Draws the contents of the ImGui window the caller has already begun.
    virtual void draw(AppState& state) = 0;

private:
    std::string name_;
};

}  // namespace hashscope::gui
