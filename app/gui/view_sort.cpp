#include "app/gui/view_sort.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/palette.hpp"

namespace hashscope::gui {

void SortView::draw(AppState& state) {
    const auto& trace = state.trace();
    const int n = trace.n;
    const int rounds = int(trace.buckets.size());
    const int slots = int(trace.sorted_to_concat.size());
    const int n_buckets = trace.config.n_buckets;
    if (n == 0 || rounds == 0 || slots != n * rounds) {
        ImGui::TextUnformatted(trace.standard_attention ? "n <= chunk: no sort (full self-attention)" : "no trace");
        return;
    }
    ImGui::TextWrapped("Top: the %d slots in concatenated order (round by round, positions 0..%d). Bottom: the same "
                       "slots after the stable sort by (round, bucket). Colour = bucket; each line joins a slot to "
                       "its sorted place. Ticks mark the %d chunks of %d slots.",
                       slots, n - 1, trace.num_chunks(), trace.config.chunk);
    ImGui::Spacing();

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float line_h = ImGui::GetTextLineHeight();
    const float width = std::max(avail.x - 8.0f, 64.0f);
    const float total_h = std::clamp(avail.y - 8.0f, 200.0f, 900.0f);
    const float row_h = std::clamp(total_h * 0.12f, 24.0f, 60.0f);
    const float slot_w = width / float(slots);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float label_h = line_h + 4.0f;

    const float top_y0 = origin.y + label_h;
    const float top_y1 = top_y0 + row_h;
    const float bottom_y0 = origin.y + total_h - label_h - row_h;
    const float bottom_y1 = bottom_y0 + row_h;
    const float x0 = origin.x + 4.0f;
    auto slot_x = [&](int s) { return x0 + slot_w * float(s); };

    // Rows of slots: a slot narrower than a pixel still gets a 1-pixel sliver.
    const float gap = slot_w >= 3.0f ? 1.0f : 0.0f;
    for (int c = 0; c < slots; ++c) {
        const int h = c / n, i = c % n;
        draw->AddRectFilled(ImVec2(slot_x(c), top_y0), ImVec2(slot_x(c) + std::max(slot_w - gap, 1.0f), top_y1),
                            bucket_colour(trace.buckets[std::size_t(h)][std::size_t(i)], n_buckets));
    }
    for (int s = 0; s < slots; ++s) {
        const int h = trace.round_of_slot(s), i = trace.position_of_slot(s);
        draw->AddRectFilled(ImVec2(slot_x(s), bottom_y0), ImVec2(slot_x(s) + std::max(slot_w - gap, 1.0f), bottom_y1),
                            bucket_colour(trace.buckets[std::size_t(h)][std::size_t(i)], n_buckets));
    }

    // Lines from each concatenated slot to its sorted slot, in the bucket colour at low alpha.
    for (int c = 0; c < slots; ++c) {
        const int s = trace.concat_to_sorted[std::size_t(c)];
        const ImU32 col = (bucket_colour(trace.buckets[std::size_t(c / n)][std::size_t(c % n)], n_buckets) &
                           ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 70);
        draw->AddLine(ImVec2(slot_x(c) + slot_w * 0.5f, top_y1), ImVec2(slot_x(s) + slot_w * 0.5f, bottom_y0), col,
                      1.0f);
    }

    // Round boundaries above the top row, labelled.
    const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 tick_col = IM_COL32(230, 230, 230, 255);
    for (int h = 0; h < rounds; ++h) {
        const float x = slot_x(h * n);
        draw->AddLine(ImVec2(x, origin.y + 2.0f), ImVec2(x, top_y1), tick_col, 1.0f);
        char label[32];
        std::snprintf(label, sizeof label, "round %d", h);
        draw->AddText(ImVec2(x + 4.0f, origin.y + 1.0f), text_col, label);
    }
    draw->AddLine(ImVec2(slot_x(slots), origin.y + 2.0f), ImVec2(slot_x(slots), top_y1), tick_col, 1.0f);

    // Chunk boundaries below the bottom row; a number every few chunks so the labels do not collide.
    const int chunk = trace.config.chunk;
    const int n_chunks = trace.num_chunks();
    const float chunk_w = slot_w * float(chunk);
    const float label_w = ImGui::CalcTextSize("0000").x + 6.0f;
    int step = 1;
    while (chunk_w * float(step) < label_w) step *= 2;
    for (int k = 0; k <= n_chunks; ++k) {
        const float x = slot_x(k * chunk);
        const bool labelled = k % step == 0 && k < n_chunks;
        draw->AddLine(ImVec2(x, bottom_y0 - 4.0f), ImVec2(x, bottom_y1 + (labelled ? 6.0f : 3.0f)), tick_col, 1.0f);
        if (labelled) {
            char label[16];
            std::snprintf(label, sizeof label, "%d", k);
            draw->AddText(ImVec2(x + 2.0f, bottom_y1 + 3.0f), text_col, label);
        }
    }

    // Hover: which slot of which row is under the pointer.
    ImGui::InvisibleButton("sort", ImVec2(width + 8.0f, total_h));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int idx = int(std::floor((m.x - x0) / slot_w));
        if (idx >= 0 && idx < slots) {
            if (m.y >= top_y0 && m.y <= top_y1) {
                const int s = trace.concat_to_sorted[std::size_t(idx)];
                ImGui::SetTooltip("concatenated slot %d\nround %d, position %d\nbucket %d\nsorted slot %d, chunk %d",
                                  idx, idx / n, idx % n, trace.buckets[std::size_t(idx / n)][std::size_t(idx % n)], s,
                                  trace.chunk_of_slot(s));
            } else if (m.y >= bottom_y0 && m.y <= bottom_y1) {
                const int h = trace.round_of_slot(idx), i = trace.position_of_slot(idx);
                ImGui::SetTooltip("sorted slot %d\nround %d, position %d\nbucket %d\nchunk %d", idx, h, i,
                                  trace.buckets[std::size_t(h)][std::size_t(i)], trace.chunk_of_slot(idx));
            }
        }
    }
}

}  // namespace hashscope::gui
