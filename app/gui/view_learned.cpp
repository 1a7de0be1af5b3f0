#include "app/gui/view_learned.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/plot.hpp"

namespace hashscope::gui {

namespace {

constexpr ImU32 kExact = IM_COL32(200, 200, 205, 255);
constexpr ImU32 kSimHash = IM_COL32(90, 160, 230, 255);
constexpr ImU32 kLearned = IM_COL32(240, 150, 60, 255);
constexpr ImU32 kPivotal = IM_COL32(250, 205, 60, 190);  // histogram: true top-k keys
constexpr ImU32 kRest = IM_COL32(120, 130, 190, 150);    // histogram: every other key
const ImVec4 kHint{1.0f, 0.8f, 0.3f, 1.0f};

ImU32 method_colour(const std::string& name) {
    return name == "exact" ? kExact : name == "learned" ? kLearned : kSimHash;
}

void controls(AppState& state) {
    LearnedLab& lab = state.learned;
    static constexpr int kBits[] = {8, 16, 32, 64};
    const float w = ImGui::GetFontSize() * 6.0f;
    ImGui::SetNextItemWidth(w);
    if (ImGui::BeginCombo("bits", std::to_string(lab.settings.bits).c_str())) {
        for (const int b : kBits)
            if (ImGui::Selectable(std::to_string(b).c_str(), b == lab.settings.bits)) lab.settings.bits = b;
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    int top = lab.settings.top;
    if (ImGui::InputInt("top-k", &top, 1, 8)) lab.settings.top = std::clamp(top, 1, std::max(1, state.result().trace.n - 1));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w * 1.5f);
    ImGui::SliderInt("epochs", &lab.settings.epochs, 1, 200);
    ImGui::SameLine();
    if (lab.training()) {
        if (ImGui::Button("Cancel")) lab.cancel();
    } else if (ImGui::Button("Train")) {
        lab.train(state.result(), state.version());
    }
}

// The live loss curve: one point per optimiser step, epochs on the x axis.
void loss_plot(const LossCurve& raw, int epochs, ImVec2 size) {
    const LossCurve curve = sample_curve(raw, int(size.x));
    double top = curve.loss.empty() ? 1.0 / 1.05 : 0.0;
    for (const double l : curve.loss) top = std::max(top, l);
    plot::Axis x{0.0, double(std::max(curve.x.empty() ? epochs : curve.epochs, 1))};
    x.label = "epoch";
    plot::Axis y{0.0, top * 1.05};
    y.label = "training loss";
    y.max_ticks = 4;
    const plot::Frame frame("loss", size, x, y);
    if (curve.x.empty()) {
        ImGui::GetWindowDrawList()->AddText(frame.to_screen(0.05 * x.hi, 0.5 * y.hi), IM_COL32(160, 160, 170, 255),
                                            "no training yet: press Train");
        return;
    }
    frame.line(curve.x, curve.loss, kLearned);
}

// One metric of each method against sparsity (kept keys = n / sparsity), log2 x axis.
void sparsity_plot(const LearnedLabResult& r, int metric, ImVec2 size) {
    static constexpr const char* kMetrics[] = {"recall@k", "attention mass", "relative output error"};
    std::vector<std::string> names = {"exact"};
    for (const CodedMethod& m : r.methods) names.push_back(m.name);
    double top = 1.0;
    for (const TopKScore& s : r.comparison.scores) top = std::max(top, metric == 2 ? s.output_error : 1.0);
    plot::Axis x{4.0, 64.0, plot::Scale::log10};
    x.log_base = 2.0;
    x.label = "sparsity (n / keys kept)";
    plot::Axis y{0.0, top};
    y.label = kMetrics[metric];
    y.max_ticks = 5;
    const plot::Frame frame("sparsity", size, x, y);
    for (const std::string& name : names) {
        std::vector<double> xs, ys;
        for (const TopKScore& s : r.comparison.scores)
            if (s.method == name) {
                xs.push_back(double(s.sparsity));
                ys.push_back(metric == 0 ? s.recall : metric == 1 ? s.mass : s.output_error);
            }
        frame.line(xs, ys, method_colour(name));
        frame.markers(xs, ys, method_colour(name));
    }
}

// Recall@k against code width (8..64 bits, log2 x axis) for SimHash and, once trained, learned codes.
void bits_plot(const LearnedLabResult& r, ImVec2 size) {
    plot::Axis x{8.0, 64.0, plot::Scale::log10};
    x.log_base = 2.0;
    x.label = "code bits (each learned width trained alike)";
    plot::Axis y{0.0, 1.0};
    y.label = "recall@" + std::to_string(r.settings.top);
    y.max_ticks = 5;
    const plot::Frame frame("bits", size, x, y);
    for (const char* name : {"SimHash", "learned"}) {
        std::vector<double> xs, ys;
        for (const BitsRecall& p : r.bits_sweep) {
            const double value = std::string(name) == "SimHash" ? p.simhash : p.learned;
            if (std::isnan(value)) continue;
            xs.push_back(double(p.bits));
            ys.push_back(value);
        }
        frame.line(xs, ys, method_colour(name));
        frame.markers(xs, ys, method_colour(name));
    }
}

// Two overlaid histograms of one method: Hamming distance of (query, true top-k key) pairs and of
// every other pair, each as fractions of its own total.
void distance_histogram(const DistanceHistogram& h, int bits, int top, const char* id, ImVec2 size) {
    const std::vector<double> pivotal = distance_fractions(h.pivotal), rest = distance_fractions(h.rest);
    double peak = 0.01;
    for (std::size_t i = 0; i < pivotal.size(); ++i) peak = std::max({peak, pivotal[i], rest[i]});
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_colour(h.method)), "%s", h.method.c_str());
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kPivotal), "top-%d keys: mean %.1f", top, mean_distance(h.pivotal));
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kRest), " rest: mean %.1f bits", mean_distance(h.rest));
    plot::Axis x{0.0, double(bits + 1)};
    x.label = "Hamming distance to the query (bits)";
    plot::Axis y{0.0, peak * 1.05};
    y.label = "fraction of pairs";
    y.max_ticks = 4;
    const plot::Frame frame(id, ImVec2(size.x, size.y - ImGui::GetTextLineHeightWithSpacing()), x, y);
    frame.bars(rest, std::span<const ImU32>(&kRest, 1));
    frame.bars(pivotal, std::span<const ImU32>(&kPivotal, 1));
}

