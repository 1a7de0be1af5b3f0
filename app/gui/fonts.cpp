#include "app/gui/fonts.hpp"

#include <imgui.h>

#include <cmath>
#include <filesystem>

namespace hashscope::gui {

namespace {

constexpr const char* kFontDir = "/usr/share/fonts/truetype/dejavu/";

FontSet g_fonts;

// Latin-1 plus what lessons write: Greek (θ, π), dashes and bullets, superscripts (2¹⁶), arrows,
// maths (≥, ≈, −, ×), geometric shapes (▶) and check marks (✓, ✗).
const ImWchar* glyph_ranges() {
    static const ImWchar ranges[] = {
        0x0020, 0x00FF, 0x0370, 0x03FF, 0x2000, 0x209F, 0x2190, 0x21FF,
        0x2200, 0x22FF, 0x25A0, 0x25FF, 0x2713, 0x2717, 0,
    };
    return ranges;
}

ImFont* add(const char* file, float size) {
    const std::string path = std::string(kFontDir) + file;
    ImGuiIO& io = ImGui::GetIO();
    if (!std::filesystem::exists(path)) return nullptr;
    // Glyphs at whole pixels, one texel per pixel: the atlas can then be sampled without filtering,
    // which halves the cost of every textured pixel in Mesa's software rasteriser.
    ImFontConfig config;
    config.OversampleH = 1;
    config.OversampleV = 1;
    config.PixelSnapH = true;
    return io.Fonts->AddFontFromFileTTF(path.c_str(), size, &config, glyph_ranges());
}

}  // namespace

void build_fonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    // The atlas is sampled without filtering (see add()), so thin lines cannot come from its baked,
    // filter-dependent line textures: ImGui draws them as antialiased geometry instead.
    io.Fonts->Flags |= ImFontAtlasFlags_NoBakedLines;
    const float size = std::round(kFontSize * scale);
    g_fonts.body = add("DejaVuSans.ttf", size);
    if (!g_fonts.body) g_fonts.body = io.Fonts->AddFontDefault();  // the first font added is ImGui's default
    g_fonts.bold = add("DejaVuSans-Bold.ttf", size);
    g_fonts.italic = add("DejaVuSans-Oblique.ttf", size);
    g_fonts.mono = add("DejaVuSansMono.ttf", size);
    g_fonts.title = add("DejaVuSans-Bold.ttf", std::round(size * 1.35f));
    if (!g_fonts.bold) g_fonts.bold = g_fonts.body;
    if (!g_fonts.italic) g_fonts.italic = g_fonts.body;
    if (!g_fonts.mono) g_fonts.mono = g_fonts.body;
    if (!g_fonts.title) g_fonts.title = g_fonts.bold;
    io.Fonts->Build();
}

const FontSet& fonts() { return g_fonts; }

}  // namespace hashscope::gui
