// The Model view: a real model (llama2.c, GGUF, safetensors) opened from the path field or dropped
// on the window, a prompt and its tokens, a layer x head grid coloured by each head's sensitivity to
// hashing (click: that head's post-RoPE Q/K/V become the data of every hash view), the selected
// head's attention probabilities with a query token to step through, the loss as more and more
// heads are swapped, and what one top-k selection shared by each KV head's group of query heads
// costs in recall. Everything it shows was computed by AppState's ModelLab worker.
#pragma once

#include <cstdint>

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class ModelView final : public View {
public:
    ModelView() : View("Model") {}
    void draw(AppState& state) override;

private:
    void header(AppState& state);
    void token_chips(const ModelRun& run);
    void head_grid(AppState& state, const ModelRun& run, float width);
    void group_sharing(const AppState& state, const ModelRun& run);
    void swap_curve(const ModelRun& run, float width, float height);
    void attention_map(AppState& state, const ModelRun& run, float width);

    char path_[1024] = {};
    char prompt_[1024] = {};
    bool synced_ = false;  // the fields start from the lab's job (--set prompt/model)
    int token_ = -1;
    plot::Texture map_;
    std::uint64_t map_key_ = 0, run_version_ = 0;
};

}  // namespace hashscope::gui
