#include "app/gui/scene_settings.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "app/gui/npy_data.hpp"
#include "app/gui/view_ids.hpp"
#include "core/crypto_attention.hpp"
#include "core/crypto_buckets.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

[[noreturn]] void refuse(std::string_view key, std::string_view why) {
    throw InputError("--set " + std::string(key) + ": " + std::string(why));
}

template <class T>
T number(std::string_view key, std::string_view value) {
    T parsed{};
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty())
        refuse(key, "'" + std::string(value) + "' is not a number");
    return parsed;
}

bool flag(std::string_view key, std::string_view value) {
    if (value == "0") return false;
    if (value == "1") return true;
    refuse(key, "expected 0 or 1, got '" + std::string(value) + "'");
}

// Shortest text that parses back to the same value (std::to_chars round-trips exactly).
template <class T>
std::string text(T value) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}
std::string text(bool value) { return value ? "1" : "0"; }

// One row per key: how it is read from a StartState (nullopt: not written) and how it is set.
struct Row {
    std::string_view key;
    std::optional<std::string> (*get)(const StartState&);
    void (*set)(StartState&, std::string_view key, std::string_view value);
};

constexpr const char* kMethodNames[] = {"dense", "simhash", "reformer"};
constexpr Method kMethods[] = {Method::dense, Method::simhash_topk, Method::reformer};
constexpr const char* kAggregateNames[] = {"mean", "softmax", "projection"};
constexpr const char* kPageNames[] = {"buckets", "attack", "claims"};

template <std::size_t N>
int index_of(std::string_view key, std::string_view value, const char* const (&names)[N]) {
    std::string valid;
    for (std::size_t i = 0; i < N; ++i) {
        if (value == names[i]) return int(i);
        valid += std::string(i ? (i + 1 == N ? " or " : ", ") : "") + names[i];
    }
    refuse(key, "expected " + valid + ", got '" + std::string(value) + "'");
}

