#include "app/gui/display_settings.hpp"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace hashscope::gui {

namespace {

AppState& state_of(ImGuiSettingsHandler* handler) { return *static_cast<AppState*>(handler->UserData); }

void* read_open(ImGuiContext*, ImGuiSettingsHandler* handler, const char* name) {
    return std::string_view(name) == "display" ? handler->UserData : nullptr;
}

void read_line(ImGuiContext*, ImGuiSettingsHandler* handler, void*, const char* line) {
    AppState& state = state_of(handler);
    float value = 0.0f;
    if (std::sscanf(line, "font_scale=%f", &value) == 1) state.display.font_scale = std::clamp(value, 1.0f, 3.0f);
    if (std::sscanf(line, "speed=%f", &value) == 1) state.playback.speed = std::clamp(double(value), 0.1, 4.0);
}

void write_all(ImGuiContext*, ImGuiSettingsHandler* handler, ImGuiTextBuffer* out) {
    const AppState& state = state_of(handler);
    out->appendf("[%s][display]\nfont_scale=%.2f\nspeed=%.2f\n\n", handler->TypeName, double(state.display.font_scale),
                 state.playback.speed);
}

}  // namespace

void register_display_settings(AppState& state) {
    ImGuiSettingsHandler handler;
    handler.TypeName = "hashscope";
    handler.TypeHash = ImHashStr("hashscope");
    handler.ReadOpenFn = read_open;
    handler.ReadLineFn = read_line;
    handler.WriteAllFn = write_all;
    handler.UserData = &state;
    ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
}

void mark_display_settings_dirty() { ImGui::MarkIniSettingsDirty(); }

}  // namespace hashscope::gui
