// Brute-force oracle for crypto-hash attention, written from core/crypto_attention.hpp's contract
// and NOT calling core: given where each key and query went in each round (bucket and depth), query
// i aggregates every key j of its bucket with j <= i + (m - n) when causal — the mean of their values,
// or softmax(q.k / sqrt(d)) over them — found by scanning all keys, not by a running sum. Rounds with
// no such key are skipped; the rest are averaged; a query empty in every round outputs zero.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/reference_attention.hpp"

namespace hashscope_ref {

struct CryptoRoundRef {
    std::vector<std::int64_t> key_bucket, query_bucket;
    std::vector<int> key_depth, query_depth;
};

inline Mat crypto_attention(const Mat& q, const Mat& k, const Mat& v, const std::vector<CryptoRoundRef>& rounds,
                            bool softmax, bool causal) {
    const int n = q.rows, m = k.rows;
    Mat out(n, v.cols);
    for (int i = 0; i < n; ++i) {
        std::vector<double> total(std::size_t(v.cols), 0.0);
        int answered = 0;
        for (const auto& r : rounds) {
            std::vector<int> members;
            for (int j = 0; j < m; ++j)
                if (r.key_bucket[std::size_t(j)] == r.query_bucket[std::size_t(i)] &&
                    r.key_depth[std::size_t(j)] == r.query_depth[std::size_t(i)] && (!causal || j <= i + (m - n)))
                    members.push_back(j);
            if (members.empty()) continue;
            std::vector<double> weight;
            if (softmax) {
                std::vector<double> scores;
                for (int j : members) scores.push_back(dot_rows(q, i, k, j) / std::sqrt(double(q.cols)));
                const double lse = logsumexp(scores);
                for (double s : scores) weight.push_back(std::exp(s - lse));
            } else {
                weight.assign(members.size(), 1.0 / double(members.size()));
            }
            for (std::size_t a = 0; a < members.size(); ++a)
                for (int c = 0; c < v.cols; ++c) total[std::size_t(c)] += weight[a] * v(members[a], c);
            ++answered;
        }
        for (int c = 0; c < v.cols; ++c) out(i, c) = answered ? total[std::size_t(c)] / answered : 0.0;
    }
    return out;
}

}  // namespace hashscope_ref
