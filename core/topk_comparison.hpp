// Learned codes against SimHash against the exact top-k, at equal budgets: what the learned-hashing
// view and lesson plot. For each sparsity s (keys kept per query = n_k / s) and each method:
// recall@k of the exact top-k by q.k, dense attention mass on the kept keys, and the relative L2
// error of attention over the kept keys against dense attention. Plus, per coded method, the
// Hamming distances of every (query, visible key) pair split into pivotal pairs (the key is among
// the query's exact top `histogram_top`) and the rest: where learned codes separate the two and
// SimHash on keys with a large shared mean does not.
//
// Selection is hamming_topk without sinks or window (so each smaller budget is a prefix of the
// larger one); the "exact" method is exact_top_k. Dense attention is walked once in blocks of
// queries, so memory grows with n_q x (budget + d), not n_q x n_k.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "core/packed_codes.hpp"

namespace hashscope {

// One hashing method's codes for the same queries and keys (any bit count; equal bits make the
// comparison fair, and the caller chooses them).
struct CodedMethod {
    std::string name;
    PackedCodes queries, keys;
};

struct TopKComparisonOptions {
    std::vector<int> sparsities = {4, 8, 16, 32, 64};
    int histogram_top = 32;
    bool causal = false;
};

struct TopKScore {
    std::string method;  // "exact" or a CodedMethod's name
    int sparsity = 0;
    int top = 0;               // max(1, n_k / sparsity)
    double recall = 0;         // recall@top against the exact top-top by q.k
    double mass = 0;           // mean over queries of the dense probability on the kept keys
    double output_error = 0;   // ||O_sparse - O_dense||_F / ||O_dense||_F
};

struct DistanceHistogram {
    std::string method;
    std::vector<std::int64_t> pivotal, rest;  // [bits + 1] pair counts by Hamming distance
};

struct TopKComparison {
    std::vector<TopKScore> scores;               // by sparsity, then "exact" and each method in order
    std::vector<DistanceHistogram> histograms;   // one per method, in order
};

template <class T>
TopKComparison compare_topk(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                            const std::vector<CodedMethod>& methods, const TopKComparisonOptions& options = {});

}  // namespace hashscope
