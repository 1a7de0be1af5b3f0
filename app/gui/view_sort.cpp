#include "app/gui/view_sort.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "app/gui/palette.hpp"

namespace hashscope::gui {

namespace {
// At most this many slots travel per frame, and fewer are joined by faint paths; past it every k-th
// one is, so n = 4096 with 4 rounds stays cheap to rasterise (llvmpipe pays for every line pixel).
constexpr int kMaxTravellers = 1024;
constexpr int kMaxPaths = 384;
}  // namespace

void SortView::draw(AppState& state) {
    const auto& trace = state.result().trace;
    const int n = trace.n;
    const int rounds = int(trace.buckets.size());
    const int slots = int(trace.sorted_to_concat.size());
    const int n_buckets = trace.config.n_buckets;
    if (n == 0 || rounds == 0 || slots != n * rounds) {
        ImGui::TextUnformatted(trace.standard_attention ? "n <= chunk: no sort (full self-attention)" : "no trace");
        return;
    }
    stage_chips(state, {Stage::sort, Stage::chunk, Stage::unsort});
    reformer_only_note(state);
    const int stride = (slots + kMaxTravellers - 1) / kMaxTravellers;
    const int path_stride = (slots + kMaxPaths - 1) / kMaxPaths;
    const auto one_in = [](int k) { return k > 1 ? "one slot in " + std::to_string(k) : std::string("each slot"); };
    ImGui::TextWrapped("Top: the %d slots in concatenated order (round by round, positions 0..%d). Bottom: the same "
                       "slots after the stable sort by (round, bucket). Colour = bucket; faint lines join %s to its "
                       "sorted place. During 'sort' %s travels down to it; during 'unsort' back. Ticks mark the %d "
                       "chunks of %d slots.",
                       slots, n - 1, one_in(path_stride).c_str(), one_in(stride).c_str(), trace.num_chunks(),
                       trace.config.chunk);

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float line_h = ImGui::GetTextLineHeight();
    const float width = std::max(avail.x - 8.0f, 64.0f);
    const float total_h = std::clamp(avail.y - 8.0f, 200.0f, 900.0f);
    const float row_h = std::clamp(total_h * 0.12f, 24.0f, 60.0f);
    const float slot_w = width / float(slots);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float label_h = line_h + 4.0f;
    const float top_y0 = origin.y + label_h, top_y1 = top_y0 + row_h;
    const float bottom_y0 = origin.y + total_h - label_h - row_h, bottom_y1 = bottom_y0 + row_h;
    const float x0 = origin.x + 4.0f;
    const auto slot_x = [&](int s) { return x0 + slot_w * float(s); };
    const auto concat_colour = [&](int c) { return bucket_colour(trace.buckets[std::size_t(c / n)][std::size_t(c % n)], n_buckets); };
    const auto sorted_colour = [&](int s) {
        return bucket_colour(trace.buckets[std::size_t(trace.round_of_slot(s))][std::size_t(trace.position_of_slot(s))],
                             n_buckets);
    };

    // A row of slots: one rectangle per slot when slots are wide enough to show a gap; else one per
    // run of equal colour, sampling a slot per pixel column when slots are narrower than a pixel (the
    // sorted row is mostly long runs, and llvmpipe pays per rectangle).
    const auto draw_row = [&](float y0, float y1, const std::function<ImU32(int)>& colour) {
        if (slot_w >= 3.0f) {
            for (int s = 0; s < slots; ++s)
                draw->AddRectFilled(ImVec2(slot_x(s), y0), ImVec2(slot_x(s) + slot_w - 1.0f, y1), colour(s));
            return;
        }
        const int columns = slot_w >= 1.0f ? slots : int(width);
        const float column_w = slot_w >= 1.0f ? slot_w : 1.0f;
        const auto slot_at = [&](int c) { return slot_w >= 1.0f ? c : std::min(int(float(c) / slot_w), slots - 1); };
        for (int c = 0; c < columns;) {
            const ImU32 col = colour(slot_at(c));
            int end = c + 1;
            while (end < columns && colour(slot_at(end)) == col) ++end;
            draw->AddRectFilled(ImVec2(x0 + column_w * float(c), y0), ImVec2(x0 + column_w * float(end), y1), col);
            c = end;
        }
    };
    draw_row(top_y0, top_y1, concat_colour);
    draw_row(bottom_y0, bottom_y1, sorted_colour);

    // Faint paths (thin, not anti-aliased), then the travelling slots at the current fraction of the way.
    const auto path_end = [&](int c) {
        const int s = trace.concat_to_sorted[std::size_t(c)];
        return std::pair(ImVec2(slot_x(c) + slot_w * 0.5f, top_y1), ImVec2(slot_x(s) + slot_w * 0.5f, bottom_y0));
    };
    const ImDrawListFlags flags = draw->Flags;
    draw->Flags &= ~ImDrawListFlags_AntiAliasedLines;
    for (int c = 0; c < slots; c += path_stride) {
        const auto [a, b] = path_end(c);
        draw->AddLine(a, b, (concat_colour(c) & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 60), 1.0f);
    }
    draw->Flags = flags;
    const double f = state.playback.sorted_fraction();
    const float tw = std::max(slot_w * float(stride), 2.0f), th = std::max(row_h * 0.35f, 6.0f);
    if (f > 0.0 && f < 1.0)
        for (int c = 0; c < slots; c += stride) {
            const auto [a, b] = path_end(c);
            const float x = float(travel(a.x, b.x, f)), y = float(travel(a.y, b.y - th, f));
            draw->AddRectFilled(ImVec2(x - tw * 0.5f, y), ImVec2(x + tw * 0.5f, y + th), concat_colour(c));
        }
    // The hovered token's slots, one per round, in both rows.
    const int hovered = state.hovered_token();
    if (hovered >= 0 && hovered < n)
        for (int h = 0; h < rounds; ++h) {
            const int c = h * n + hovered, s = trace.concat_to_sorted[std::size_t(c)];
            const float w = std::max(slot_w, 3.0f);
            draw->AddRect(ImVec2(slot_x(c) - 1.0f, top_y0 - 3.0f), ImVec2(slot_x(c) + w + 1.0f, top_y1 + 3.0f),
                          IM_COL32_WHITE, 0.0f, 0, 2.0f);
            draw->AddRect(ImVec2(slot_x(s) - 1.0f, bottom_y0 - 3.0f), ImVec2(slot_x(s) + w + 1.0f, bottom_y1 + 3.0f),
                          IM_COL32_WHITE, 0.0f, 0, 2.0f);
            draw->AddLine(ImVec2(slot_x(c) + w * 0.5f, top_y1), ImVec2(slot_x(s) + w * 0.5f, bottom_y0),
                          IM_COL32_WHITE, 1.5f);
        }

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
    const float label_w = ImGui::CalcTextSize("0000").x + 6.0f;
    int step = 1;
    while (slot_w * float(chunk) * float(step) < label_w) step *= 2;
    const float tick_gap = slot_w * float(chunk);
    const bool lit = state.playback.stage() == Stage::chunk || state.playback.stage() == Stage::attend;
    for (int k = 0; k <= n_chunks; ++k) {
        const float x = slot_x(k * chunk);
        const bool labelled = k % step == 0 && k < n_chunks;
        if (tick_gap >= 3.0f || labelled)
            draw->AddLine(ImVec2(x, bottom_y0 - (lit ? 10.0f : 4.0f)), ImVec2(x, bottom_y1 + (labelled ? 6.0f : 3.0f)),
                          lit ? IM_COL32(255, 200, 60, 255) : tick_col, lit ? 2.0f : 1.0f);
        if (labelled) {
            char label[16];
            std::snprintf(label, sizeof label, "%d", k);
            draw->AddText(ImVec2(x + 2.0f, bottom_y1 + 3.0f), text_col, label);
        }
    }

    ImGui::InvisibleButton("sort", ImVec2(width + 8.0f, total_h));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int idx = int(std::floor((m.x - x0) / slot_w));
        if (idx >= 0 && idx < slots) {
            if (m.y >= top_y0 && m.y <= top_y1) {
                const int s = trace.concat_to_sorted[std::size_t(idx)];
                state.hover(idx % n);
                ImGui::SetTooltip("concatenated slot %d\nround %d, token %d\nbucket %d\nsorted slot %d, chunk %d",
                                  idx, idx / n, idx % n, trace.buckets[std::size_t(idx / n)][std::size_t(idx % n)], s,
                                  trace.chunk_of_slot(s));
            } else if (m.y >= bottom_y0 && m.y <= bottom_y1) {
                const int h = trace.round_of_slot(idx), i = trace.position_of_slot(idx);
                state.hover(i);
                ImGui::SetTooltip("sorted slot %d\nround %d, token %d\nbucket %d\nchunk %d", idx, h, i,
                                  trace.buckets[std::size_t(h)][std::size_t(i)], trace.chunk_of_slot(idx));
            }
        }
    }
}

}  // namespace hashscope::gui
