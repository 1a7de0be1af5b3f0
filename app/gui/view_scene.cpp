#include "app/gui/view_scene.hpp"

#include <imgui.h>

#include <algorithm>
#include <bit>
#include <cstdio>

namespace hashscope::gui {

namespace {

constexpr ToyKind kKinds[] = {ToyKind::clusters, ToyKind::induction, ToyKind::needle, ToyKind::uniform,
                              ToyKind::llm_like};

// A slider over value / step (so the value moves in steps), labelled with the value itself.
bool stepped_slider(const char* label, int& value, int step, int lo, int hi) {
    int units = value / step;
    char text[32];
    std::snprintf(text, sizeof text, "%d", value);  // the value itself, also off the slider's grid (a setting)
    if (!ImGui::SliderInt(label, &units, lo / step, hi / step, text)) return false;
    value = units * step;
    return true;
}

// A slider over log2(value), for parameters that must be powers of two.
bool power_of_two_slider(const char* label, int& value, int lo_log2, int hi_log2) {
    int log2 = std::bit_width(unsigned(std::max(value, 1))) - 1;
    char text[32];
    std::snprintf(text, sizeof text, "%d", 1 << log2);
    if (!ImGui::SliderInt(label, &log2, lo_log2, hi_log2, text)) return false;
    value = 1 << log2;
    return true;
}

bool seed_slider(const char* label, std::uint64_t& seed) {
    int value = int(seed);
    if (!ImGui::SliderInt(label, &value, 1, 1000)) return false;
    seed = std::uint64_t(value);
    return true;
}

// A combo over the values of an enum, each shown by its name.
template <class E, std::size_t N>
bool enum_combo(const char* label, E& value, const E (&values)[N], const char* (*name)(E)) {
    bool changed = false;
    if (ImGui::BeginCombo(label, name(value))) {
        for (const E v : values)
            if (ImGui::Selectable(name(v), v == value)) {
                changed = v != value;
                value = v;
            }
        ImGui::EndCombo();
    }
    return changed;
}

bool data_controls(ToyParams& toy) {
    bool changed = enum_combo("toy data", toy.kind, kKinds, toy_kind_name);
    changed |= stepped_slider("n tokens", toy.n, 64, 64, 4096);
    changed |= stepped_slider("d", toy.d, 8, 8, 128);
    const bool uses_clusters = toy.kind == ToyKind::clusters || toy.kind == ToyKind::llm_like;
    if (uses_clusters) changed |= ImGui::SliderInt("clusters", &toy.clusters, 1, 16);
    if (toy.kind != ToyKind::uniform) {
        float spread = float(toy.spread);
        if (ImGui::SliderFloat("spread", &spread, 0.0f, 2.0f, "%.2f")) {
            toy.spread = spread;
            changed = true;
        }
    }
    if (toy.kind == ToyKind::induction) changed |= ImGui::SliderInt("vocab", &toy.vocab, 2, 4096);
    if (toy.kind == ToyKind::needle) {
        changed |= ImGui::SliderInt("needle at", &toy.needle_position, -1, toy.n - 1, toy.needle_position < 0 ? "from seed" : "%d");
        float strength = float(toy.needle_strength);
        if (ImGui::SliderFloat("needle strength", &strength, 0.0f, 4.0f, "%.2f")) {
            toy.needle_strength = strength;
            changed = true;
        }
    }
    if (toy.kind == ToyKind::llm_like) {
        float mean = float(toy.mean_scale), outlier = float(toy.outlier_scale);
        if (ImGui::SliderFloat("mean scale", &mean, 0.0f, 10.0f, "%.1f")) {
            toy.mean_scale = mean;
            changed = true;
        }
        changed |= ImGui::SliderInt("outlier dims", &toy.outlier_dims, 0, std::min(toy.d, 16));
        if (ImGui::SliderFloat("outlier scale", &outlier, 0.0f, 100.0f, "%.0f")) {
            toy.outlier_scale = outlier;
            changed = true;
        }
    }
    changed |= seed_slider("data seed", toy.seed);
    return changed;
}

bool method_controls(SceneParams& p) {
    bool changed = enum_combo("method", p.method, kAllMethods, method_name);
    ImGui::TextDisabled(p.method == Method::reformer ? "Reformer hashing (below) decides the keys"
                                                     : "hashing views still show Reformer's buckets");
    changed |= ImGui::SliderInt("rounds", &p.config.n_hashes, 1, 8);
    changed |= stepped_slider("buckets", p.config.n_buckets, 2, 2, 64);
    changed |= power_of_two_slider("chunk", p.config.chunk, 2, 7);
    changed |= ImGui::Checkbox("causal", &p.config.causal);
    if (p.method == Method::simhash_topk) {
        changed |= ImGui::SliderInt("SimHash bits", &p.simhash_bits, 1, 64);
        changed |= ImGui::SliderInt("top-k", &p.top_k, 1, 256);
    }
    changed |= seed_slider("hash seed", p.hash_seed);
    return changed;
}

// "Compute: CPU | GPU"; without a GPU (none on the machine, or a build without CUDA) one line says
// so instead of offering a choice — unless a session or lesson asked for the GPU, which can then be
// switched back.
bool compute_controls(SceneParams& p) {
    const ComputeStatus& status = compute_status();
    if (!status.gpu && p.target == ComputeTarget::cpu) {
        ImGui::TextDisabled("compute: CPU (%s)", gpu_built() ? "no GPU on this machine" : "built without CUDA");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", status.detail.c_str());
        return false;
    }
    ImGui::TextUnformatted("compute:");
    ImGui::SameLine();
    bool changed = ImGui::RadioButton("CPU", p.target == ComputeTarget::cpu) && p.target != ComputeTarget::cpu;
    if (changed) p.target = ComputeTarget::cpu;
    ImGui::SameLine();
    if (ImGui::RadioButton("GPU", p.target == ComputeTarget::gpu) && p.target != ComputeTarget::gpu) {
        p.target = ComputeTarget::gpu;
        changed = true;
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Reformer attention (and the Learned view's Hamming top-k) also run on the GPU, timed "
                          "beside their CPU twins on the same float inputs; the views animate the CPU results");
    return changed;
}

void playback_controls(Playback& playback) {
    if (ImGui::Button(playback.playing ? "pause" : "play", ImVec2(ImGui::GetFontSize() * 4.5f, 0.0f))) playback.playing = !playback.playing;
    ImGui::SameLine();
    if (ImGui::ArrowButton("back", ImGuiDir_Left)) playback.step(-1);
    ImGui::SameLine();
    if (ImGui::ArrowButton("forward", ImGuiDir_Right)) playback.step(+1);
    ImGui::SameLine();
    ImGui::Text("%s  %.0f%%", stage_name(playback.stage()), 100.0 * playback.stage_progress());
    float speed = float(playback.speed);
    if (ImGui::SliderFloat("speed", &speed, 0.1f, 4.0f, "%.1fx")) playback.speed = speed;
    ImGui::TextDisabled("space: play/pause   left/right: step   F11: full screen");
}

}  // namespace

void SceneView::draw(AppState& state) {
    const SceneResult& r = state.result();
    ImGui::PushItemWidth(-ImGui::GetFontSize() * 7.5f);
    ImGui::TextUnformatted("Animation");
    playback_controls(state.playback);
    ImGui::Separator();
    ImGui::TextUnformatted("Data");
    bool changed = data_controls(state.params.toy);
    // Touching the toy's controls leaves a model head (the Model view) for the toy again.
    if (changed) state.params.data.reset();
    ImGui::Separator();
    ImGui::TextUnformatted("Method");
    changed |= method_controls(state.params);
    changed |= compute_controls(state.params);
    if (changed) state.request();
    ImGui::Separator();
    ImGui::SliderFloat("font scale", &state.display.font_scale, 1.0f, 3.0f, "%.2fx");
    ImGui::PopItemWidth();
    ImGui::Separator();

    if (state.computing()) {
        ImGui::ProgressBar(state.computing_fraction(), ImVec2(-1.0f, 0.0f), state.computing_step());
        ImGui::TextDisabled("computing... the views show the last result");
    }
    if (!state.error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.45f, 1.0f));
        ImGui::TextWrapped("%s (showing the last good scene)", state.error().c_str());
        ImGui::PopStyleColor();
    }
    ImGui::TextWrapped("%s", r.sequence.description.c_str());
    ImGui::Text("%s, n = %d, %d chunks of %d slots", method_name(r.params.method), r.trace.n, r.trace.num_chunks(),
                r.trace.config.chunk);
    // As a tooltip: a line that changes with the machine's speed would make screenshots differ.
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("computed in %.0f ms on the worker thread", r.seconds * 1000.0);
    if (r.trace.standard_attention) ImGui::TextWrapped("n <= chunk: Reformer runs full self-attention");
    if (r.params.target == ComputeTarget::gpu) gpu_comparison_line(r.gpu);
}

}  // namespace hashscope::gui
