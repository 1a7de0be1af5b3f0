#include "app/gui/view_model.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/heatmap.hpp"
#include "core/model/head_swap.hpp"

namespace hashscope::gui {

namespace {

constexpr ImU32 kSelected = IM_COL32(90, 200, 255, 255);
constexpr ImU32 kBetter = IM_COL32(70, 120, 200, 255);  // a head whose hashing lowers the loss

// Δloss as a colour: the heat ramp for losses (sqrt against the largest), blue for gains.
ImU32 delta_colour(double delta, double largest) {
    if (delta < 0.0) return kBetter;
    return heat_colour(largest > 0.0 ? float(std::sqrt(delta / largest)) : 0.0f);
}

// The index of (layer, head) among the sensitivity's candidates, -1 when it is not one.
int candidate(const SensitivityTrace& s, int layer, int head) {
    const auto it = std::find(s.heads.begin(), s.heads.end(), std::pair{layer, head});
    return it == s.heads.end() ? -1 : int(it - s.heads.begin());
}

}  // namespace

void ModelView::header(AppState& state) {
    ModelLab& lab = state.model_lab;
    if (!synced_) {
        std::snprintf(prompt_, sizeof prompt_, "%s", lab.job.prompt.c_str());
        if (lab.run()) std::snprintf(path_, sizeof path_, "%s", lab.run()->path.c_str());
        synced_ = true;
    }
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
    const bool entered = ImGui::InputTextWithHint("##path", "model file: .bin (llama2.c), .gguf, .safetensors or a folder",
                                                  path_, sizeof path_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Open") || entered) && path_[0]) lab.load(path_);
    ImGui::SameLine();
    ImGui::TextDisabled("or drop a model file on the window");

    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
    const bool run_prompt = ImGui::InputText("prompt", prompt_, sizeof prompt_, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::IsItemEdited()) lab.job.prompt = prompt_;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
    if (ImGui::BeginCombo("hash method", lab.job.method.c_str())) {
        for (const std::string& name : head_method_names())
            if (ImGui::Selectable(name.c_str(), name == lab.job.method)) lab.job.method = name;
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    const bool rerun = ImGui::Button("Run");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("forward pass on the prompt, then the sensitivity of every head");
    if ((run_prompt || rerun) && lab.run()) lab.rerun(true);

    if (lab.busy()) {
        const ModelProgress p = lab.progress();
        ImGui::ProgressBar(p.fraction, ImVec2(-1.0f, 0.0f), p.stage.c_str());
    }
    if (!lab.error().empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", lab.error().c_str());
    if (const auto& run = lab.run()) {
        const ModelConfig& c = run->model->weights.config;
        ImGui::Text("%s  (%s, %s): %d layers x %d heads (%d KV), head_dim %d, dim %d, vocab %d; tokenizer %s",
                    run->path.c_str(), run->model->weights.format().c_str(), architecture_name(c.architecture), c.layers,
                    c.heads, c.kv_heads, c.head_dim, c.dim, c.vocab, run->model->tokenizer->kind());
    }
}

void ModelView::token_chips(const ModelRun& run) {
    const float right = ImGui::GetWindowContentRegionMax().x;
    for (std::size_t i = 0; i < run.tokens.size(); ++i) {
        char label[96];
        std::snprintf(label, sizeof label, "%s##tok%zu", run.token_text[i].c_str(), i);
        const bool lit = int(i) == token_;
        if (lit) ImGui::PushStyleColor(ImGuiCol_Button, kSelected);
        if (ImGui::SmallButton(label)) token_ = int(i);
        if (lit) ImGui::PopStyleColor();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("position %zu, token id %d", i, run.tokens[i]);
        const float next = ImGui::GetItemRectMax().x + ImGui::CalcTextSize(run.token_text[i].c_str()).x + 30.0f;
        if (i + 1 < run.tokens.size() && next < ImGui::GetWindowPos().x + right) ImGui::SameLine();
    }
}

void ModelView::head_grid(AppState& state, const ModelRun& run, float width) {
    const ModelConfig& c = run.model->weights.config;
    const SensitivityTrace* s = run.sensitivity ? &*run.sensitivity : nullptr;
    double largest = 0.0;
    if (s)
        for (const double d : s->delta_loss) largest = std::max(largest, d);
    if (s)
        ImGui::Text("change of the next-token loss when that one head runs %s (dense loss %.4f nats)",
                    run.method.c_str(), s->loss_dense);
    else
        ImGui::TextUnformatted("layer x head (press Run for the sensitivity map)");
    const float label_w = ImGui::CalcTextSize("layer 00").x + 8.0f;
    const float cell = std::clamp((width - label_w) / float(c.heads), 14.0f, 72.0f);
    const float cell_h = std::min(cell * 0.6f, ImGui::GetTextLineHeightWithSpacing() * 1.6f);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    for (int h = 0; h < c.heads; ++h) {
        char text[16];
        std::snprintf(text, sizeof text, "h%d", h);
        draw->AddText(ImVec2(o.x + label_w + cell * float(h) + 3.0f, o.y), IM_COL32(200, 200, 200, 255), text);
    }
    const float top = o.y + ImGui::GetTextLineHeightWithSpacing();
    for (int l = 0; l < c.layers; ++l) {
        char text[32];
        std::snprintf(text, sizeof text, "layer %d", l);
        const float y = top + cell_h * float(l);
        draw->AddText(ImVec2(o.x, y + (cell_h - ImGui::GetFontSize()) * 0.5f), IM_COL32(200, 200, 200, 255), text);
        for (int h = 0; h < c.heads; ++h) {
            const ImVec2 a(o.x + label_w + cell * float(h), y), b(a.x + cell - 2.0f, y + cell_h - 2.0f);
            const int i = s ? candidate(*s, l, h) : -1;
            const double delta = i >= 0 ? s->delta_loss[std::size_t(i)] : 0.0;
            draw->AddRectFilled(a, b, i >= 0 ? delta_colour(delta, largest) : IM_COL32(60, 60, 70, 255));
            if (i >= 0 && cell >= 44.0f) {
                std::snprintf(text, sizeof text, "%+.4f", delta);
                const bool bright = delta > 0.0 && largest > 0.0 && delta / largest > 0.35;
                draw->AddText(ImVec2(a.x + 3.0f, a.y + (cell_h - ImGui::GetFontSize()) * 0.5f - 1.0f),
                              bright ? IM_COL32(20, 20, 20, 255) : IM_COL32(235, 235, 235, 255), text);
            }
            if (l == state.model_lab.layer && h == state.model_lab.head) draw->AddRect(a, b, kSelected, 0.0f, 0, 3.0f);
            if (ImGui::IsMouseHoveringRect(a, b)) {
                if (i >= 0)
                    ImGui::SetTooltip("layer %d head %d: loss change %+.5f nats", l, h, delta);
                else
                    ImGui::SetTooltip("layer %d head %d", l, h);
                if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) state.use_model_head(l, h);
            }
        }
    }
    ImGui::Dummy(ImVec2(width, cell_h * float(c.layers) + ImGui::GetTextLineHeightWithSpacing()));
    ImGui::TextDisabled("click a head: its Q/K/V become the data of every hash view");
    if (state.params.data) {
        ImGui::SameLine();
        if (ImGui::SmallButton("back to toy data")) {
            state.params.data.reset();
            state.request();
        }
    }
}

void ModelView::group_sharing(const AppState& state, const ModelRun& run) {
    if (!run.sharing) {
        ImGui::TextDisabled("every query head has its own KV head: no top-k selection to share across a group");
        return;
    }
    const GroupSharing& s = *run.sharing;
    const int layer = std::clamp(state.model_lab.layer, 0, int(s.layers.size()) - 1);
    const GroupRecall& here = s.layers[std::size_t(layer)];
    ImGui::Text("one top-%d selection per KV head for its %d query heads (SimHash, %d bits), recall@%d:", s.top, s.group,
                s.bits, s.top);
    const bool hovered_caption = ImGui::IsItemHovered();
    ImGui::Text("layer %d  %.2f shared / %.2f own      all layers  %.2f / %.2f", layer, here.mean_shared(),
                here.mean_own(), s.mean_shared(), s.mean_own());
    if (!hovered_caption && !ImGui::IsItemHovered()) return;
    ImGui::BeginTooltip();
    ImGui::TextUnformatted("Mean recall of each head's exact top keys by the group's shared selection (summed Hamming\n"
                           "distances: a GPU gathers the rows once per group) and by the head's own selection.");
    for (std::size_t l = 0; l < s.layers.size(); ++l)
        ImGui::Text("layer %zu: shared %.3f, own %.3f", l, s.layers[l].mean_shared(), s.layers[l].mean_own());
    ImGui::EndTooltip();
}

void ModelView::swap_curve(const ModelRun& run, float width, float height) {
    if (!run.sensitivity || run.sensitivity->curve.empty()) return;
    const SensitivityTrace& s = *run.sensitivity;
    std::vector<double> xs, ys;
    double lo = s.loss_dense, hi = s.loss_dense;
    for (const SwapCurvePoint& p : s.curve) {
        xs.push_back(p.fraction);
        ys.push_back(p.loss);
        lo = std::min(lo, p.loss);
        hi = std::max(hi, p.loss);
    }
    const double pad = std::max((hi - lo) * 0.1, 1e-3);
    plot::Axis x{0.0, 1.0};
    x.label = "fraction of heads swapped to " + run.method + " (least sensitive first)";
    plot::Axis y{lo - pad, hi + pad};
    y.label = "next-token loss";
    y.max_ticks = 5;
    const plot::Frame frame("swap_curve", ImVec2(width, height), x, y);
    frame.horizontal_line(s.loss_dense, IM_COL32(160, 160, 160, 255), "dense");
    frame.line(xs, ys, IM_COL32(255, 170, 60, 255));
    frame.markers(xs, ys, IM_COL32(255, 170, 60, 255));
}

void ModelView::attention_map(AppState& state, const ModelRun& run, float width) {
    const int layer = state.model_lab.layer, head = state.model_lab.head;
    const auto& probabilities = run.trace.layers[std::size_t(layer)].probabilities;
    if (probabilities.empty()) return;
    const auto& p = probabilities[std::size_t(head)];
    const int n = int(p.rows());
    token_ = std::clamp(token_ < 0 ? n - 1 : token_, 0, n - 1);
    const std::uint64_t key = run_version_ * 1000003u + std::uint64_t(layer) * 1024u + std::uint64_t(head);
    if (key != map_key_) {
        PooledMap pooled(n, kMaxMapSide);
        for (int i = 0; i < n; ++i) pooled.add_row(i, p.row(i));
        const auto rgba = pooled.sqrt_colours(pooled.max_value());
        map_.update(key, rgba, pooled.side(), pooled.side());
        map_key_ = key;
    }
    char title[96];
    std::snprintf(title, sizeof title, "layer %d head %d: attention probabilities (rows: queries)", layer, head);
    const float side = std::floor(std::min(width, ImGui::GetContentRegionAvail().y * 0.6f));
    const ImVec2 o = plot::image(map_, side, title);
    const float cell = side / float(n);
    const float y = o.y + cell * (float(token_) + 0.5f);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(o.x, y), ImVec2(o.x + side, y), kSelected, 2.0f);
    if (ImGui::IsMouseHoveringRect(o, ImVec2(o.x + side, o.y + side))) {
        const int q = int((ImGui::GetIO().MousePos.y - o.y) / cell), k = int((ImGui::GetIO().MousePos.x - o.x) / cell);
        if (q >= 0 && q < n && k >= 0 && k < n) {
            state.hover(q);
            ImGui::SetTooltip("query %d \"%s\" -> key %d \"%s\": %.4f", q, run.token_text[std::size_t(q)].c_str(), k,
                              run.token_text[std::size_t(k)].c_str(), double(p(q, k)));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) token_ = q;
        }
    }
    ImGui::SetNextItemWidth(side);
    // The slider's label is an ImGui format: the token's own '%' are doubled.
    std::string format = "%d: \"";
    for (const char ch : run.token_text[std::size_t(token_)]) format += ch == '%' ? std::string("%%") : std::string(1, ch);
    ImGui::SliderInt("query token", &token_, 0, n - 1, (format + "\"").c_str());
    std::vector<double> row(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) row[std::size_t(j)] = p(token_, j);
    plot::Axis x{0.0, double(n)};
    x.label = "key position (query \"" + run.token_text[std::size_t(token_)] + "\" at " + std::to_string(token_) + ")";
    plot::Axis yaxis{0.0, 1.0};
    yaxis.label = "probability";
    yaxis.max_ticks = 3;
    const plot::Frame frame("query_row", ImVec2(width, std::max(ImGui::GetContentRegionAvail().y, 120.0f)), x, yaxis);
    const ImU32 orange = IM_COL32(255, 170, 60, 255);
    frame.bars(row, std::span<const ImU32>(&orange, 1));
}

void ModelView::draw(AppState& state) {
    header(state);
    const auto run = state.model_lab.run();
    if (!run) {
        ImGui::Spacing();
        ImGui::TextWrapped("No model yet. Open a llama2.c checkpoint (tokenizer.bin or tok*.bin beside it), a GGUF "
                           "file or a safetensors model, e.g. stories260K.bin.");
        return;
    }
    if (state.model_lab.version() != run_version_) {
        run_version_ = state.model_lab.version();
        const ModelConfig& c = run->model->weights.config;
        state.model_lab.layer = std::min(state.model_lab.layer, c.layers - 1);
        state.model_lab.head = std::min(state.model_lab.head, c.heads - 1);
        token_ = -1;
    }
    token_chips(*run);
    ImGui::Separator();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float left = std::floor(avail.x * 0.5f);
    ImGui::BeginChild("heads", ImVec2(left, avail.y));
    head_grid(state, *run, left - 16.0f);
    ImGui::Spacing();
    group_sharing(state, *run);
    ImGui::Spacing();
    swap_curve(*run, left - 16.0f, std::max(ImGui::GetContentRegionAvail().y, 160.0f));
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("attention", ImVec2(0.0f, avail.y));
    attention_map(state, *run, ImGui::GetContentRegionAvail().x - 16.0f);
    ImGui::EndChild();
}

}  // namespace hashscope::gui
