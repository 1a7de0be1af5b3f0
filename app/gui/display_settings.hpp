// The app's own lines in imgui.ini (a "[hashscope][display]" entry beside ImGui's windows): the
// presenter font scale and the animation speed, so a presenter's setup survives a restart.
#pragma once

#include "app/gui/app_state.hpp"

namespace hashscope::gui {

// Registers the handler with the current ImGui context; call after CreateContext and before the
// first NewFrame (which reads the file). `state` must outlive the context.
void register_display_settings(AppState& state);
// Tells ImGui the entry changed, so it is written at the next save.
void mark_display_settings_dirty();

}  // namespace hashscope::gui
