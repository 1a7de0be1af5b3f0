#include "core/model/head_swap.hpp"

#include <mutex>
#include <sstream>

#include "core/dense_attention.hpp"
#include "core/mixed_heads.hpp"
#include "core/model/crypto_head.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope {
namespace {

InputError swap_error(const std::string& what) { return InputError("--swap: " + what); }

int parse_index(const std::string& text, const std::string& key) {
    std::size_t used = 0;
    int value = -1;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || value < 0) throw swap_error(key + ": '" + text + "' is not an index");
    return value;
}

// "0-3,5" -> {0,1,2,3,5}; "all" -> {} (meaning all); each index must be below `limit`.
std::set<int> parse_indices(const std::string& text, const std::string& key, int limit) {
    std::set<int> indices;
    if (text == "all") return indices;
    std::stringstream list(text);
    std::string item;
    while (std::getline(list, item, ',')) {
        const auto dash = item.find('-');
        const int first = parse_index(item.substr(0, dash), key);
        const int last = dash == std::string::npos ? first : parse_index(item.substr(dash + 1), key);
        if (last < first) throw swap_error(key + ": range '" + item + "' runs backwards");
        if (last >= limit)
            throw swap_error(key + ": " + std::to_string(last) + " is out of range (the model has " + std::to_string(limit) + ")");
        for (int i = first; i <= last; ++i) indices.insert(i);
    }
    if (indices.empty()) throw swap_error(key + ": empty list");
    return indices;
}

template <class T>
std::map<std::string, HeadMethodFactory<T>>& registry() {
    static std::map<std::string, HeadMethodFactory<T>> methods;
    return methods;
}
std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
}

template <class T>
HeadMethod<T> dense_method(const HeadSwap&) {
    return [](int, int, const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v) {
        return dense_attention_output(q, k, v, {.causal = true});
    };
}

template <class T>
HeadMethod<T> reformer_method(const HeadSwap& swap) {
    ReformerConfig config{.n_hashes = int(swap.number("n_hashes", 4)), .n_buckets = int(swap.number("n_buckets", 8)),
                          .chunk = int(swap.number("chunk", 32)), .causal = true};
    try {
        check_reformer_config(config);
    } catch (const InputError& e) {
        throw swap_error(e.what());
    }
    const auto seed = std::uint64_t(swap.number("seed", 0));
    return [config, seed](int layer, int head, const Matrix<T>&, const Matrix<T>& k, const Matrix<T>& v) {
        const auto n = k.rows();
        Eigen::Index padded = n;
        while ((padded * config.n_hashes) % config.chunk != 0) ++padded;
        Matrix<T> x = Matrix<T>::Zero(padded, k.cols()), values = Matrix<T>::Zero(padded, v.cols());
        x.topRows(n) = k;
        values.topRows(n) = v;
        const auto rotations = random_rotations<T>(int(k.cols()), config, seed + 1000 * std::uint64_t(layer) + std::uint64_t(head));
        return Matrix<T>(reformer_attention(x, values, rotations, config).output.topRows(n));
    };
}

template <class T>
void register_builtins() {
    static std::once_flag once;
    std::call_once(once, [] {
        registry<T>().emplace("dense", dense_method<T>);
        registry<T>().emplace("reformer", reformer_method<T>);
        registry<T>().emplace("crypto", crypto_head_method<T>);
    });
}

}  // namespace

double HeadSwap::number(const std::string& key, double fallback) const {
    const auto it = parameters.find(key);
    if (it == parameters.end()) return fallback;
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(it->second, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != it->second.size() || it->second.empty()) throw swap_error(key + ": '" + it->second + "' is not a number");
    return value;
}

template <class T>
void register_head_method(const std::string& name, HeadMethodFactory<T> factory) {
    register_builtins<T>();
    const std::lock_guard lock(registry_mutex());
    registry<T>()[name] = std::move(factory);
}

std::set<std::string> head_method_names() {
    register_builtins<float>();
    register_builtins<double>();
    const std::lock_guard lock(registry_mutex());
    std::set<std::string> names;
    for (const auto& [name, factory] : registry<float>()) names.insert(name);
    for (const auto& [name, factory] : registry<double>()) names.insert(name);
    return names;
}

HeadSwap parse_head_swap(const std::string& text, const ModelConfig& config) {
    HeadSwap swap;
    std::string fraction;
    std::stringstream fields(text);
    std::string field;
    while (std::getline(fields, field, ';')) {
        if (field.empty()) continue;
        const auto equals = field.find('=');
        if (equals == std::string::npos) throw swap_error("'" + field + "' is not key=value");
        const std::string key = field.substr(0, equals), value = field.substr(equals + 1);
        if (key == "layers") swap.layers = parse_indices(value, key, config.layers);
        else if (key == "heads") swap.heads = parse_indices(value, key, config.heads);
        else if (key == "method") swap.method = value;
        else if (key == "fraction") fraction = value;
        else swap.parameters[key] = value;
    }
    if (swap.method.empty()) throw swap_error("method=NAME is required");
    if (!fraction.empty()) {
        if (!swap.heads.empty()) throw swap_error("give heads or fraction, not both");
        HeadSwap parsed;
        parsed.parameters["fraction"] = fraction;
        const double f = parsed.number("fraction", 0);
        if (!(f > 0 && f <= 1)) throw swap_error("fraction must be in (0, 1], got " + fraction);
        const std::vector<bool> chosen = choose_crypto_heads(config.heads, f);
        for (int h = 0; h < config.heads; ++h)
            if (chosen[std::size_t(h)]) swap.heads.insert(h);
        if (swap.heads.empty()) throw swap_error("fraction " + fraction + " of " + std::to_string(config.heads) + " heads is no head");
    }
    const auto names = head_method_names();
    if (!names.count(swap.method)) {
        std::string known;
        for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
        throw swap_error("unknown method '" + swap.method + "' (known: " + known + ")");
    }
    return swap;
}

template <class T>
HeadMethod<T> make_head_method(const HeadSwap& swap) {
    register_builtins<T>();
    HeadMethodFactory<T> factory;
    {
        const std::lock_guard lock(registry_mutex());
        const auto it = registry<T>().find(swap.method);
        if (it == registry<T>().end()) throw swap_error("method '" + swap.method + "' is not available in this precision");
        factory = it->second;
    }
    return factory(swap);
}

template <class T>
AttentionHook<T> make_swap_hook(const HeadSwap& swap) {
    HeadMethod<T> method = make_head_method<T>(swap);
    return [swap, method](int layer, int head, const Matrix<T>& q, const Matrix<T>& k,
                          const Matrix<T>& v) -> std::optional<Matrix<T>> {
        if (!swap.applies(layer, head)) return std::nullopt;
        return method(layer, head, q, k, v);
    };
}

template void register_head_method<float>(const std::string&, HeadMethodFactory<float>);
template void register_head_method<double>(const std::string&, HeadMethodFactory<double>);
template HeadMethod<float> make_head_method<float>(const HeadSwap&);
template HeadMethod<double> make_head_method<double>(const HeadSwap&);
template AttentionHook<float> make_swap_hook<float>(const HeadSwap&);
template AttentionHook<double> make_swap_hook<double>(const HeadSwap&);

}  // namespace hashscope
