// Which keys each query keeps, as `hashscope topk` and the top-k methods of `hashscope attend`
// choose them: Hamming top-k over SimHash codes (--planes P.npy, or --bits B drawn from --seed) or
// learned codes (--hash-model MODEL, head --head), with --sinks/--window always kept; or the exact
// top-k by q.k. Both commands register the same flags and report the same JSON through here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "app/cli/cli_common.hpp"
#include "core/group_selection.hpp"
#include "core/hamming_topk.hpp"

namespace hashscope::cli {

struct SelectionOptions {
    std::string method;  // simhash | learned | exact
    std::string planes, hash_model;
    int bits = 0;  // SimHash: draw this many planes; learned: the bit count the model must have (0: any)
    int head = 0;
    int top = 32;
    int sinks = 0;
    int window = 0;
    bool causal = false;
    bool gpu = false;  // select_keys: the Hamming selection on the device when there is one (topk --gpu)
    std::uint64_t seed = 0;
    const CLI::Option* seed_flag = nullptr;  // set by the command that registers --seed
};

// Registers --planes --hash-model --bits --head --top --sinks --window (not --causal or --seed).
void add_selection_options(CLI::App& app, SelectionOptions& o);

// The hashed methods' (simhash, learned) query and key codes; fills report["parameters"],
// ["timings_ms"]["hash"] and ["memory_bytes"]["codes"].
template <class T>
std::pair<PackedCodes, PackedCodes> selection_codes(const SelectionOptions& o, const Matrix<T>& q, const Matrix<T>& k,
                                                    nlohmann::json& report, Stopwatch& clock);

// --top, --sinks, --window and --causal as core's Hamming top-k takes them.
HammingTopKOptions hamming_options(const SelectionOptions& o);

// Each query's kept keys, nearest first; fills what selection_codes does and ["timings_ms"]["select"].
template <class T>
std::vector<std::vector<std::int32_t>> select_keys(const SelectionOptions& o, const Matrix<T>& q, const Matrix<T>& k,
                                                   nlohmann::json& report, Stopwatch& clock);

// topk --shared: the query heads q in groups reading one KV head of k each keep one selection per
// query position (core/group_selection.hpp: simhash under the same planes, or exact), beside each
// head's own; fills ["timings_ms"]["select"]. `command` names the caller in a --gpu fallback line.
template <class T>
GroupSelections select_shared_keys(const char* command, const SelectionOptions& o, const std::vector<Matrix<T>>& q,
                                   const std::vector<Matrix<T>>& k, nlohmann::json& report, Stopwatch& clock);

// Per-head figures of a --shared run as the JSON reports them: {mean, by_head}.
nlohmann::json mean_and_by_head(const std::vector<double>& by_head);

// int32 [rows, width], each row padded with -1 past its keys (causal queries that see fewer).
NpyArray selection_to_npy(const std::vector<std::vector<std::int32_t>>& rows, int width);

}  // namespace hashscope::cli