// The query's code on top, then the keys the method keeps, nearest first: one small cell per bit,
// light for 1 and dark for 0, red where the key disagrees with the query. A key's label is bright
// when it is among the query's true top-k.
void bit_matrix(const LearnedLabResult& r, std::size_t m, int query, ImVec2 size) {
    const CodedMethod& method = r.methods[m];
    const std::vector<std::int32_t>& picked = r.picks[m][std::size_t(query)];
    const std::vector<std::int32_t>& truth = r.exact[std::size_t(query)];
    const int bits = method.queries.bits;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_colour(method.name)), "%s: query %d and its %zu nearest keys",
                       method.name.c_str(), query, picked.size());
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const float label_w = ImGui::CalcTextSize("key 0000  d 00  ").x;
    const float cell = std::clamp(std::floor((size.x - label_w - 8.0f) / float(bits)), 3.0f, 18.0f);
    const float row_h = ImGui::GetTextLineHeight() + 2.0f;  // every row keeps its readable label
    const int rows = std::clamp(int((size.y - line) / row_h) - 1, 0, int(picked.size()));
    int hits = 0;
    for (const std::int32_t key : picked) hits += std::count(truth.begin(), truth.end(), key) > 0;
    auto draw_row = [&](int row, const std::uint32_t* code, const char* label, ImU32 label_colour) {
        const float y = o.y + float(row) * row_h;
        draw->AddText(ImVec2(o.x, y), label_colour, label);
        for (int b = 0; b < bits; ++b) {
            const bool bit = (code[b / 32] >> (b % 32)) & 1u;
            const bool q_bit = method.queries.bit(query, b);
            const ImU32 colour = bit == q_bit ? (bit ? IM_COL32(215, 215, 225, 255) : IM_COL32(62, 62, 74, 255))
                                              : (bit ? IM_COL32(245, 110, 95, 255) : IM_COL32(140, 40, 40, 255));
            const ImVec2 a(o.x + label_w + float(b) * cell, y + 1.0f);
            draw->AddRectFilled(a, ImVec2(a.x + cell - 1.0f, a.y + row_h - 2.0f), colour);
        }
    };
    char label[48];
    std::snprintf(label, sizeof label, "query %d", query);
    draw_row(0, method.queries.row(query), label, IM_COL32(255, 255, 255, 255));
    for (int i = 0; i < rows; ++i) {
        const std::int32_t key = picked[std::size_t(i)];
        const int d = hamming_distance(method.queries.row(query), method.keys.row(key), method.keys.words_per_row);
        const bool pivotal = std::count(truth.begin(), truth.end(), key) > 0;
        std::snprintf(label, sizeof label, "key %d  d %d", key, d);
        draw_row(i + 1, method.keys.row(key), label, pivotal ? IM_COL32(250, 205, 60, 255) : IM_COL32(130, 130, 140, 255));
    }
    ImGui::Dummy(ImVec2(size.x, float(rows + 1) * row_h));
    ImGui::Text("%d of %zu kept keys are true top-%d (yellow labels)%s", hits, picked.size(), r.settings.top,
                rows < int(picked.size()) ? "; the nearest shown" : "");
}

