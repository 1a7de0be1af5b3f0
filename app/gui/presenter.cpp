#include "app/gui/presenter.hpp"

#include <imgui.h>

namespace hashscope::gui {

void apply_theme(bool projector, float content_scale) {
    ImGuiStyle& style = ImGui::GetStyle();
    style = ImGuiStyle();
    ImGui::StyleColorsDark(&style);
    if (projector) {
        ImVec4* c = style.Colors;
        const ImVec4 white(1, 1, 1, 1), black(0, 0, 0, 1), accent(1.0f, 0.84f, 0.0f, 1.0f), blue(0.20f, 0.55f, 1.0f, 1.0f);
        c[ImGuiCol_Text] = white;
        c[ImGuiCol_TextDisabled] = ImVec4(0.82f, 0.82f, 0.82f, 1);
        c[ImGuiCol_WindowBg] = black;  // child windows stay transparent over it
        c[ImGuiCol_PopupBg] = ImVec4(0.06f, 0.06f, 0.06f, 1);
        c[ImGuiCol_Border] = ImVec4(0.85f, 0.85f, 0.85f, 1);
        c[ImGuiCol_FrameBg] = ImVec4(0.16f, 0.16f, 0.20f, 1);
        c[ImGuiCol_FrameBgHovered] = ImVec4(0.28f, 0.28f, 0.36f, 1);
        c[ImGuiCol_FrameBgActive] = ImVec4(0.36f, 0.36f, 0.46f, 1);
        c[ImGuiCol_TitleBg] = c[ImGuiCol_TitleBgCollapsed] = ImVec4(0.10f, 0.10f, 0.10f, 1);
        c[ImGuiCol_TitleBgActive] = ImVec4(0.05f, 0.25f, 0.60f, 1);
        c[ImGuiCol_MenuBarBg] = ImVec4(0.10f, 0.10f, 0.10f, 1);
        c[ImGuiCol_Button] = ImVec4(0.05f, 0.30f, 0.70f, 1);
        c[ImGuiCol_ButtonHovered] = c[ImGuiCol_HeaderHovered] = c[ImGuiCol_TabHovered] = blue;
        c[ImGuiCol_ButtonActive] = c[ImGuiCol_HeaderActive] = accent;
        c[ImGuiCol_Header] = ImVec4(0.05f, 0.30f, 0.70f, 1);
        c[ImGuiCol_Tab] = ImVec4(0.14f, 0.14f, 0.18f, 1);
        c[ImGuiCol_TabActive] = c[ImGuiCol_TabUnfocusedActive] = ImVec4(0.05f, 0.35f, 0.80f, 1);
        c[ImGuiCol_CheckMark] = c[ImGuiCol_SliderGrab] = c[ImGuiCol_SliderGrabActive] = accent;
        c[ImGuiCol_PlotHistogram] = c[ImGuiCol_PlotLines] = accent;
        c[ImGuiCol_Separator] = ImVec4(0.7f, 0.7f, 0.7f, 1);
        style.WindowBorderSize = 2.0f;
        style.FrameBorderSize = 1.0f;
        style.TabBorderSize = 1.0f;
    }
    style.ScaleAllSizes(content_scale);
}

void draw_cursor_ring() {
    const ImGuiIO& io = ImGui::GetIO();
    if (!ImGui::IsMousePosValid(&io.MousePos)) return;
    ImDrawList* draw = ImGui::GetForegroundDrawList();
    const float r = ImGui::GetFontSize() * 1.4f;
    draw->AddCircleFilled(io.MousePos, r, IM_COL32(255, 215, 0, 60), 40);
    draw->AddCircle(io.MousePos, r, IM_COL32(255, 215, 0, 230), 40, 3.0f);
}

}  // namespace hashscope::gui
