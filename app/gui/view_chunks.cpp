#include "app/gui/view_chunks.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace hashscope::gui {

void ChunksView::draw(AppState& state) {
    const auto& reached = state.reached_keys();
    const int n = int(reached.size());
    if (n == 0) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    if (query_ < 0) query_ = n / 2;
    query_ = std::clamp(query_, 0, n - 1);
    ImGui::TextWrapped("Row = query position, column = key position (original order). A cell is lit when the query "
                       "attends to the key in some round (its chunk or the one before, after the sort).");
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x * 0.5f, 400.0f));
    ImGui::SliderInt("query", &query_, 0, n - 1);
    const auto& row = reached[std::size_t(query_)];
    const int k = int(row.size());
    ImGui::Text("query %d reaches %d of %d keys (%.1f%%)", query_, k, n, 100.0 * double(k) / double(n));

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float panel = std::max(std::min(avail.x, avail.y) - 4.0f, 1.0f);
    const float cell = std::max(1.0f, std::floor(panel / float(n)));
    const float side = cell * float(n);
    const ImVec2 o = ImGui::GetCursorScreenPos();

    draw->AddRectFilled(o, ImVec2(o.x + side, o.y + side), IM_COL32(28, 28, 36, 255));
    // Reached keys are sorted: draw each run of consecutive keys as one rectangle.
    const ImU32 lit = IM_COL32(90, 160, 230, 255);
    const ImU32 lit_selected = IM_COL32(255, 210, 60, 255);
    for (int q = 0; q < n; ++q) {
        const auto& keys = reached[std::size_t(q)];
        const float y = o.y + cell * float(q);
        const ImU32 col = q == query_ ? lit_selected : lit;
        for (std::size_t a = 0; a < keys.size();) {
            std::size_t b = a + 1;
            while (b < keys.size() && keys[b] == keys[b - 1] + 1) ++b;
            draw->AddRectFilled(ImVec2(o.x + cell * float(keys[a]), y),
                                ImVec2(o.x + cell * float(keys[b - 1] + 1), y + cell), col);
            a = b;
        }
    }
    // The selected row: a faint band across the whole grid and an outline.
    const float qy = o.y + cell * float(query_);
    draw->AddRectFilled(ImVec2(o.x, qy), ImVec2(o.x + side, qy + cell), IM_COL32(255, 210, 60, 50));
    draw->AddRect(ImVec2(o.x - 1.0f, qy - 1.0f), ImVec2(o.x + side + 1.0f, qy + cell + 1.0f),
                  IM_COL32(255, 210, 60, 255), 0.0f, 0, 1.0f);
    draw->AddRect(ImVec2(o.x - 1.0f, o.y - 1.0f), ImVec2(o.x + side + 1.0f, o.y + side + 1.0f),
                  IM_COL32(120, 120, 130, 255));

    ImGui::InvisibleButton("chunks", ImVec2(side, side));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int q = int((m.y - o.y) / cell), key = int((m.x - o.x) / cell);
        if (q >= 0 && q < n && key >= 0 && key < n) {
            const auto& keys = reached[std::size_t(q)];
            const bool hit = std::binary_search(keys.begin(), keys.end(), key);
            ImGui::SetTooltip("query %d, key %d\n%s", q, key, hit ? "reached" : "not reached");
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) query_ = q;
        }
    }
}

}  // namespace hashscope::gui
