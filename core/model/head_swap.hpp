// Which heads of a model run a hash attention method instead of dense attention, parsed from the
// `--swap` text, and the forward-pass hook that does it:
//
//   layers=0-3;heads=0,2;method=reformer;n_hashes=4;n_buckets=8;chunk=16;seed=0
//
// `layers` and `heads` are comma lists of indices and inclusive ranges, or `all` (the default).
// Instead of `heads`, `fraction=F` (0 < F <= 1) picks round(F x heads) heads of every chosen layer,
// spread evenly (choose_crypto_heads in core/mixed_heads.hpp): the piece's mixed heads.
// Every other key is a parameter of the method. Methods:
//   dense     dense causal attention through the hook (identical to no swap; for testing)
//   reformer  core/reformer_attention.hpp, causal, on the head's keys (after RoPE) as the shared
//             query/key vectors, its values as values. Reformer ties queries to keys, the model does
//             not: the swapped head is what a Reformer head would compute if its shared QK
//             projection were the model's key projection. Parameters n_hashes (4), n_buckets (8),
//             chunk (32), seed (0); head (layer, head) draws its rotations from seed + 1000 layer +
//             head. The sequence is padded at the end with zero vectors to a length whose
//             n_hashes multiple divides into chunks; causal masking keeps them from every real query.
//   crypto    core/crypto_attention.hpp on the head's own q, k, v (core/model/crypto_head.hpp).
// Other methods register themselves with register_head_method.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/model/model_weights.hpp"
#include "core/model/transformer_forward.hpp"

namespace hashscope {

struct HeadSwap {
    std::set<int> layers;  // empty = all
    std::set<int> heads;   // empty = all
    std::string method;
    std::map<std::string, std::string> parameters;

    bool applies(int layer, int head) const {
        return (layers.empty() || layers.count(layer)) && (heads.empty() || heads.count(head));
    }
    // A parameter as a number, `fallback` when absent; errors name --swap and the key.
    double number(const std::string& key, double fallback) const;
};

// Parses the --swap text; checks layers and heads against `config` and that the method exists.
HeadSwap parse_head_swap(const std::string& text, const ModelConfig& config);

// One head's attention: causal q, k, v [n, d] -> output [n, d].
template <class T>
using HeadMethod = std::function<Matrix<T>(int layer, int head, const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v)>;
// Builds a method from the swap's parameters (validating them, InputError naming --swap).
template <class T>
using HeadMethodFactory = std::function<HeadMethod<T>(const HeadSwap& swap)>;

// Makes `name` available to --swap; later registrations replace earlier ones.
template <class T>
void register_head_method(const std::string& name, HeadMethodFactory<T> factory);
std::set<std::string> head_method_names();

// The swap's method with its parameters, for any head (InputError naming --swap when unknown or
// its parameters are bad).
template <class T>
HeadMethod<T> make_head_method(const HeadSwap& swap);

// The hook for transformer_forward: heads the swap applies to run its method, others stay dense.
template <class T>
AttentionHook<T> make_swap_hook(const HeadSwap& swap);

}  // namespace hashscope
