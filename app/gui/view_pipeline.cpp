#include "app/gui/view_pipeline.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace hashscope::gui {

namespace {

// What each stage amounts to in the scene on show, under its box.
std::string stage_figure(const SceneResult& r, Stage stage) {
    const auto& c = r.trace.config;
    char text[96];
    switch (stage) {
        case Stage::hash: std::snprintf(text, sizeof text, "%d rounds x %d buckets", c.n_hashes, c.n_buckets); break;
        case Stage::sort: std::snprintf(text, sizeof text, "%zu slots", r.trace.sorted_to_concat.size()); break;
        case Stage::chunk: std::snprintf(text, sizeof text, "%d chunks of %d", r.trace.num_chunks(), c.chunk); break;
        case Stage::attend: {
            double keys = 0.0;
            for (const auto& row : r.reached) keys += double(row.size());
            std::snprintf(text, sizeof text, "%.0f keys / query",
                          r.reaches_all ? double(r.trace.n) : keys / double(std::max<std::size_t>(r.reached.size(), 1)));
            break;
        }
        case Stage::unsort: std::snprintf(text, sizeof text, "%d x %d outputs", c.n_hashes, r.trace.n); break;
        case Stage::combine: std::snprintf(text, sizeof text, "rel. error %.3f", r.mean_rel_error); break;
    }
    return text;
}

}  // namespace

void PipelineView::draw(AppState& state) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeight();
    const float avail = ImGui::GetContentRegionAvail().x;
    const float arrow = 18.0f;
    const float box_w = std::max((avail - arrow * float(kStages - 1)) / float(kStages), 40.0f);
    const float box_h = line * 2.2f;
    const Stage now = state.playback.stage();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    for (int s = 0; s < kStages; ++s) {
        const Stage stage = kAllStages[std::size_t(s)];
        const bool lit = stage == now;
        const ImVec2 a(o.x + float(s) * (box_w + arrow), o.y), b(a.x + box_w, a.y + box_h);
        draw->AddRectFilled(a, b, lit ? IM_COL32(255, 200, 60, 255) : IM_COL32(50, 52, 64, 255), 6.0f);
        if (lit)
            draw->AddRectFilled(ImVec2(a.x + 4.0f, b.y - 5.0f),
                                ImVec2(a.x + 4.0f + (box_w - 8.0f) * float(state.playback.stage_progress()), b.y - 2.0f),
                                IM_COL32(30, 30, 30, 255), 1.5f);
        const char* name = stage_name(stage);
        const ImVec2 size = ImGui::CalcTextSize(name);
        draw->AddText(ImVec2(a.x + (box_w - size.x) * 0.5f, a.y + (box_h - size.y) * 0.5f - 1.0f),
                      lit ? IM_COL32(20, 20, 20, 255) : IM_COL32(210, 210, 220, 255), name);
        if (s + 1 < kStages) {
            const float mid = a.y + box_h * 0.5f, x = b.x + 3.0f;
            draw->AddTriangleFilled(ImVec2(x, mid - 6.0f), ImVec2(x, mid + 6.0f), ImVec2(x + arrow - 6.0f, mid),
                                    IM_COL32(150, 150, 160, 255));
        }
        const std::string figure = stage_figure(state.result(), stage);
        const float fw = ImGui::CalcTextSize(figure.c_str()).x;
        draw->PushClipRect(ImVec2(a.x, b.y), ImVec2(b.x, b.y + line * 1.4f), true);
        draw->AddText(ImVec2(a.x + std::max((box_w - fw) * 0.5f, 2.0f), b.y + 2.0f), IM_COL32(170, 170, 180, 255),
                      figure.c_str());
        draw->PopClipRect();
        ImGui::SetCursorScreenPos(a);
        ImGui::PushID(s);
        if (ImGui::InvisibleButton("stage", ImVec2(box_w, box_h))) state.playback.jump_to(stage);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", name, stage_description(stage));
        ImGui::PopID();
    }
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + box_h + line * 1.4f + 4.0f));
    ImGui::TextDisabled("%s: %s", stage_name(now), stage_description(now));
}

}  // namespace hashscope::gui
