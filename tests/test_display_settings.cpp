// The app's entry in imgui.ini round-trips through ImGui's own reader and writer (an ImGui context
// needs no window), and out-of-range values are clamped.
#include <gtest/gtest.h>
#include <imgui.h>

#include <string>

#include "app/gui/app_state.hpp"
#include "app/gui/display_settings.hpp"

namespace hashscope::gui {
namespace {

SceneParams tiny() {
    SceneParams p = default_scene();
    p.toy.n = 64;
    p.toy.d = 8;
    return p;
}

TEST(DisplaySettings, ReadsAndWritesTheHashscopeEntry) {
    AppState state(tiny());
    ImGui::CreateContext();
    register_display_settings(state);
    ImGui::LoadIniSettingsFromMemory("[hashscope][display]\nfont_scale=2.50\nspeed=0.50\n\n");
    EXPECT_FLOAT_EQ(state.display.font_scale, 2.5f);
    EXPECT_DOUBLE_EQ(state.playback.speed, 0.5);
    state.display.font_scale = 1.25f;
    const std::string ini = ImGui::SaveIniSettingsToMemory();
    EXPECT_NE(ini.find("[hashscope][display]\nfont_scale=1.25\nspeed=0.50\n"), std::string::npos) << ini;
    ImGui::LoadIniSettingsFromMemory("[hashscope][display]\nfont_scale=9\nspeed=0\n");
    EXPECT_FLOAT_EQ(state.display.font_scale, 3.0f);
    EXPECT_DOUBLE_EQ(state.playback.speed, 0.1);
    ImGui::DestroyContext();
}

}  // namespace
}  // namespace hashscope::gui
