#include "app/gui/command_palette.hpp"

#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>

#include "app/gui/fuzzy_match.hpp"

namespace hashscope::gui {

void CommandPalette::draw(const std::vector<Action>& actions, AppState& state) {
    constexpr const char* kId = "Command palette";
    if (opening_) {
        ImGui::OpenPopup(kId);
        filter_[0] = '\0';
        selected_ = 0;
    }
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    const float width = std::min(viewport->WorkSize.x * 0.9f, ImGui::GetFontSize() * 36.0f);
    ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + (viewport->WorkSize.x - width) * 0.5f, viewport->WorkPos.y + 40.0f));
    ImGui::SetNextWindowSize(ImVec2(width, 0.0f));
    if (!ImGui::BeginPopup(kId)) {
        opening_ = false;
        return;
    }
    if (opening_) ImGui::SetKeyboardFocusHere();
    opening_ = false;
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::InputTextWithHint("##filter", "type to filter actions", filter_, sizeof filter_)) selected_ = 0;

    std::vector<const Action*> shown;
    for (const Action& action : actions)
        if ((!action.enabled || action.enabled(state)) && fuzzy_match(filter_, action.name)) shown.push_back(&action);
    const int count = int(shown.size());
    if (ImGui::IsKeyPressed(GLFW_KEY_DOWN)) selected_ = std::min(selected_ + 1, count - 1);
    if (ImGui::IsKeyPressed(GLFW_KEY_UP)) selected_ = std::max(selected_ - 1, 0);
    const Action* run = nullptr;
    if (ImGui::IsKeyPressed(GLFW_KEY_ENTER) && selected_ < count) run = shown[std::size_t(selected_)];

    ImGui::BeginChild("actions", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * float(std::min(count, 12) + 1)));
    for (int i = 0; i < count; ++i) {
        const Action& action = *shown[std::size_t(i)];
        const std::string label = action.menu + ": " + action.name;
        if (ImGui::Selectable(label.c_str(), i == selected_)) run = &action;
        if (i == selected_) ImGui::SetScrollHereY();
        const std::string key = action.shortcut.text();
        if (!key.empty()) {
            ImGui::SameLine(ImGui::GetContentRegionMax().x - ImGui::CalcTextSize(key.c_str()).x);
            ImGui::TextDisabled("%s", key.c_str());
        }
    }
    if (count == 0) ImGui::TextDisabled("no action matches");
    ImGui::EndChild();
    if (run || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    if (run) run->run(state);
}

}  // namespace hashscope::gui
