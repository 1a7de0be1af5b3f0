#include "app/gui/view_buckets.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app/gui/palette.hpp"
#include "app/gui/plot.hpp"

namespace hashscope::gui {

void BucketsView::draw(AppState& state) {
    const SceneResult& r = state.result();
    const auto& trace = r.trace;
    const int n = trace.n;
    const int n_buckets = trace.config.n_buckets;
    if (n == 0 || trace.buckets.empty()) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    stage_chips(state, {Stage::hash});
    reformer_only_note(state);
    const std::vector<int>& labels = r.sequence.labels;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float avail = ImGui::GetContentRegionAvail().x;
    const TokenGrid& tokens = r.token_grid;
    const int cols = tokens.cols, rows = tokens.rows;
    const float cell = std::clamp(std::min(avail * 0.5f / float(cols), 18.0f), 3.0f, 18.0f);
    const float grid_w = cell * float(cols);
    const float grid_h = cell * float(rows);
    const float hist_w = std::max(avail - grid_w - 24.0f, 160.0f);
    const int hovered = state.hovered_token();
    const int on_show = round_blend(state.playback.round_position(int(trace.buckets.size())), int(trace.buckets.size())).from;

    ImGui::TextWrapped("Each square is a token (row-major, %d per row) coloured by its bucket; the grey strip at its "
                       "bottom is its label (%s: cluster, token id or planted role). Right: tokens per bucket; the line is the mean n / buckets.",
                       cols, toy_kind_name(r.params.toy.kind));
    std::vector<ImU32> colours;
    for (int b = 0; b < n_buckets; ++b) colours.push_back(bucket_colour(b, n_buckets));
    if (grids_.size() != trace.buckets.size()) grids_ = std::vector<plot::Texture>(trace.buckets.size());

    for (std::size_t round = 0; round < trace.buckets.size(); ++round) {
        const auto& buckets = trace.buckets[round];
        const BucketLoad& load = r.loads[round];
        ImGui::Text("round %zu   max %lld   mean %.1f   max/mean %.2f   empty %d", round, (long long)load.max,
                    load.mean, load.max_over_mean, load.empty);
        const CollisionStats& c = r.collisions[round];
        ImGui::TextDisabled("pairs sharing a bucket %lld (uniform hashing: %.0f); false collisions %lld; "
                            "true top-%d neighbours split apart %lld of %lld",
                            (long long)c.pairs, c.expected_uniform, (long long)c.false_collisions, r.recall_k,
                            (long long)c.misses, (long long)c.neighbour_pairs);
        if (int(round) == on_show) {
            ImGui::SameLine();
            ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.25f, 1.0f), "<- the round the hyperplanes view shows");
        }

        const ImVec2 origin = ImGui::GetCursorScreenPos();
        plot::Texture& grid = grids_[round];
        grid.update(state.version(), tokens.rgba[round], tokens.width(), tokens.height());
        draw->AddImage(grid.id(), origin, ImVec2(origin.x + grid_w, origin.y + grid_h));
        if (hovered >= 0 && hovered < n) {
            const float x = origin.x + cell * float(hovered % cols), y = origin.y + cell * float(hovered / cols);
            draw->AddRect(ImVec2(x - 2.0f, y - 2.0f), ImVec2(x + cell + 1.0f, y + cell + 1.0f), IM_COL32_WHITE, 0.0f,
                          0, 2.0f);
        }
        ImGui::InvisibleButton(("grid" + std::to_string(round)).c_str(), ImVec2(grid_w, grid_h));
        if (ImGui::IsItemHovered()) {
            const ImVec2 m = ImGui::GetIO().MousePos;
            const int c = int((m.x - origin.x) / cell), row = int((m.y - origin.y) / cell);
            const int i = row * cols + c;
            if (c >= 0 && c < cols && i >= 0 && i < n) {
                state.hover(i);
                ImGui::SetTooltip("token %d\nbucket %d\nlabel %d", i, buckets[std::size_t(i)],
                                  std::size_t(i) < labels.size() ? labels[std::size_t(i)] : -1);
            }
        }

        ImGui::SameLine(0.0f, 24.0f);
        std::vector<double> counts(load.counts.begin(), load.counts.end());
        plot::Axis x{0.0, double(n_buckets)};
        x.max_ticks = 0;
        const plot::Frame frame(("hist" + std::to_string(round)).c_str(), ImVec2(hist_w, grid_h),
                                x, plot::Axis{0.0, double(std::max<std::int64_t>(load.max, 1)) * 1.05});
        frame.bars(counts, colours);
        frame.horizontal_line(load.mean, IM_COL32(255, 255, 255, 220), "mean");
        if (hovered >= 0 && hovered < n) frame.vertical_line(double(buckets[std::size_t(hovered)]) + 0.5, IM_COL32_WHITE);
        if (frame.hovered()) {
            const int b = int(frame.x_of(ImGui::GetIO().MousePos.x));
            if (b >= 0 && b < n_buckets)
                ImGui::SetTooltip("bucket %d: %lld tokens", b, (long long)load.counts[std::size_t(b)]);
        }
        ImGui::Spacing();
    }
}

}  // namespace hashscope::gui
