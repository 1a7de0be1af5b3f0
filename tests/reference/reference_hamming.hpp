// Independent oracle for Hamming top-k selection (core/hamming_topk.hpp), written from its header
// alone: codes are plain 0/1 vectors, distances are counted bit by bit, and each query's keys are
// fully sorted by (distance, position). Nothing from core/ is used.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace hashscope_ref {

using Bits = std::vector<std::vector<int>>;  // [row][bit], 0 or 1

inline int hamming(const std::vector<int>& a, const std::vector<int>& b) {
    int d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
    return d;
}

// Each query keeps: keys j < sinks, the last `window` keys it sees, and then the nearest others by
// (distance, position) until it holds min(top, visible) keys; its row lists them by (distance, position).
inline std::vector<std::vector<std::int32_t>> hamming_topk(const Bits& q, const Bits& k, int top, int sinks,
                                                           int window, bool causal) {
    const int nq = int(q.size()), nk = int(k.size());
    std::vector<std::vector<std::int32_t>> result;
    for (int i = 0; i < nq; ++i) {
        const int visible = causal ? i + (nk - nq) + 1 : nk;
        std::vector<std::pair<int, int>> forced, others;  // (distance, position)
        for (int j = 0; j < visible; ++j) {
            const int d = hamming(q[std::size_t(i)], k[std::size_t(j)]);
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

}  // namespace hashscope_ref
