#include "app/gui/view_scene.hpp"

#include <imgui.h>

#include <bit>
#include <cstdio>

namespace hashscope::gui {

void SceneView::draw(AppState& state) {
    const ToySequence& seq = state.sequence();
    ImGui::TextWrapped("%s", seq.description.c_str());
    ImGui::Text("n = %d tokens, d = %d", state.toy.n, state.toy.d);
    ImGui::Separator();
    ImGui::TextUnformatted("Reformer LSH attention");

    bool changed = false;
    int rounds = state.config.n_hashes;
    if (ImGui::SliderInt("rounds", &rounds, 1, 8)) {
        state.config.n_hashes = rounds;
        changed = true;
    }
    // Buckets must be even: the slider moves in steps of 2.
    int half_buckets = state.config.n_buckets / 2;
    char buckets_label[16];
    std::snprintf(buckets_label, sizeof buckets_label, "%d", half_buckets * 2);
    if (ImGui::SliderInt("buckets", &half_buckets, 1, 32, buckets_label)) {
        state.config.n_buckets = half_buckets * 2;
        changed = true;
    }
    // Chunk is a power of two so that rounds * n stays a multiple of it.
    int chunk_log2 = std::bit_width(unsigned(state.config.chunk)) - 1;
    char chunk_label[16];
    std::snprintf(chunk_label, sizeof chunk_label, "%d", 1 << chunk_log2);
    if (ImGui::SliderInt("chunk", &chunk_log2, 2, 7, chunk_label)) {
        state.config.chunk = 1 << chunk_log2;
        changed = true;
    }
    int hash_seed = int(state.rotation_seed);
    if (ImGui::SliderInt("hash seed", &hash_seed, 1, 1000)) {
        state.rotation_seed = std::uint64_t(hash_seed);
        changed = true;
    }
    int data_seed = int(state.toy.seed);
    if (ImGui::SliderInt("data seed", &data_seed, 1, 1000)) {
        state.toy.seed = std::uint64_t(data_seed);
        changed = true;
    }
    if (ImGui::Checkbox("causal", &state.config.causal)) changed = true;
    if (changed) state.recompute();

    ImGui::Separator();
    if (!state.error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.4f, 1.0f));
        ImGui::TextWrapped("%s", state.error().c_str());
        ImGui::PopStyleColor();
    }
    const auto& trace = state.trace();
    ImGui::Text("%d chunks of %d slots", trace.num_chunks(), trace.config.chunk);
    if (trace.standard_attention) ImGui::TextWrapped("n <= chunk: full self-attention (buckets shown only)");
}

}  // namespace hashscope::gui
