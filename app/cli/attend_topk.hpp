// The top-k methods of `hashscope attend` (--method learned | simhash-topk): keys chosen as
// `hashscope topk` chooses them (app/cli/topk_selection.hpp), then softmax attention over those
// keys only (core/sparse_attention.hpp). Kept apart so that attend_command.cpp only dispatches.
#pragma once

#include <string>

#include "app/cli/topk_selection.hpp"

namespace hashscope::cli {

struct TopKAttendInputs {
    std::string q, k, v, out;
    std::size_t budget_bytes = 0;  // dense comparison in --json only when its score matrix fits
    int recall_k = 32;
    bool gpu = false;  // select and attend on the device (gpu::hamming_prefill) when there is one
    bool shared = false;  // simhash-topk: one selection per KV head for its group of query heads
};

// `method` is attend's: "learned" or "simhash-topk".
template <class T>
void run_topk_attend(const std::string& method, SelectionOptions selection, const TopKAttendInputs& in,
                     nlohmann::json& report, Stopwatch& clock);

// attend --method simhash-topk --shared: Q [heads, n, d], K and V [kv_heads, m, d | dv] (capture's
// layout); each KV head's group attends over one shared selection (topk --shared's), O [heads, n, dv].
// --json compares each head with its dense attention, for the shared selection and for the head's
// own: relative_l2_error, recall_at_k (true top --recall-k by weight) and attention_mass, each
// {mean, by_head}.
template <class T>
void run_shared_topk_attend(SelectionOptions selection, const TopKAttendInputs& in, nlohmann::json& report, Stopwatch& clock);

}  // namespace hashscope::cli
