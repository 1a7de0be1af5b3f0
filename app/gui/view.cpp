#include "app/gui/view.hpp"

#include <imgui.h>

namespace hashscope::gui {

void View::stage_chips(const AppState& state, std::initializer_list<Stage> stages) {
    const Stage now = state.playback.stage();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 pad(6.0f, 2.0f);
    for (const Stage stage : stages) {
        const char* name = stage_name(stage);
        const ImVec2 size = ImGui::CalcTextSize(name);
        const ImVec2 o = ImGui::GetCursorScreenPos();
        const ImVec2 end(o.x + size.x + 2.0f * pad.x, o.y + size.y + 2.0f * pad.y);
        const bool lit = stage == now;
        draw->AddRectFilled(o, end, lit ? IM_COL32(255, 200, 60, 255) : IM_COL32(55, 55, 66, 255), 4.0f);
        draw->AddText(ImVec2(o.x + pad.x, o.y + pad.y), lit ? IM_COL32(20, 20, 20, 255) : IM_COL32(170, 170, 180, 255),
                      name);
        ImGui::Dummy(ImVec2(end.x - o.x, end.y - o.y));
        ImGui::SameLine();
    }
    ImGui::TextDisabled("stage now: %s", stage_name(now));
}

}  // namespace hashscope::gui
