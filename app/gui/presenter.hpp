// Presenter mode's look: the dark theme or a high-contrast one that survives a projector (black
// ground, white text, bright accents, visible borders), and a ring around the pointer so a class
// can follow it.
#pragma once

namespace hashscope::gui {

// Resets ImGui's style to the theme, sized for the monitor's content scale.
void apply_theme(bool projector, float content_scale);
// Draws the ring over everything at the pointer (when the pointer is in the window).
void draw_cursor_ring();

}  // namespace hashscope::gui
