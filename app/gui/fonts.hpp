// The app's fonts (DejaVu, from fonts-dejavu-core): body text, bold, italic, monospace for code, and a
// larger bold for titles, all rasterised at the presenter scale so text stays sharp at 1-3x.
#pragma once

struct ImFont;

namespace hashscope::gui {

struct FontSet {
    ImFont* body = nullptr;
    ImFont* bold = nullptr;
    ImFont* italic = nullptr;
    ImFont* mono = nullptr;
    ImFont* title = nullptr;
};

inline constexpr float kFontSize = 16.0f;

// Rebuilds ImGui's atlas at kFontSize x `scale` (the caller recreates the backend's texture). The
// glyphs cover Latin, Greek, arrows, maths operators and the check marks lessons use.
void build_fonts(float scale);
const FontSet& fonts();

}  // namespace hashscope::gui
