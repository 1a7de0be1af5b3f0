#include "app/gui/lesson_metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <utility>

#include "app/gui/app_state.hpp"
#include "core/metrics.hpp"

namespace hashscope::gui {

namespace {

using Number = std::optional<double>;

double mebibytes(const std::vector<MemoryItem>& items) { return double(total_bytes(items)) / (1024.0 * 1024.0); }

Number learned_recall(const AppState& s, bool learned) {
    const LearnedLabResult* r = s.learned.result();
    if (!r || !r->error.empty()) return std::nullopt;
    for (const BitsRecall& point : r->bits_sweep)
        if (point.bits == r->settings.bits) {
            const double v = learned ? point.learned : point.simhash;
            if (v == v) return v;  // NaN: not trained
        }
    return std::nullopt;
}

// Numeric metrics in the order the format's documentation lists them.
const std::vector<std::pair<std::string_view, std::function<Number(const AppState&)>>>& numbers() {
    using S = const AppState&;
    static const std::vector<std::pair<std::string_view, std::function<Number(const AppState&)>>> table = {
        {"n", [](S s) -> Number { return s.result().params.toy.n; }},
        {"d", [](S s) -> Number { return s.result().params.toy.d; }},
        {"rounds", [](S s) -> Number { return s.result().params.config.n_hashes; }},
        {"buckets", [](S s) -> Number { return s.result().params.config.n_buckets; }},
        {"chunk", [](S s) -> Number { return s.result().params.config.chunk; }},
        {"bits", [](S s) -> Number { return s.result().params.simhash_bits; }},
        {"top-k", [](S s) -> Number { return s.result().params.top_k; }},
        {"recall", [](S s) -> Number { return s.result().mean_recall; }},
        {"mass", [](S s) -> Number { return s.result().mean_mass; }},
        {"error", [](S s) -> Number { return s.result().mean_rel_error; }},
        {"angle-gap", [](S s) -> Number { return s.result().angles.mean_gap; }},
        {"max-load",
         [](S s) -> Number {
             std::int64_t most = 0;
             for (const BucketLoad& load : s.result().loads) most = std::max(most, load.max);
             return double(most);
         }},
        {"memory-mb", [](S s) -> Number { return mebibytes(s.result().memory); }},
        {"dense-mb", [](S s) -> Number { return mebibytes(s.result().dense_memory); }},
        {"progress", [](S s) -> Number { return s.playback.stage_progress(); }},
        {"font-scale", [](S s) -> Number { return s.display.font_scale; }},
        {"crypto-bits", [](S s) -> Number { return s.crypto.settings.bits; }},
        {"crypto-error",
         [](S s) -> Number {
             if (!s.crypto.analysis()) return std::nullopt;
             return s.crypto.analysis()->error_vs_dense;
         }},
        {"crypto-max-load",
         [](S s) -> Number {
             if (!s.crypto.analysis()) return std::nullopt;
             return double(s.crypto.analysis()->loads.max_load);
         }},
        {"learned-recall", [](S s) { return learned_recall(s, true); }},
        {"simhash-recall", [](S s) { return learned_recall(s, false); }},
        {"layer", [](S s) -> Number { return s.params.data ? Number(s.model_lab.layer) : std::nullopt; }},
        {"head", [](S s) -> Number { return s.params.data ? Number(s.model_lab.head) : std::nullopt; }},
    };
    return table;
}

std::optional<std::string> name_of(std::string_view name, const AppState& s) {
    if (name == "stage") return stage_name(s.playback.stage());
    if (name == "method") {
        switch (s.result().params.method) {
        case Method::dense: return "dense";
        case Method::simhash_topk: return "simhash";
        case Method::reformer: return "reformer";
        }
    }
    if (name == "view") return s.display.view;
    return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& metric_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> all{"stage", "method", "view"};
        for (const auto& [name, get] : numbers()) all.push_back(name);
        return all;
    }();
    return names;
}

bool is_name_metric(std::string_view name) { return name == "stage" || name == "method" || name == "view"; }

bool is_metric(std::string_view name) {
    const auto& names = metric_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<double> metric_value(std::string_view name, const AppState& state) {
    for (const auto& [key, get] : numbers())
        if (key == name) return get(state);
    return std::nullopt;
}

std::optional<std::string> metric_text(std::string_view name, const AppState& state) {
    if (is_name_metric(name)) return name_of(name, state);
    const auto value = metric_value(name, state);
    if (!value) return std::nullopt;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", *value);
    return std::string(buffer);
}

}  // namespace hashscope::gui
