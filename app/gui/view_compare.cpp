#include "app/gui/view_compare.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/heatmap.hpp"

namespace hashscope::gui {

void CompareView::draw(AppState& state) {
    const SceneResult& r = state.result();
    const int n = r.full_map.n();
    if (n == 0) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    stage_chips(state, {Stage::attend, Stage::combine});
    const char* method = method_name(r.params.method);
    ImGui::TextWrapped("Dense vs %s. Rows = queries, columns = keys. Left: full softmax attention. Middle: %s (full "
                       "probabilities kept only on the keys each query reaches, renormalised per row). Right: "
                       "|full - %s|.",
                       method, method, method);
    if (r.full_map.block() > 1)
        ImGui::TextDisabled("n > %d: each pixel is the maximum over %d x %d cells", kMaxMapSide, r.full_map.block(),
                            r.full_map.block());

    for (int i = 0; i < 3; ++i) maps_[i].update(state.version(), r.map_rgba[i], r.full_map.side(), r.full_map.side());

    const float line = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = 24.0f, legend_w = 110.0f, below = 4.0f * line + 200.0f;
    const float side = std::max(
        std::floor(std::min((avail.x - legend_w - 3.0f * gap) / 3.0f, avail.y - below - line)), 32.0f);
    char titles[3][64];
    std::snprintf(titles[0], sizeof titles[0], "full attention");
    std::snprintf(titles[1], sizeof titles[1], "%s", method);
    std::snprintf(titles[2], sizeof titles[2], "|full - %s|", method);
    const int hovered = state.hovered_token();
    ImVec2 top_left;
    for (int i = 0; i < 3; ++i) {
        if (i > 0) ImGui::SameLine(0.0f, gap);
        ImGui::BeginGroup();
        const ImVec2 o = plot::image(maps_[i], side, titles[i]);
        ImGui::EndGroup();
        if (i == 0) top_left = o;
        const float cell = side / float(n);
        if (hovered >= 0 && hovered < n) {
            const float hy = o.y + cell * (float(hovered) + 0.5f);
            ImGui::GetWindowDrawList()->AddLine(ImVec2(o.x, hy), ImVec2(o.x + side, hy), IM_COL32(90, 200, 255, 200));
        }
        if (ImGui::IsMouseHoveringRect(o, ImVec2(o.x + side, o.y + side))) {
            const int q = int((ImGui::GetIO().MousePos.y - o.y) / cell);
            if (q >= 0 && q < n) state.hover(q);
        }
    }
    ImGui::SameLine(0.0f, gap);
    const ImVec2 bar(ImGui::GetCursorScreenPos().x, top_left.y);
    plot::colour_bar(bar, 18.0f, side, heat_colour, r.map_scale, r.map_scale * 0.25, "sqrt scale");
    ImGui::NewLine();

    ImGui::Text("n = %d. Mean recall@%d (reached keys vs the full top-%d): %.3f.  Mass captured: %.3f.  "
                "Relative L2 output error: %.3f",
                n, r.recall_k, r.recall_k, r.mean_recall, r.mean_mass, r.mean_rel_error);

    // Per query: one of the three figures, chosen here.
    static constexpr const char* kMetrics[] = {"mass captured", "recall@k", "relative output error"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
    ImGui::Combo("per query", &metric_, kMetrics, 3);
    const std::vector<double>& values = metric_ == 0 ? r.mass : metric_ == 1 ? r.recall : r.rel_error;
    const double mean = metric_ == 0 ? r.mean_mass : metric_ == 1 ? r.mean_recall : r.mean_rel_error;
    double top = 1.0;
    if (metric_ == 2)
        for (const double v : values) top = std::max(top, v);
    plot::Axis x{0.0, double(n)};
    x.label = "query position";
    plot::Axis y{0.0, top};
    y.label = std::string(kMetrics[metric_]) + " per query";
    y.max_ticks = 4;
    const plot::Frame frame("per_query", ImVec2(ImGui::GetContentRegionAvail().x, std::max(ImGui::GetContentRegionAvail().y, 150.0f)), x, y);
    const ImU32 blue = IM_COL32(90, 160, 230, 255);
    frame.bars(values, std::span<const ImU32>(&blue, 1));
    frame.horizontal_line(mean, IM_COL32(255, 210, 60, 255), "mean");
    if (hovered >= 0 && hovered < n) frame.vertical_line(double(hovered) + 0.5, IM_COL32_WHITE);
    if (frame.hovered()) {
        const int q = int(frame.x_of(ImGui::GetIO().MousePos.x));
        if (q >= 0 && q < n) {
            state.hover(q);
            ImGui::SetTooltip("query %d\nmass %.3f\nrecall@%d %.3f\nrel. error %.3f", q, r.mass[std::size_t(q)],
                              r.recall_k, r.recall[std::size_t(q)], r.rel_error[std::size_t(q)]);
        }
    }
}

}  // namespace hashscope::gui
