#include "app/gui/scene_settings.hpp"

#include <charconv>
#include <string>

#include "core/error.hpp"

namespace hashscope::gui {

namespace {

template <class T>
T number(std::string_view key, std::string_view value) {
    T parsed{};
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size())
        throw InputError("--set " + std::string(key) + ": '" + std::string(value) + "' is not a number");
    return parsed;
}

}  // namespace

void apply_setting(std::string_view key_value, StartState& start) {
    SceneParams& p = start.params;
    Playback& playback = start.playback;
    const auto eq = key_value.find('=');
    if (eq == std::string_view::npos)
        throw InputError("--set expects key=value, got '" + std::string(key_value) + "'");
    const std::string_view key = key_value.substr(0, eq), value = key_value.substr(eq + 1);
    if (key == "kind") {
        const auto kind = parse_toy_kind(value);
        if (!kind) throw InputError("--set kind: unknown toy kind '" + std::string(value) + "'");
        p.toy.kind = *kind;
    } else if (key == "n") {
        p.toy.n = number<int>(key, value);
    } else if (key == "d") {
        p.toy.d = number<int>(key, value);
    } else if (key == "clusters") {
        p.toy.clusters = number<int>(key, value);
    } else if (key == "spread") {
        p.toy.spread = number<double>(key, value);
    } else if (key == "seed") {
        p.toy.seed = number<std::uint64_t>(key, value);
    } else if (key == "method") {
        if (value == "dense") p.method = Method::dense;
        else if (value == "simhash") p.method = Method::simhash_topk;
        else if (value == "reformer") p.method = Method::reformer;
        else throw InputError("--set method: expected dense, simhash or reformer, got '" + std::string(value) + "'");
    } else if (key == "compute") {
        if (value == "cpu") p.target = ComputeTarget::cpu;
        else if (value == "gpu") p.target = ComputeTarget::gpu;
        else throw InputError("--set compute: expected cpu or gpu, got '" + std::string(value) + "'");
    } else if (key == "rounds") {
        p.config.n_hashes = number<int>(key, value);
    } else if (key == "buckets") {
        p.config.n_buckets = number<int>(key, value);
    } else if (key == "chunk") {
        p.config.chunk = number<int>(key, value);
    } else if (key == "causal") {
        p.config.causal = number<int>(key, value) != 0;
    } else if (key == "hash-seed") {
        p.hash_seed = number<std::uint64_t>(key, value);
    } else if (key == "bits") {
        p.simhash_bits = number<int>(key, value);
    } else if (key == "top-k") {
        p.top_k = number<int>(key, value);
    } else if (key == "stage") {
        bool found = false;
        for (const Stage stage : kAllStages)
            if (value == stage_name(stage)) {
                playback.jump_to(stage);
                found = true;
            }
        if (!found) throw InputError("--set stage: unknown stage '" + std::string(value) + "'");
        playback.playing = false;
    } else if (key == "progress") {
        const double f = number<double>(key, value);
        if (!(f >= 0.0 && f < 1.0)) throw InputError("--set progress must be in [0, 1), got " + std::string(value));
        playback.seek(double(int(playback.stage())) + f);
        playback.playing = false;
    } else if (key == "font-scale") {
        const float scale = number<float>(key, value);
        if (!(scale >= 1.0f && scale <= 3.0f)) throw InputError("--set font-scale must be in 1..3, got " + std::string(value));
        start.font_scale = scale;
    } else if (key == "model") {
        start.model = value;
    } else if (key == "prompt") {
        start.prompt = value;
    } else if (key == "head") {
        const auto dot = value.find('.');
        if (dot == std::string_view::npos) throw InputError("--set head expects LAYER.HEAD, got '" + std::string(value) + "'");
        start.head_layer = number<int>(key, value.substr(0, dot));
        start.head = number<int>(key, value.substr(dot + 1));
    } else if (key.starts_with("crypto-")) {
        apply_crypto_setting(key, value, start.crypto);
    } else if (key == "learned.bits") {
        start.learned.bits = number<int>(key, value);
    } else if (key == "learned.top") {
        start.learned.top = number<int>(key, value);
    } else if (key == "learned.epochs") {
        start.learned.epochs = number<int>(key, value);
    } else if (key == "learned.train") {
        start.learned_train = number<int>(key, value) != 0;
    } else {
        throw InputError("--set: unknown key '" + std::string(key) + "'");
    }
}

void load_start_model(const StartState& start, AppState& state) {
    const std::string path = start.model == "none" ? "" : start.model.empty() ? default_model_path() : start.model;
    if (path.empty()) {
        if (start.head >= 0) throw InputError("--set head needs a model: --set model=PATH (the default kjv-llama is missing or model=none)");
        return;
    }
    if (!start.prompt.empty()) state.model_lab.job.prompt = start.prompt;
    state.model_lab.load_now(path);
    if (start.head < 0) return;
    state.use_model_head(start.head_layer, start.head);
    state.wait_idle();
    if (!state.error().empty()) throw InputError(state.error());
}

}  // namespace hashscope::gui
