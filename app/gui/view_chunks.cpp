#include "app/gui/view_chunks.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace hashscope::gui {

void ChunksView::draw(AppState& state) {
    const SceneResult& r = state.result();
    const int n = r.reach_map.n();
    if (n == 0) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    stage_chips(state, {Stage::chunk, Stage::attend});
    if (query_ < 0) query_ = n / 2;
    query_ = std::clamp(query_, 0, n - 1);
    ImGui::TextWrapped("Row = query position, column = key position (original order). A cell is lit when the query "
                       "attends to the key (%s). Click a row to pick a query.",
                       r.params.method == Method::reformer ? "in some round: its chunk or the one before, after the sort"
                       : r.reaches_all                      ? "dense: every visible key"
                                                            : "one of its top-k keys by Hamming distance");
    if (r.reach_map.block() > 1)
        ImGui::TextDisabled("n > %d: each pixel is a %d x %d block, lit if any of its cells is", kMaxMapSide,
                            r.reach_map.block(), r.reach_map.block());
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x * 0.5f, 400.0f));
    ImGui::SliderInt("query", &query_, 0, n - 1);
    const int reached = r.reaches_all ? (r.params.config.causal ? query_ + 1 : n)
                                      : int(r.reached[std::size_t(query_)].size());
    ImGui::Text("query %d reaches %d of %d keys (%.1f%%)", query_, reached, n, 100.0 * double(reached) / double(n));

    reach_.update(state.version(), r.map_rgba[3], r.reach_map.side(), r.reach_map.side());
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float side = std::max(std::floor(std::min(avail.x, avail.y - 2.0f * ImGui::GetTextLineHeightWithSpacing())), 32.0f);
    const ImVec2 o = plot::image(reach_, side, "reach: query rows x key columns");
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float cell = side / float(n);
    const float qy = o.y + cell * float(query_);
    draw->AddRectFilled(ImVec2(o.x, qy), ImVec2(o.x + side, qy + std::max(cell, 1.0f)), IM_COL32(255, 210, 60, 110));
    draw->AddRect(ImVec2(o.x - 3.0f, qy - 1.0f), ImVec2(o.x + side + 3.0f, qy + std::max(cell, 1.0f) + 1.0f),
                  IM_COL32(255, 210, 60, 255), 0.0f, 0, 1.5f);
    const int hovered = state.hovered_token();
    if (hovered >= 0 && hovered < n) {
        const float hx = o.x + cell * (float(hovered) + 0.5f);
        draw->AddLine(ImVec2(hx, o.y), ImVec2(hx, o.y + side), IM_COL32(255, 255, 255, 160), 1.0f);
    }
    if (ImGui::IsMouseHoveringRect(o, ImVec2(o.x + side, o.y + side))) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int q = int((m.y - o.y) / cell), key = int((m.x - o.x) / cell);
        if (q >= 0 && q < n && key >= 0 && key < n) {
            state.hover(key);
            const bool hit = !r.reaches_all ? std::binary_search(r.reached[std::size_t(q)].begin(),
                                                           r.reached[std::size_t(q)].end(), key)
                                      : (!r.params.config.causal || key <= q);
            ImGui::SetTooltip("query %d, key %d\n%s", q, key, hit ? "reached" : "not reached");
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) query_ = q;
        }
    }
}

}  // namespace hashscope::gui
