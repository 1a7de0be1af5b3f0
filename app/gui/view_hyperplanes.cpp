#include "app/gui/view_hyperplanes.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "app/gui/hyperplane_sectors.hpp"
#include "app/gui/palette.hpp"
#include "app/gui/plot.hpp"

namespace hashscope::gui {

namespace {

constexpr int kSectorSamples = 360;
// Points drawn at most (every k-th past it; hovering still finds every point): llvmpipe pays per
// rectangle, and 1500 points already show the cloud's shape.
constexpr int kMaxPoints = 1500;

ImU32 with_alpha(ImU32 colour, int alpha) { return (colour & ~IM_COL32_A_MASK) | (ImU32(alpha) << IM_COL32_A_SHIFT); }

ImU32 mix(ImU32 a, ImU32 b, double t) {
    const ImVec4 x = ImGui::ColorConvertU32ToFloat4(a), y = ImGui::ColorConvertU32ToFloat4(b);
    const float f = float(t);
    return ImGui::ColorConvertFloat4ToU32(
        ImVec4(x.x + (y.x - x.x) * f, x.y + (y.y - x.y) * f, x.z + (y.z - x.z) * f, x.w + (y.w - x.w) * f));
}

void tooltip(const SceneResult& r, int i) {
    const auto& k = r.sequence.k;
    std::string head;
    for (int c = 0; c < std::min<int>(4, int(k.cols())); ++c) {
        char v[16];
        std::snprintf(v, sizeof v, "%s%.2f", c ? ", " : "", k(i, c));
        head += v;
    }
    std::string bits;
    for (int b = 0; b < r.codes.bits; ++b) bits += r.codes.bit(i, b) ? '1' : '0';
    std::string buckets;
    for (const auto& round : r.trace.buckets) buckets += std::to_string(round[std::size_t(i)]) + " ";
    ImGui::SetTooltip("token %d (label %d)\nk = [%s, ...]  |k| = %.2f\nplane (%.2f, %.2f)\nSimHash bits %s\n"
                      "Reformer buckets per round: %s",
                      i, r.sequence.labels[std::size_t(i)], head.c_str(), k.row(i).norm(), r.projection.points(i, 0),
                      r.projection.points(i, 1), bits.c_str(), buckets.c_str());
}

// SimHash, the random-hyperplane hash: measured bit agreement per angle bin against 1 - θ/π.
void angle_plot(const AngleCollisions& a, ImVec2 size) {
    if (size.x < 120.0f || size.y < 100.0f || a.pairs == 0) return;
    ImGui::BeginGroup();
    ImGui::Text("SimHash, %d random hyperplanes: P(bit agrees) vs angle", a.bits);
    ImGui::TextDisabled("dots: measured over %lld key pairs; line: 1 - \u03B8/\u03C0; mean gap %.3f", (long long)a.pairs,
                        a.mean_gap);
    plot::Axis x(0.0, 180.0), y(0.0, 1.0);
    x.label = "angle between keys (degrees)";
    y.label = "bits agreeing";
    const float text_h = ImGui::GetTextLineHeightWithSpacing() * 2.0f;
    const plot::Frame frame("angles", ImVec2(size.x, std::max(size.y - text_h, 80.0f)), x, y);
    const double line_x[] = {0.0, 180.0}, line_y[] = {1.0, 0.0};
    frame.line(line_x, line_y, IM_COL32(230, 230, 230, 200), 1.5f);
    std::vector<double> xs, ys;
    for (std::size_t k = 0; k < a.theta.size(); ++k)
        if (a.count[k] >= 10) {
            xs.push_back(a.theta[k] * 180.0 / std::numbers::pi);
            ys.push_back(a.measured[k]);
        }
    frame.markers(xs, ys, IM_COL32(255, 200, 60, 255), 5.0f);
    ImGui::EndGroup();
}

}  // namespace

void HyperplanesView::draw(AppState& state) {
    const SceneResult& r = state.result();
    const int n = r.trace.n;
    const int rounds = int(r.round_directions.size());
    if (n == 0 || rounds == 0) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    stage_chips(state, {Stage::hash});
    reformer_only_note(state);
    const RoundBlend blend = round_blend(state.playback.round_position(rounds), rounds);
    const Matrix<double> dirs = blend_directions(r.round_directions[std::size_t(blend.from)],
                                                 r.round_directions[std::size_t(blend.to)], blend.t);
    const int n_buckets = r.trace.config.n_buckets, half = int(dirs.cols());
    ImGui::TextWrapped("Keys on their two principal directions (uncentred, so the origin is the origin: the hash "
                       "only sees directions). The plane holds %.0f%% of the keys' energy. Lines: round %d's %d "
                       "rotation directions (+ filled, - hollow); shading: the bucket argmax [xR, -xR] gives a vector "
                       "lying in this plane. Points: coloured by their actual bucket%s.",
                       100.0 * r.plane_share, blend.from, half,
                       n > kMaxPoints ? (" (one in " + std::to_string((n + kMaxPoints - 1) / kMaxPoints) + " shown)").c_str() : "");
    ImGui::Text("round %d%s", blend.from,
                blend.t > 0.0 ? (" -> " + std::to_string(blend.to)).c_str() : "");

    ImDrawList* draw = ImGui::GetWindowDrawList();
    // The plane and, beside it (or below it in a tall window), the SimHash agreement plot.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool beside = avail.x >= avail.y * 1.4f;
    const float side = std::max(beside ? std::min(avail.y - 8.0f, avail.x * 0.58f) : std::min(avail.x, avail.y * 0.62f) - 8.0f,
                                64.0f);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const ImVec2 centre(o.x + side * 0.5f, o.y + side * 0.5f);
    double extent = 1e-9;
    for (int i = 0; i < n; ++i)
        extent = std::max({extent, std::abs(r.projection.points(i, 0)), std::abs(r.projection.points(i, 1))});
    const float scale = side * 0.46f / float(extent);
    const auto to_screen = [&](double x, double y) { return ImVec2(centre.x + float(x) * scale, centre.y - float(y) * scale); };

    draw->AddRectFilled(o, ImVec2(o.x + side, o.y + side), IM_COL32(22, 22, 28, 255));
    draw->PushClipRect(o, ImVec2(o.x + side, o.y + side), true);
    // Sectors: each run of equal bucket along the sampled circle is one convex polygon (an argmax of
    // linear functions is a cone), so there are no seams between thin triangles.
    const std::vector<int> sectors = sector_buckets(dirs, kSectorSamples);
    const float radius = side * 0.75f;
    const auto rim = [&](double sample) {
        const double a = 2.0 * std::numbers::pi * sample / kSectorSamples;
        return ImVec2(centre.x + radius * float(std::cos(a)), centre.y - radius * float(std::sin(a)));
    };
    // Start at a bucket change so no run wraps around the sample array's end.
    int start = 0;
    while (start < kSectorSamples && sectors[std::size_t(start)] == sectors[0]) ++start;
    if (start == kSectorSamples) start = 0;
    std::vector<ImVec2> polygon;
    for (int done = 0; done < kSectorSamples;) {
        const int bucket = sectors[std::size_t((start + done) % kSectorSamples)];
        int length = 1;
        while (done + length < kSectorSamples && sectors[std::size_t((start + done + length) % kSectorSamples)] == bucket)
            ++length;
        polygon.assign(1, centre);
        // One rim point per sample, from the boundary before the run to the boundary after it.
        for (int k = 0; k <= length; ++k) polygon.push_back(rim(double(start + done + k) - 0.5));
        draw->AddConvexPolyFilled(polygon.data(), int(polygon.size()), with_alpha(bucket_colour(bucket, n_buckets), 60));
        done += length;
    }
    double longest = 1e-12;
    for (int j = 0; j < half; ++j) longest = std::max(longest, std::hypot(dirs(0, j), dirs(1, j)));
    for (int j = 0; j < half; ++j) {
        const double ux = dirs(0, j) / longest, uy = dirs(1, j) / longest;
        const float len = side * 0.45f;
        const ImVec2 plus(centre.x + float(ux) * len, centre.y - float(uy) * len);
        const ImVec2 minus(centre.x - float(ux) * len, centre.y + float(uy) * len);
        draw->AddLine(centre, plus, bucket_colour(j, n_buckets), 2.0f);
        draw->AddLine(centre, minus, bucket_colour(j + half, n_buckets), 2.0f);
        draw->AddCircleFilled(plus, 4.0f, bucket_colour(j, n_buckets));
        draw->AddCircle(minus, 4.0f, bucket_colour(j + half, n_buckets), 0, 1.5f);
    }
    // Points, fading from their bucket in one round to the next.
    const auto& from = r.trace.buckets[std::size_t(blend.from)];
    const auto& to = r.trace.buckets[std::size_t(blend.to)];
    const float dot = n > 1024 ? 2.5f : 3.5f;
    const int stride = (n + kMaxPoints - 1) / kMaxPoints;
    for (int i = 0; i < n; i += stride) {
        const ImU32 c = blend.t > 0.0 ? mix(bucket_colour(from[std::size_t(i)], n_buckets),
                                            bucket_colour(to[std::size_t(i)], n_buckets), blend.t)
                                      : bucket_colour(from[std::size_t(i)], n_buckets);
        const ImVec2 p = to_screen(r.projection.points(i, 0), r.projection.points(i, 1));
        draw->AddRectFilled(ImVec2(p.x - dot, p.y - dot), ImVec2(p.x + dot, p.y + dot), c);
    }
    const int hovered = state.hovered_token();
    if (hovered >= 0 && hovered < n) {
        const ImVec2 p = to_screen(r.projection.points(hovered, 0), r.projection.points(hovered, 1));
        draw->AddCircle(p, 9.0f, IM_COL32_WHITE, 0, 2.5f);
    }
    draw->AddLine(ImVec2(centre.x - 6, centre.y), ImVec2(centre.x + 6, centre.y), IM_COL32_WHITE);
    draw->AddLine(ImVec2(centre.x, centre.y - 6), ImVec2(centre.x, centre.y + 6), IM_COL32_WHITE);
    draw->PopClipRect();
    draw->AddRect(o, ImVec2(o.x + side, o.y + side), IM_COL32(120, 120, 130, 255));

    ImGui::InvisibleButton("plane", ImVec2(side, side));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        int best = -1;
        float best_d2 = 64.0f;
        for (int i = 0; i < n; ++i) {
            const ImVec2 p = to_screen(r.projection.points(i, 0), r.projection.points(i, 1));
            const float d2 = (p.x - m.x) * (p.x - m.x) + (p.y - m.y) * (p.y - m.y);
            if (d2 < best_d2) {
                best_d2 = d2;
                best = i;
            }
        }
        if (best >= 0) {
            state.hover(best);
            tooltip(r, best);
        }
    }
    if (beside) ImGui::SameLine();
    const ImVec2 rest = ImGui::GetContentRegionAvail();
    angle_plot(r.angles, ImVec2(rest.x, beside ? side : rest.y));
}

}  // namespace hashscope::gui
