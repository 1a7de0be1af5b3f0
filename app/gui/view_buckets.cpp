#include "app/gui/view_buckets.hpp"

#include <imgui.h>

#include <algorithm>
#include <span>
#include <string>

#include "app/gui/palette.hpp"
#include "core/metrics.hpp"

namespace hashscope::gui {

void BucketsView::draw(AppState& state) {
    const auto& trace = state.trace();
    const int n = trace.n;
    const int n_buckets = trace.config.n_buckets;
    if (n == 0 || trace.buckets.empty()) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    const std::vector<int>& labels = state.sequence().labels;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float avail = ImGui::GetContentRegionAvail().x;
    const int cols = std::min(n, 32);
    const int rows = (n + cols - 1) / cols;
    const float cell = std::clamp(std::min(avail * 0.55f / float(cols), 18.0f), 4.0f, 18.0f);
    const float grid_w = cell * float(cols);
    const float grid_h = cell * float(rows);
    const float hist_w = std::max(avail - grid_w - 24.0f, 120.0f);
    const float label_strip = std::max(2.0f, cell * 0.25f);

    ImGui::TextWrapped("Each square is a token (row-major, %d per row) coloured by its bucket; the grey strip at its "
                       "bottom is its cluster (black, dark, light, white). Right: tokens per bucket, the line is the mean.",
                       cols);
    ImGui::Spacing();

    for (std::size_t round = 0; round < trace.buckets.size(); ++round) {
        const auto& buckets = trace.buckets[round];
        const BucketLoad load = bucket_load(std::span<const std::int32_t>(buckets), n_buckets);
        ImGui::Text("round %zu   max %lld   mean %.1f   max/mean %.2f   empty %d", round, (long long)load.max,
                    load.mean, load.max_over_mean, load.empty);

        // Token grid.
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        for (int i = 0; i < n; ++i) {
            const float x = origin.x + cell * float(i % cols);
            const float y = origin.y + cell * float(i / cols);
            draw->AddRectFilled(ImVec2(x, y), ImVec2(x + cell - 1, y + cell - 1),
                                bucket_colour(buckets[std::size_t(i)], n_buckets));
            if (std::size_t(i) < labels.size())
                draw->AddRectFilled(ImVec2(x, y + cell - 1 - label_strip), ImVec2(x + cell - 1, y + cell - 1),
                                    label_colour(labels[std::size_t(i)]));
        }
        ImGui::InvisibleButton(("grid" + std::to_string(round)).c_str(), ImVec2(grid_w, grid_h));
        if (ImGui::IsItemHovered()) {
            const ImVec2 m = ImGui::GetIO().MousePos;
            const int c = int((m.x - origin.x) / cell), r = int((m.y - origin.y) / cell);
            const int i = r * cols + c;
            if (c >= 0 && c < cols && i >= 0 && i < n)
                ImGui::SetTooltip("token %d\nbucket %d\ncluster %d", i, buckets[std::size_t(i)],
                                  std::size_t(i) < labels.size() ? labels[std::size_t(i)] : -1);
        }

        // Load histogram beside it.
        ImGui::SameLine(0.0f, 24.0f);
        const ImVec2 h0 = ImGui::GetCursorScreenPos();
        const float bar_w = hist_w / float(n_buckets);
        const float top = float(std::max<std::int64_t>(load.max, 1));
        draw->AddRectFilled(h0, ImVec2(h0.x + hist_w, h0.y + grid_h), IM_COL32(40, 40, 48, 255));
        for (int b = 0; b < n_buckets; ++b) {
            const float height = grid_h * float(load.counts[std::size_t(b)]) / top;
            const float x = h0.x + bar_w * float(b);
            draw->AddRectFilled(ImVec2(x + 1, h0.y + grid_h - height), ImVec2(x + bar_w - 1, h0.y + grid_h),
                                bucket_colour(b, n_buckets));
        }
        const float mean_y = h0.y + grid_h - grid_h * float(load.mean) / top;
        draw->AddLine(ImVec2(h0.x, mean_y), ImVec2(h0.x + hist_w, mean_y), IM_COL32(255, 255, 255, 220), 1.5f);
        ImGui::InvisibleButton(("hist" + std::to_string(round)).c_str(), ImVec2(hist_w, grid_h));
        if (ImGui::IsItemHovered()) {
            const int b = int((ImGui::GetIO().MousePos.x - h0.x) / bar_w);
            if (b >= 0 && b < n_buckets)
                ImGui::SetTooltip("bucket %d: %lld tokens", b, (long long)load.counts[std::size_t(b)]);
        }
        ImGui::Spacing();
    }
}

}  // namespace hashscope::gui
