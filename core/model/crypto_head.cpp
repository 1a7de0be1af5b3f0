#include "core/model/crypto_head.hpp"

#include <cmath>

#include "core/crypto_attention.hpp"
#include "core/digest.hpp"
#include "core/random.hpp"

namespace hashscope {
namespace {

std::string text_parameter(const HeadSwap& swap, const std::string& key, const std::string& fallback) {
    const auto it = swap.parameters.find(key);
    return it == swap.parameters.end() ? fallback : it->second;
}

int whole_parameter(const HeadSwap& swap, const std::string& key, int fallback, int low, int high) {
    const double value = swap.number(key, fallback);
    if (value != std::floor(value) || value < low || value > high)
        throw InputError("--swap: " + key + " must be a whole number in " + std::to_string(low) + ".." +
                         std::to_string(high) + ", got " + swap.parameters.at(key));
    return int(value);
}

}  // namespace

template <class T>
HeadMethod<T> crypto_head_method(const HeadSwap& swap) {
    static const std::set<std::string> known = {"algo", "bits", "route", "aggregate", "rounds", "salt",
                                                "quantize", "load_cap", "planes", "seed"};
    for (const auto& [key, value] : swap.parameters)
        if (!known.count(key)) throw InputError("--swap: method crypto has no parameter '" + key + "'");
    CryptoAttentionConfig<T> config;
    try {
        config.hashing.algo = parse_digest_algo(text_parameter(swap, "algo", "sha256"));
        config.route = parse_route(text_parameter(swap, "route", "key"));
        config.aggregate = parse_aggregate(text_parameter(swap, "aggregate", "mean"));
        config.hashing.quantize =
            parse_quantize(text_parameter(swap, "quantize", config.route == CryptoRoute::lsh ? "sign" : "none"));
        if (swap.parameters.count("salt")) config.hashing.salt = parse_hex(swap.parameters.at("salt"), "salt");
    } catch (const InputError& e) {
        throw InputError(std::string("--swap: ") + e.what());
    }
    config.hashing.bits = whole_parameter(swap, "bits", 16, 1, 32);
    config.rounds = whole_parameter(swap, "rounds", 1, 1, 64);
    config.load_cap = whole_parameter(swap, "load_cap", 0, 0, 1 << 30);
    const int planes = whole_parameter(swap, "planes", 0, 0, 4096);
    const auto seed = std::uint64_t(swap.number("seed", 0));
    config.causal = true;
    return [config, planes, seed](int layer, int head, const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v) {
        CryptoAttentionConfig<T> head_config = config;
        if (planes > 0) {
            Rng rng(seed + 1000 * std::uint64_t(layer) + std::uint64_t(head));
            head_config.hashing.planes = normal_matrix<T>(k.cols(), planes, rng);
        }
        try {
            return crypto_attention(q, k, v, head_config).output;
        } catch (const InputError& e) {
            throw InputError(std::string("--swap: ") + e.what());
        }
    };
}

template HeadMethod<float> crypto_head_method<float>(const HeadSwap&);
template HeadMethod<double> crypto_head_method<double>(const HeadSwap&);

}  // namespace hashscope