const std::vector<Row>& rows() {
    using S = StartState;
    using V = std::string_view;
    static const std::vector<Row> table = {
        {"kind", [](const S& s) -> std::optional<std::string> { return toy_kind_name(s.params.toy.kind); },
         [](S& s, V k, V v) {
             const auto kind = parse_toy_kind(v);
             if (!kind) refuse(k, "unknown toy kind '" + std::string(v) + "'");
             s.params.toy.kind = *kind;
         }},
        {"n", [](const S& s) -> std::optional<std::string> { return text(s.params.toy.n); },
         [](S& s, V k, V v) { s.params.toy.n = number<int>(k, v); }},
        {"d", [](const S& s) -> std::optional<std::string> { return text(s.params.toy.d); },
         [](S& s, V k, V v) { s.params.toy.d = number<int>(k, v); }},
        {"clusters", [](const S& s) -> std::optional<std::string> { return text(s.params.toy.clusters); },
         [](S& s, V k, V v) { s.params.toy.clusters = number<int>(k, v); }},
        {"spread", [](const S& s) -> std::optional<std::string> { return text(s.params.toy.spread); },
         [](S& s, V k, V v) { s.params.toy.spread = number<double>(k, v); }},
        {"seed", [](const S& s) -> std::optional<std::string> { return text(s.params.toy.seed); },
         [](S& s, V k, V v) { s.params.toy.seed = number<std::uint64_t>(k, v); }},
        {"method",
         [](const S& s) -> std::optional<std::string> {
             for (std::size_t i = 0; i < std::size(kMethods); ++i)
                 if (s.params.method == kMethods[i]) return kMethodNames[i];
             return std::nullopt;
         },
         [](S& s, V k, V v) { s.params.method = kMethods[index_of(k, v, kMethodNames)]; }},
        {"compute", [](const S& s) -> std::optional<std::string> { return s.params.target == ComputeTarget::gpu ? "gpu" : "cpu"; },
         [](S& s, V k, V v) {
             constexpr const char* names[] = {"cpu", "gpu"};
             s.params.target = index_of(k, v, names) ? ComputeTarget::gpu : ComputeTarget::cpu;
         }},
        {"rounds", [](const S& s) -> std::optional<std::string> { return text(s.params.config.n_hashes); },
         [](S& s, V k, V v) { s.params.config.n_hashes = number<int>(k, v); }},
        {"buckets", [](const S& s) -> std::optional<std::string> { return text(s.params.config.n_buckets); },
         [](S& s, V k, V v) { s.params.config.n_buckets = number<int>(k, v); }},
        {"chunk", [](const S& s) -> std::optional<std::string> { return text(s.params.config.chunk); },
         [](S& s, V k, V v) { s.params.config.chunk = number<int>(k, v); }},
        {"causal", [](const S& s) -> std::optional<std::string> { return text(s.params.config.causal); },
         [](S& s, V k, V v) { s.params.config.causal = flag(k, v); }},
        {"hash-seed", [](const S& s) -> std::optional<std::string> { return text(s.params.hash_seed); },
         [](S& s, V k, V v) { s.params.hash_seed = number<std::uint64_t>(k, v); }},
        {"bits", [](const S& s) -> std::optional<std::string> { return text(s.params.simhash_bits); },
         [](S& s, V k, V v) { s.params.simhash_bits = number<int>(k, v); }},
        {"top-k", [](const S& s) -> std::optional<std::string> { return text(s.params.top_k); },
         [](S& s, V k, V v) { s.params.top_k = number<int>(k, v); }},
        {"stage", [](const S& s) -> std::optional<std::string> { return stage_name(s.playback.stage()); },
         [](S& s, V k, V v) {
             for (const Stage stage : kAllStages)
                 if (v == stage_name(stage)) {
                     s.playback.jump_to(stage);
                     s.playback.playing = false;
                     return;
                 }
             refuse(k, "unknown stage '" + std::string(v) + "'");
         }},
        {"progress", [](const S& s) -> std::optional<std::string> { return text(s.playback.stage_progress()); },
         [](S& s, V k, V v) {
             const double f = number<double>(k, v);
             if (!(f >= 0.0 && f < 1.0)) refuse(k, "must be in [0, 1), got " + std::string(v));
             s.playback.seek(double(int(s.playback.stage())) + f);
             s.playback.playing = false;
         }},
        {"playing", [](const S& s) -> std::optional<std::string> { return text(s.playback.playing); },
         [](S& s, V k, V v) { s.playback.playing = flag(k, v); }},
        {"speed", [](const S& s) -> std::optional<std::string> { return text(s.playback.speed); },
         [](S& s, V k, V v) {
             const double speed = number<double>(k, v);
             if (!(speed >= 0.1 && speed <= 4.0)) refuse(k, "must be in 0.1..4, got " + std::string(v));
             s.playback.speed = speed;
         }},
        {"font-scale", [](const S& s) -> std::optional<std::string> { return text(s.display.font_scale); },
         [](S& s, V k, V v) {
             const float scale = number<float>(k, v);
             if (!(scale >= 1.0f && scale <= 3.0f)) refuse(k, "must be in 1..3, got " + std::string(v));
             s.display.font_scale = scale;
         }},
        {"theme", [](const S& s) -> std::optional<std::string> { return s.display.projector ? "projector" : "dark"; },
         [](S& s, V k, V v) {
             constexpr const char* names[] = {"dark", "projector"};
             s.display.projector = index_of(k, v, names) == 1;
         }},
        {"clean", [](const S& s) -> std::optional<std::string> { return text(s.display.clean); },
         [](S& s, V k, V v) { s.display.clean = flag(k, v); }},
        {"cursor", [](const S& s) -> std::optional<std::string> { return text(s.display.cursor); },
         [](S& s, V k, V v) { s.display.cursor = flag(k, v); }},
        {"view",
         [](const S& s) -> std::optional<std::string> {
             if (s.display.view.empty()) return std::nullopt;
             return s.display.view;
         },
         [](S& s, V k, V v) {
             if (!is_view_id(v)) refuse(k, "unknown view '" + std::string(v) + "'");
             s.display.view = v;
         }},
        {"model",
         [](const S& s) -> std::optional<std::string> {
             if (s.model.empty()) return std::nullopt;
             return s.model;
         },
         [](S& s, V k, V v) {
             if (v.empty()) refuse(k, "expected a model file or none");
             s.model = v;
         }},
        {"prompt",
         [](const S& s) -> std::optional<std::string> {
             if (s.prompt.empty()) return std::nullopt;
             return s.prompt;
         },
         [](S& s, V, V v) { s.prompt = v; }},
        {"head",
         [](const S& s) -> std::optional<std::string> {
             if (s.head < 0) return std::nullopt;
             return text(s.head_layer) + "." + text(s.head);
         },
         [](S& s, V k, V v) {
             const auto dot = v.find('.');
             if (dot == std::string_view::npos) refuse(k, "expects LAYER.HEAD, got '" + std::string(v) + "'");
             const int layer = number<int>(k, v.substr(0, dot)), head = number<int>(k, v.substr(dot + 1));
             if (layer < 0 || head < 0) refuse(k, "layer and head count from 0, got '" + std::string(v) + "'");
             s.head_layer = layer;
             s.head = head;
         }},
        {"data",
         [](const S& s) -> std::optional<std::string> {
             if (s.data.empty()) return std::nullopt;
             return s.data;
         },
         [](S& s, V k, V v) {
             if (v.empty()) refuse(k, "expected a .npy file");
             s.data = v;
         }},
        {"crypto-algo", [](const S& s) -> std::optional<std::string> { return std::string(digest_name(s.crypto.algo)); },
         [](S& s, V, V v) { s.crypto.algo = parse_digest_algo(v); }},
        {"crypto-bits", [](const S& s) -> std::optional<std::string> { return text(s.crypto.bits); },
         [](S& s, V k, V v) { s.crypto.bits = number<int>(k, v); }},
        {"crypto-route", [](const S& s) -> std::optional<std::string> { return std::string(route_name(s.crypto.route)); },
         [](S& s, V, V v) { s.crypto.route = parse_route(v); }},
        {"crypto-aggregate", [](const S& s) -> std::optional<std::string> { return kAggregateNames[int(s.crypto.aggregate)]; },
         [](S& s, V k, V v) { s.crypto.aggregate = CryptoAggregation(index_of(k, v, kAggregateNames)); }},
        {"crypto-rounds", [](const S& s) -> std::optional<std::string> { return text(s.crypto.rounds); },
         [](S& s, V k, V v) { s.crypto.rounds = number<int>(k, v); }},
        {"crypto-salt", [](const S& s) -> std::optional<std::string> { return s.crypto.salt_hex; },
         [](S& s, V, V v) { s.crypto.salt_hex = v; }},
        {"crypto-quantize", [](const S& s) -> std::optional<std::string> { return std::string(quantize_name(s.crypto.quantize)); },
         [](S& s, V, V v) { s.crypto.quantize = parse_quantize(v); }},
        {"crypto-load-cap", [](const S& s) -> std::optional<std::string> { return text(s.crypto.load_cap); },
         [](S& s, V k, V v) { s.crypto.load_cap = number<int>(k, v); }},
        {"crypto-page", [](const S& s) -> std::optional<std::string> { return kPageNames[s.crypto.page]; },
         [](S& s, V k, V v) { s.crypto.page = index_of(k, v, kPageNames); }},
        {"learned.bits", [](const S& s) -> std::optional<std::string> { return text(s.learned.bits); },
         [](S& s, V k, V v) { s.learned.bits = number<int>(k, v); }},
        {"learned.top", [](const S& s) -> std::optional<std::string> { return text(s.learned.top); },
         [](S& s, V k, V v) { s.learned.top = number<int>(k, v); }},
        {"learned.epochs", [](const S& s) -> std::optional<std::string> { return text(s.learned.epochs); },
         [](S& s, V k, V v) { s.learned.epochs = number<int>(k, v); }},
        {"learned.train", [](const S& s) -> std::optional<std::string> { return text(s.learned_train); },
         [](S& s, V k, V v) { s.learned_train = flag(k, v); }},
    };
    return table;
}

}  // namespace

