// Independent oracle for top-k selection: Hamming top-k (core/hamming_topk.hpp), written from its
// header alone (codes are plain 0/1 vectors, distances counted bit by bit, each query's keys fully
// sorted by (distance, position)), and the exact top-k by q.k that selections are measured against.
// Nothing from core/ is used.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "reference/reference_attention.hpp"

namespace hashscope_ref {

using Bits = std::vector<std::vector<int>>;  // [row][bit], 0 or 1

inline int hamming(const std::vector<int>& a, const std::vector<int>& b) {
    int d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
    return d;
}

// Each query keeps: keys j < sinks, the last `window` keys it sees, and then the nearest others by
// (distance, position) until it holds min(top, visible) keys; its row lists them by (distance, position).
// With several query heads in `group`, one row per query position, the distance being the sum of
// the heads' distances.
inline std::vector<std::vector<std::int32_t>> shared_hamming_topk(const std::vector<Bits>& group, const Bits& k, int top,
                                                                  int sinks, int window, bool causal) {
    const int nq = int(group[0].size()), nk = int(k.size());
    std::vector<std::vector<std::int32_t>> result;
    for (int i = 0; i < nq; ++i) {
        const int visible = causal ? i + (nk - nq) + 1 : nk;
        std::vector<std::pair<int, int>> forced, others;  // (distance, position)
        for (int j = 0; j < visible; ++j) {
            int d = 0;
            for (const Bits& q : group) d += hamming(q[std::size_t(i)], k[std::size_t(j)]);
            if (j < sinks || j >= visible - window) forced.push_back({d, j});
            else others.push_back({d, j});
        }
        std::sort(others.begin(), others.end());
        const int room = std::min(top, visible) - int(forced.size());
        std::vector<std::pair<int, int>> kept = forced;
        for (int r = 0; r < room; ++r) kept.push_back(others[std::size_t(r)]);
        std::sort(kept.begin(), kept.end());
        std::vector<std::int32_t> row;
        for (const auto& [d, j] : kept) row.push_back(j);
        result.push_back(row);
    }
    return result;
}

inline std::vector<std::vector<std::int32_t>> hamming_topk(const Bits& q, const Bits& k, int top, int sinks, int window,
                                                           bool causal) {
    return shared_hamming_topk({q}, k, top, sinks, window, causal);
}

// Exact top-k by q.k, best first, ties to the lower index; with `causal`, query i sees keys
// j <= i + (m - n) as in dense attention, and keeps all of them when they are fewer than k.
inline std::vector<std::vector<std::int32_t>> exact_top_k(const Mat& q, const Mat& k, int top, bool causal) {
    std::vector<std::vector<std::int32_t>> rows;
    for (int i = 0; i < q.rows; ++i) {
        const int visible = causal ? i + (k.rows - q.rows) + 1 : k.rows;
        std::vector<std::pair<double, int>> scored;
        for (int j = 0; j < visible; ++j) scored.push_back({-dot_rows(q, i, k, j), j});
        std::sort(scored.begin(), scored.end());
        std::vector<std::int32_t> row;
        for (int r = 0; r < std::min(top, visible); ++r) row.push_back(scored[std::size_t(r)].second);
        rows.push_back(row);
    }
    return rows;
}

// Mean over queries of the fraction of the query's true keys that `found` holds.
inline double recall(const std::vector<std::vector<std::int32_t>>& truth,
                     const std::vector<std::vector<std::int32_t>>& found) {
    double sum = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        int hit = 0;
        for (auto j : truth[i]) hit += std::count(found[i].begin(), found[i].end(), j) > 0;
        sum += double(hit) / double(truth[i].size());
    }
    return sum / double(truth.size());
}

}  // namespace hashscope_ref