// Where the learned codes' panels go before training: an outlined box with the hint.
void untrained_panel(ImVec2 size) {
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRect(o, ImVec2(o.x + size.x, o.y + size.y), IM_COL32(90, 90, 100, 255), 4.0f);
    const char* text = "learned codes: press Train";
    const ImVec2 t = ImGui::CalcTextSize(text);
    draw->AddText(ImVec2(o.x + (size.x - t.x) * 0.5f, o.y + (size.y - t.y) * 0.5f), kLearned, text);
    ImGui::Dummy(size);
}

}  // namespace

void LearnedView::draw(AppState& state) {
    LearnedLab& lab = state.learned;
    lab.follow(state.result(), state.version());
    controls(state);
    const LearnedLabResult* r = lab.result();
    const LossCurve curve = lab.curve();
    ImGui::SameLine();
    if (lab.training())
        ImGui::Text("training: epoch %zu / %d", curve.epoch_recall.size(), curve.epochs);
    else if (lab.busy())
        ImGui::TextDisabled("measuring...");
    else if (r && r->trained)
        ImGui::Text("trained %d epochs in %.2f s%s (train = test: the scene's own Q/K)", r->settings.epochs,
                    r->train_seconds, r->cancelled ? ", cancelled" : "");
    if (!r) {
        ImGui::TextDisabled("measuring SimHash...");
        return;
    }
    if (!r->error.empty()) {
        ImGui::TextColored(kHint, "%s", r->error.c_str());
        return;
    }
    if (!r->trained)
        ImGui::TextColored(kHint, "Showing SimHash alone. Press Train to learn %d-bit codes on this scene's Q/K and "
                                  "compare them at equal bits.", r->settings.bits);
    else
        ImGui::TextWrapped("Learned codes pull each query's true top-%d keys (by q.k) close in Hamming space; random "
                           "hyperplanes only follow direction, so on keys with a shared mean (kind llm_like) they "
                           "cannot tell them apart.", r->settings.top);
    for (const GpuComparison& g : r->gpu) gpu_comparison_line(g);

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = 16.0f, half = std::floor((avail.x - gap) * 0.5f);
    const float row_h = std::max(std::floor(avail.y * 0.3f), 150.0f);

    ImGui::BeginGroup();
    loss_plot(curve, r->settings.epochs, ImVec2(half, row_h));
    ImGui::EndGroup();
    ImGui::SameLine(0.0f, gap);
    ImGui::BeginGroup();
    const ImVec2 plot_size(half, row_h - ImGui::GetFrameHeightWithSpacing());
    if (metric_ == 3) bits_plot(*r, plot_size);
    else sparsity_plot(*r, metric_, plot_size);
    static constexpr const char* kMetrics[] = {"recall@k", "attention mass", "relative output error", "recall@k vs bits"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11.0f);
    ImGui::Combo("##metric", &metric_, kMetrics, 4);
    ImGui::SameLine();
    for (const char* name : {"exact", "SimHash", "learned"}) {
        if (std::string(name) == "exact" && metric_ == 3) continue;
        if (std::string(name) == "learned" && !r->trained) break;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_colour(name)), "%s", name);
        ImGui::SameLine();
    }
    ImGui::NewLine();
    ImGui::EndGroup();

    const std::size_t methods = r->methods.size();
    for (std::size_t m = 0; m < 2; ++m) {
        if (m > 0) ImGui::SameLine(0.0f, gap);
        ImGui::BeginGroup();
        if (m < methods)
            distance_histogram(r->comparison.histograms[m], r->settings.bits, r->settings.top, m ? "hist1" : "hist0",
                               ImVec2(half, row_h));
        else
            untrained_panel(ImVec2(half, row_h));
        ImGui::EndGroup();
    }

    const int n = r->n;
    const int hovered = state.hovered_token();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14.0f);
    ImGui::SliderInt("query (or hover a token in another view)", &query_, 0, n - 1);
    query_ = std::clamp(query_, 0, n - 1);
    const int query = hovered >= 0 && hovered < n ? hovered : query_;
    const ImVec2 rest = ImGui::GetContentRegionAvail();
    for (std::size_t m = 0; m < methods; ++m) {
        if (m > 0) ImGui::SameLine(0.0f, gap);
        ImGui::BeginGroup();
        bit_matrix(*r, m, query, ImVec2(half, rest.y - ImGui::GetTextLineHeightWithSpacing()));
        ImGui::EndGroup();
    }
    if (methods < 2) {
        ImGui::SameLine(0.0f, gap);
        untrained_panel(ImVec2(half, rest.y - ImGui::GetTextLineHeightWithSpacing()));
    }
}

}  // namespace hashscope::gui