void apply_setting(std::string_view key_value, StartState& start) {
    const auto eq = key_value.find('=');
    if (eq == std::string_view::npos)
        throw InputError("--set expects key=value, got '" + std::string(key_value) + "'");
    const std::string_view key = key_value.substr(0, eq), value = key_value.substr(eq + 1);
    for (const Row& row : rows())
        if (row.key == key) return row.set(start, key, value);
    throw InputError("--set: unknown key '" + std::string(key) + "'");
}

std::vector<std::string_view> setting_keys() {
    std::vector<std::string_view> keys;
    for (const Row& row : rows()) keys.push_back(row.key);
    return keys;
}

std::vector<std::string> settings_of(const StartState& start) {
    std::vector<std::string> out;
    for (const Row& row : rows())
        if (const auto value = row.get(start)) out.push_back(std::string(row.key) + "=" + *value);
    return out;
}

StartState start_state_of(const AppState& state) {
    StartState start;
    start.params = state.params;
    start.params.data = nullptr;
    start.playback = state.playback;
    start.display = state.display;
    const auto& run = state.model_lab.run();
    start.model = run ? run->path : "none";
    start.prompt = run ? run->prompt : std::string();
    if (state.params.data && !state.params.data_file.empty()) {
        start.data = state.params.data_file;
    } else if (run && state.params.data) {
        start.head_layer = state.model_lab.layer;
        start.head = state.model_lab.head;
    }
    start.crypto = state.crypto.settings;
    start.learned = state.learned.settings;
    start.learned_train = state.learned.result() && state.learned.result()->trained;
    return start;
}

