#include "app/gui/view_chunks.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace hashscope::gui {

namespace {

// Reformer's pattern in sorted order: slot rows x slot columns, chunk c reaching chunks c and c - 1
// (cyclically), with the selected query's slots (one per round) marked.
void sorted_pattern(const ReformerTrace<double>& trace, int query, float side) {
    ImGui::TextUnformatted("sorted order: slot rows x slot columns");
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const int slots = int(trace.sorted_to_concat.size()), chunks = trace.num_chunks();
    const float cell = side / float(slots);
    draw->AddRectFilled(o, ImVec2(o.x + side, o.y + side), kUnreachedColour);
    const float chunk_px = cell * float(trace.config.chunk);
    // Chunk c's rows reach columns of chunks c - 1 and c: one rectangle per chunk while chunks are
    // a few pixels wide, else the band they form as one quad; chunk 0's look-back wraps to the last.
    if (chunk_px >= 3.0f) {
        for (int c = 0; c < chunks; ++c) {
            const float y = o.y + chunk_px * float(c);
            draw->AddRectFilled(ImVec2(o.x + chunk_px * float(std::max(c - 1, 0)), y),
                                ImVec2(o.x + chunk_px * float(c + 1), y + chunk_px), kReachedColour);
        }
    } else {
        draw->PushClipRect(o, ImVec2(o.x + side, o.y + side), true);
        draw->AddQuadFilled(ImVec2(o.x - chunk_px, o.y), ImVec2(o.x + chunk_px, o.y), ImVec2(o.x + side + chunk_px, o.y + side),
                            ImVec2(o.x + side - chunk_px, o.y + side), kReachedColour);
        draw->PopClipRect();
    }
    draw->AddRectFilled(ImVec2(o.x + side - chunk_px, o.y), ImVec2(o.x + side, o.y + chunk_px), kReachedColour);
    for (int h = 0; h < int(trace.buckets.size()); ++h) {
        const int slot = trace.concat_to_sorted[std::size_t(h * trace.n + query)];
        const float y = o.y + cell * float(slot);
        draw->AddRectFilled(ImVec2(o.x, y), ImVec2(o.x + side, y + std::max(cell, 1.0f)), IM_COL32(255, 210, 60, 200));
    }
    draw->AddRect(ImVec2(o.x - 1.0f, o.y - 1.0f), ImVec2(o.x + side + 1.0f, o.y + side + 1.0f),
                  IM_COL32(120, 120, 130, 255));
    ImGui::Dummy(ImVec2(side, side));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int row = int((m.y - o.y) / cell);
        if (row >= 0 && row < slots)
            ImGui::SetTooltip("sorted slot %d: round %d, token %d, chunk %d", row, trace.round_of_slot(row),
                              trace.position_of_slot(row), trace.chunk_of_slot(row));
    }
}

}  // namespace

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
        ImGui::TextDisabled("n > %d: each pixel covers %d x %d cells, lit if any of them is", kMaxMapSide,
                            r.reach_map.block(), r.reach_map.block());
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x * 0.5f, 400.0f));
    ImGui::SliderInt("query", &query_, 0, n - 1);
    const int reached = r.reaches_all ? (r.params.config.causal ? query_ + 1 : n)
                                      : int(r.reached[std::size_t(query_)].size());
    ImGui::Text("query %d reaches %d of %d keys (%.1f%%)", query_, reached, n, 100.0 * double(reached) / double(n));

    reach_.update(state.version(), r.map_rgba[3], r.reach_map.side(), r.reach_map.side());
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool sorted = r.params.method == Method::reformer && !r.trace.standard_attention;
    const float gap = 24.0f;
    const float side = std::max(std::floor(std::min(sorted ? (avail.x - gap) * 0.6f : avail.x,
                                                    avail.y - 2.0f * ImGui::GetTextLineHeightWithSpacing())),
                                32.0f);
    ImGui::BeginGroup();
    const ImVec2 o = plot::image(reach_, side, "original order: query rows x key columns");
    ImGui::EndGroup();
    if (sorted) {
        ImGui::SameLine(0.0f, gap);
        ImGui::BeginGroup();
        sorted_pattern(r.trace, query_, std::max(std::min(avail.x - side - gap, side), 32.0f));
        ImGui::EndGroup();
    }
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
