#include "app/gui/view_pipeline.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace hashscope::gui {

namespace {

// What each stage amounts to in the scene on show, under its box.
std::string stage_figure(const SceneResult& r, Stage stage) {
    const auto& c = r.trace.config;
    char text[96];
    switch (stage) {
        case Stage::hash:
            std::snprintf(text, sizeof text, "%d round%s x %d buckets", c.n_hashes, c.n_hashes == 1 ? "" : "s", c.n_buckets);
            break;
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

// A figure as lines no wider than `room`: whole words, a line breaking before the word that would
// overflow; a single word wider than the room stays whole (and is clipped).
std::vector<std::string> wrap_words(const std::string& text, float room) {
    std::vector<std::string> lines;
    std::istringstream words(text);
    std::string word, line;
    while (words >> word) {
        const std::string longer = line.empty() ? word : line + " " + word;
        if (!line.empty() && ImGui::CalcTextSize(longer.c_str()).x > room) {
            lines.push_back(line);
            line = word;
        } else {
            line = longer;
        }
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
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
    // Boxes narrower than their text (large font scales, a narrow window): the names are drawn
    // smaller, all at the size that fits the widest; the figures wrap onto a second line, and where
    // two lines are not enough they too are drawn smaller. Never below half the font or 11 pixels,
    // where text stops being readable: past that it is clipped.
    const float font = ImGui::GetFontSize(), room = box_w - 8.0f;
    const float smallest = std::min(font, std::max(font * 0.5f, 11.0f));
    float widest_name = 0.0f;
    for (const Stage stage : kAllStages) widest_name = std::max(widest_name, ImGui::CalcTextSize(stage_name(stage)).x);
    const float name_size = widest_name > room ? std::max(font * room / widest_name, smallest) : font;
    std::vector<std::vector<std::string>> figures;
    std::size_t figure_lines = 1;
    const auto wrap_figures = [&](float size) {  // wrapping at `size` is wrapping a wider room at the font's
        figures.clear();
        figure_lines = 1;
        for (const Stage stage : kAllStages) {
            figures.push_back(wrap_words(stage_figure(state.result(), stage), room * font / size));
            figure_lines = std::max(figure_lines, figures.back().size());
        }
    };
    float figure_size = font;
    wrap_figures(font);
    if (figure_lines > 2) wrap_figures(figure_size = smallest);
    figure_lines = std::min(figure_lines, std::size_t(2));
    const float figure_line = line * figure_size / font, figures_h = figure_line * (float(figure_lines) + 0.4f);
    const auto centred_text = [&](float size, float x, float y, ImU32 colour, const char* text) {
        const float w = ImGui::CalcTextSize(text).x * size / font;
        draw->AddText(ImGui::GetFont(), size, ImVec2(x + std::max((box_w - w) * 0.5f, 2.0f), y), colour, text);
    };
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
        centred_text(name_size, a.x, a.y + (box_h - name_size) * 0.5f - 1.0f,
                     lit ? IM_COL32(20, 20, 20, 255) : IM_COL32(210, 210, 220, 255), name);
        if (s + 1 < kStages) {
            const float mid = a.y + box_h * 0.5f, x = b.x + 3.0f;
            draw->AddTriangleFilled(ImVec2(x, mid - 6.0f), ImVec2(x, mid + 6.0f), ImVec2(x + arrow - 6.0f, mid),
                                    IM_COL32(150, 150, 160, 255));
        }
        draw->PushClipRect(ImVec2(a.x, b.y), ImVec2(b.x, b.y + figures_h), true);
        for (std::size_t l = 0; l < figures[std::size_t(s)].size(); ++l)
            centred_text(figure_size, a.x, b.y + 2.0f + figure_line * float(l), IM_COL32(170, 170, 180, 255),
                         figures[std::size_t(s)][l].c_str());
        draw->PopClipRect();
        ImGui::SetCursorScreenPos(a);
        ImGui::PushID(s);
        if (ImGui::InvisibleButton("stage", ImVec2(box_w, box_h))) state.playback.jump_to(stage);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", name, stage_description(stage));
        ImGui::PopID();
    }
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + box_h + figures_h + 4.0f));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s: %s", stage_name(now), stage_description(now));
    ImGui::PopStyleColor();
}

}  // namespace hashscope::gui
