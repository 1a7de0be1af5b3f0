// Grouped-query heads sharing one top-k selection. The query heads of a group read the same KV
// head (query head h reads KV head h / (heads / kv_heads)); a kernel that keeps one selection per
// KV head gathers each selected row once for the whole group. Here the shared selection and each
// head's own, by the same method, and what sharing costs each head in recall against its exact
// top keys — what `hashscope topk --shared` writes and the Model view shows per layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hamming_topk.hpp"
#include "core/matrix.hpp"

namespace hashscope {

struct GroupSelections {
    std::vector<std::vector<std::vector<std::int32_t>>> shared;  // [KV head][query], nearest first
    std::vector<std::vector<std::vector<std::int32_t>>> own;     // [query head][query]
};

// Queries [heads] of [n_q, d], keys [kv_heads] of [n_k, d]: at least one of each, heads a multiple
// of kv_heads, one shape per side, equal d. InputError naming `q_name` / `k_name` otherwise.
template <class T>
void check_groups(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, const std::string& q_name,
                  const std::string& k_name);

// SimHash under the same planes [d, b] for every head: shared by the group's summed Hamming
// distances (shared_hamming_topk), own by each head's (hamming_topk); `options` as they take it.
template <class T>
GroupSelections simhash_group_selections(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k,
                                         const Matrix<T>& planes, const HammingTopKOptions& options);

// Exact top `top` by q.k (exact_top_k): shared by the group's summed scores sum_g q_g . k, which
// are the scores of the one query sum_g q_g; own by each head's.
template <class T>
GroupSelections exact_group_selections(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, int top,
                                       bool causal);

// The mean of per-head figures; 0 for none.
double mean_of(const std::vector<double>& values);

// Each query head's recall@top (recall_at_k) against its own exact top `top`, of the shared
// selection and of its own.
struct GroupRecall {
    std::vector<double> shared, own;  // [query head]
    double mean_shared() const;
    double mean_own() const;
};
template <class T>
GroupRecall group_recall(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, const GroupSelections& selections,
                         int top, bool causal);

}  // namespace hashscope
