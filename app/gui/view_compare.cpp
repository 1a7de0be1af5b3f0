#include "app/gui/view_compare.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <vector>

#include "app/gui/heatmap.hpp"

namespace hashscope::gui {

namespace {

// One square heat map at `o`, `side` pixels, sqrt colour scale against `max_value`.
void draw_map(ImDrawList* draw, ImVec2 o, float side, const std::vector<float>& values, int n, float max_value,
              const char* title) {
    draw->AddText(ImVec2(o.x, o.y - ImGui::GetTextLineHeightWithSpacing()), IM_COL32(230, 230, 235, 255), title);
    int block = 1;
    while (side / float((n + block - 1) / block) < 1.0f) ++block;
    const std::vector<float> pooled = max_pool(values, n, block);
    const int m = (n + block - 1) / block;
    const float cell = side / float(m);
    const float inv = max_value > 0.0f ? 1.0f / max_value : 0.0f;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) {
            const float t = std::sqrt(pooled[std::size_t(i) * std::size_t(m) + std::size_t(j)] * inv);
            draw->AddRectFilled(ImVec2(o.x + cell * float(j), o.y + cell * float(i)),
                                ImVec2(o.x + cell * float(j + 1), o.y + cell * float(i + 1)), heat_colour(t));
        }
    draw->AddRect(ImVec2(o.x - 1.0f, o.y - 1.0f), ImVec2(o.x + side + 1.0f, o.y + side + 1.0f),
                  IM_COL32(120, 120, 130, 255));
}

}  // namespace

void CompareView::draw(AppState& state) {
    const AppState::Comparison& c = state.comparison();
    const int n = c.n;
    if (n == 0) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    ImGui::TextWrapped("Dense vs hashed. Rows = queries, columns = keys. Left: full softmax attention. Middle: the "
                       "hashed approximation (full probabilities kept only on the keys each query reaches, "
                       "renormalised per row). Right: |full - hashed|.");

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = 24.0f, legend_w = 150.0f, below = 8.0f * line + 140.0f;
    const float side = std::max(
        std::floor(std::min((avail.x - legend_w - 3.0f * gap) / 3.0f, avail.y - below - line)), 16.0f);
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const ImVec2 o(start.x, start.y + line);
    const char* titles[3] = {"full attention", "hashed approximation", "|full - hashed|"};
    const std::vector<float>* maps[3] = {&c.full, &c.hashed, &c.diff};
    for (int i = 0; i < 3; ++i)
        draw_map(draw, ImVec2(o.x + float(i) * (side + gap), o.y), side, *maps[i], n, c.max_value, titles[i]);

    // Colour scale legend: a vertical bar, bright at the top.
    const ImVec2 lo(o.x + 3.0f * (side + gap), o.y);
    const float bar_w = 18.0f;
    const int steps = 64;
    for (int s = 0; s < steps; ++s) {
        const float t = 1.0f - (float(s) + 0.5f) / float(steps);
        draw->AddRectFilled(ImVec2(lo.x, lo.y + side * float(s) / float(steps)),
                            ImVec2(lo.x + bar_w, lo.y + side * float(s + 1) / float(steps)), heat_colour(t));
    }
    draw->AddRect(ImVec2(lo.x - 1.0f, lo.y - 1.0f), ImVec2(lo.x + bar_w + 1.0f, lo.y + side + 1.0f),
                  IM_COL32(120, 120, 130, 255));
    char label[64];
    const ImU32 text = IM_COL32(230, 230, 235, 255);
    std::snprintf(label, sizeof label, "%.3g (max)", double(c.max_value));
    draw->AddText(ImVec2(lo.x + bar_w + 6.0f, lo.y), text, label);
    std::snprintf(label, sizeof label, "%.3g", double(c.max_value) * 0.25);
    draw->AddText(ImVec2(lo.x + bar_w + 6.0f, lo.y + side * 0.5f - line * 0.5f), text, label);
    draw->AddText(ImVec2(lo.x + bar_w + 6.0f, lo.y + side - line), text, "0 (min)");
    draw->AddText(ImVec2(lo.x - 2.0f, lo.y - line), text, "sqrt scale");
    ImGui::Dummy(ImVec2(3.0f * (side + gap) + legend_w, side + line + 4.0f));

    ImGui::Text("n = %d. Mean recall@%d (reached keys vs full top-%d): %.3f", n, c.top_k, c.top_k, c.mean_recall);
    ImGui::Text("Mean attention mass captured by reached keys: %.3f", c.mean_mass);
    ImGui::Text("Mean relative L2 error of the output row (hashed trace vs full): %.3f", c.mean_rel_error);
    ImGui::TextUnformatted("Per-query mass captured (0 .. 1):");

    // Bar plot of per-query mass captured.
    const ImVec2 bo = ImGui::GetCursorScreenPos();
    const float plot_w = std::max(ImGui::GetContentRegionAvail().x - 8.0f, 64.0f);
    const float plot_h = std::max(std::min(ImGui::GetContentRegionAvail().y - 8.0f, 120.0f), 32.0f);
    draw->AddRectFilled(bo, ImVec2(bo.x + plot_w, bo.y + plot_h), IM_COL32(28, 28, 36, 255));
    const float bw = plot_w / float(n);
    for (int q = 0; q < n; ++q) {
        const float h = plot_h * float(std::clamp(c.mass[std::size_t(q)], 0.0, 1.0));
        draw->AddRectFilled(ImVec2(bo.x + bw * float(q), bo.y + plot_h - h),
                            ImVec2(bo.x + bw * float(q + 1), bo.y + plot_h), IM_COL32(90, 160, 230, 255));
    }
    const float mean_y = bo.y + plot_h * float(1.0 - std::clamp(c.mean_mass, 0.0, 1.0));
    draw->AddLine(ImVec2(bo.x, mean_y), ImVec2(bo.x + plot_w, mean_y), IM_COL32(255, 210, 60, 255), 1.0f);
    draw->AddRect(bo, ImVec2(bo.x + plot_w, bo.y + plot_h), IM_COL32(120, 120, 130, 255));
    ImGui::InvisibleButton("mass_bars", ImVec2(plot_w, plot_h));
    if (ImGui::IsItemHovered()) {
        const int q = int((ImGui::GetIO().MousePos.x - bo.x) / bw);
        if (q >= 0 && q < n)
            ImGui::SetTooltip("query %d\nmass %.3f\nrecall@%d %.3f\nrel. error %.3f", q, c.mass[std::size_t(q)],
                              c.top_k, c.recall[std::size_t(q)], c.rel_error[std::size_t(q)]);
    }
}

}  // namespace hashscope::gui