void apply_start_state(const StartState& start, AppState& state) {
    const auto& run = state.model_lab.run();
    const std::string path = start.model == "none" ? "" : start.model.empty() ? default_model_path() : start.model;
    const std::string prompt = start.prompt.empty() ? ModelJob().prompt : start.prompt;
    const bool same_model = run && run->path == path && run->prompt == prompt;
    // Everything is checked before anything changes, so a refused start leaves the app as it was.
    if (start.head >= 0 && !start.data.empty()) throw InputError("data and head both name the scene's data: keep one");
    std::shared_ptr<const ToySequence> data;
    if (!start.data.empty()) data = std::make_shared<const ToySequence>(npy_sequence(start.data));
    SceneParams params = start.params;
    params.data = data;
    if (start.head < 0) check_scene(effective_scene(params));  // a head's data comes from the model below
    check_crypto_settings(start.crypto);
    if (!same_model && !path.empty()) {
        state.model_lab.job.prompt = prompt;
        state.model_lab.load_now(path);
    }
    if (start.head >= 0 && !state.model_lab.run())
        throw InputError("head " + std::to_string(start.head_layer) + "." + std::to_string(start.head) +
                         " needs a model: set model=PATH (model=none was given, or the default kjv-llama is missing)");
    if (start.head >= 0) {  // the scene's settings over that head's data
        SceneParams over_head = params;
        over_head.data = std::make_shared<const ToySequence>(head_sequence(*state.model_lab.run(), start.head_layer, start.head));
        check_scene(effective_scene(over_head));
    }
    state.params = params;
    state.params.data_file = start.data;
    state.playback = start.playback;
    state.display = start.display;
    state.crypto.settings = start.crypto;
    state.learned.settings = start.learned;
    if (start.head >= 0)
        state.use_model_head(start.head_layer, start.head);  // requests the scene
    else
        state.request();
    state.wait_idle();
    if (!state.error().empty()) throw InputError(state.error());
}

}  // namespace hashscope::gui
