#include "app/gui/view_memory.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "app/gui/plot.hpp"

namespace hashscope::gui {

namespace {

constexpr ImU32 kMethodColours[] = {IM_COL32(230, 90, 80, 255), IM_COL32(90, 170, 240, 255),
                                    IM_COL32(250, 200, 60, 255)};

ImU32 method_colour(Method method) { return kMethodColours[int(method)]; }

}  // namespace

void MemoryView::draw(AppState& state) {
    const SceneResult& r = state.result();
    if (r.memory.empty()) {
        ImGui::TextUnformatted("no trace");
        return;
    }
    const double method_bytes = double(total_bytes(r.memory));
    const double dense_bytes = double(total_bytes(r.dense_memory));
    ImGui::Text("%s at n = %d (float64): %s in %zu buffers; dense scores at the same n: %s (%.1fx)",
                method_name(r.params.method), r.trace.n, plot::format_bytes(method_bytes).c_str(), r.memory.size(),
                plot::format_bytes(dense_bytes).c_str(), method_bytes > 0.0 ? dense_bytes / method_bytes : 0.0);

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float left_w = std::max(avail.x * 0.42f, 260.0f);
    const float plot_h = std::max(avail.y - 12.0f, 220.0f);

    // Left: one bar per buffer of the current run, and dense scores for scale, on a log axis.
    ImGui::BeginGroup();
    std::vector<double> bytes;
    std::vector<ImU32> colours;
    for (const MemoryItem& item : r.memory) {
        bytes.push_back(std::max(double(item.bytes), 1.0));
        colours.push_back(method_colour(r.params.method));
    }
    bytes.push_back(dense_bytes);
    colours.push_back(method_colour(Method::dense));
    double top = 1.0;
    for (const double b : bytes) top = std::max(top, b);
    plot::Axis x{0.0, double(bytes.size())};
    x.max_ticks = 0;
    x.label = "buffers of this run (hover), last: dense scores";
    plot::Axis y{1.0, std::pow(1024.0, std::ceil(std::log(top) / std::log(1024.0))), plot::Scale::log10};
    y.format = plot::format_bytes;
    y.log_base = 1024.0;
    y.label = "bytes";
    const plot::Frame items("items", ImVec2(left_w, plot_h), x, y);
    items.bars(bytes, colours);
    if (items.hovered()) {
        const int i = int(items.x_of(ImGui::GetIO().MousePos.x));
        if (i >= 0 && i < int(r.memory.size()))
            ImGui::SetTooltip("%s\n%s", r.memory[std::size_t(i)].name.c_str(),
                              plot::format_bytes(double(r.memory[std::size_t(i)].bytes)).c_str());
        else if (i == int(r.memory.size()))
            ImGui::SetTooltip("dense scores and logsumexp at n = %d\n%s", r.trace.n, plot::format_bytes(dense_bytes).c_str());
    }
    ImGui::EndGroup();

    // Right: the sweep, one line per method, and a marker at the current n.
    ImGui::SameLine(0.0f, 16.0f);
    ImGui::BeginGroup();
    const MemorySweep& sweep = r.sweep;
    double lo = 1e300, hi = 1.0;
    for (const auto& series : sweep.bytes)
        for (const double b : series) {
            lo = std::min(lo, b);
            hi = std::max(hi, b);
        }
    plot::Axis sx{sweep.n.front(), sweep.n.back(), plot::Scale::log10};
    sx.label = "sequence length n (log)";
    sx.format = plot::format_count;
    sx.log_base = 4.0;
    sx.max_ticks = 8;
    const double kib = std::log(1024.0);
    plot::Axis sy{std::pow(1024.0, std::floor(std::log(lo) / kib)), std::pow(1024.0, std::ceil(std::log(hi) / kib)),
                  plot::Scale::log10};
    sy.format = plot::format_bytes;
    sy.log_base = 1024.0;
    sy.label = "bytes per head (log)";
    const plot::Frame frame("sweep", ImVec2(ImGui::GetContentRegionAvail().x, plot_h - ImGui::GetTextLineHeightWithSpacing()), sx, sy);
    for (std::size_t m = 0; m < sweep.bytes.size(); ++m) {
        frame.line(sweep.n, sweep.bytes[m], kMethodColours[m], 2.5f);
        frame.markers(sweep.n, sweep.bytes[m], kMethodColours[m], 3.0f);
    }
    frame.vertical_line(double(r.trace.n), IM_COL32(200, 200, 210, 200));
    for (const Method method : kAllMethods) {
        ImGui::ColorButton(method_name(method), ImGui::ColorConvertU32ToFloat4(method_colour(method)),
                           ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
        ImGui::SameLine();
        ImGui::TextUnformatted(method_name(method));
        ImGui::SameLine(0.0f, 18.0f);
    }
    ImGui::TextDisabled("vertical line: this run's n");
    if (frame.hovered()) {
        const double at = frame.x_of(ImGui::GetIO().MousePos.x);
        std::size_t i = 0;
        while (i + 1 < sweep.n.size() && std::abs(std::log(sweep.n[i + 1] / at)) < std::abs(std::log(sweep.n[i] / at))) ++i;
        ImGui::SetTooltip("n = %s\ndense %s\nSimHash top-k %s\nReformer %s", plot::format_count(sweep.n[i]).c_str(),
                          plot::format_bytes(sweep.bytes[0][i]).c_str(), plot::format_bytes(sweep.bytes[1][i]).c_str(),
                          plot::format_bytes(sweep.bytes[2][i]).c_str());
    }
    ImGui::EndGroup();
}

}  // namespace hashscope::gui
