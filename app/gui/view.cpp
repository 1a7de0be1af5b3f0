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

void View::reformer_only_note(const AppState& state) {
    const char* why = nullptr;
    switch (state.result().params.method) {
        case Method::reformer: return;
        case Method::dense: why = "Method is dense attention, which hashes nothing: shown is Reformer's hashing of the "
                                  "same keys, to compare."; break;
        case Method::simhash_topk:
            why = "Method is SimHash top-k, which ranks every key by the Hamming distance of its signature: no "
                  "rotations, buckets, sort or chunks. Shown is Reformer's hashing of the same keys, to compare; a "
                  "key's SimHash bits are in its tooltip in Vectors & hyperplanes.";
            break;
    }
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 200, 90, 255));
    ImGui::TextWrapped("%s", why);
    ImGui::PopStyleColor();
}

void View::gpu_comparison_line(const GpuComparison& c) {
    const bool agree = c.ran && c.mismatches == 0;
    ImGui::PushStyleColor(ImGuiCol_Text, agree ? IM_COL32(120, 220, 140, 255) : IM_COL32(255, 200, 90, 255));
    ImGui::TextWrapped("%s", c.message.c_str());
    ImGui::PopStyleColor();
}

}  // namespace hashscope::gui
