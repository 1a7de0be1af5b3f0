// Hamming top-k selection, the retrieval step of HashAttention (Desai et al., 2024): each query
// keeps the `top` keys whose packed codes are nearest to its own in Hamming distance,
// popcount(q XOR k), ties going to the lower position. Attention then runs over those keys only.
//
// Budget: `top` is the TOTAL number of keys a query keeps (so the sparsity is n / top). The first
// `sinks` keys (attention sinks) and the last `window` visible keys (local window) are always kept;
// the rest of the budget goes to the nearest of the other visible keys. Each query's row lists its
// kept keys nearest first, by (distance, position), always-kept keys included at their distance.
//
// Modes: decode is one query against n cached keys (not causal). Prefill with `causal` is every
// query of a sequence: query i of n_q sees keys j <= i + (n_k - n_q), the convention of
// dense_attention, and a query that sees fewer than `top` keys keeps all it sees (a shorter row).
//
// Distances lie in 0..bits, so selection is an exact counting pass: a histogram of the candidates'
// distances gives the threshold distance t (the largest distance kept); keys nearer than t are all
// kept, keys at exactly t are kept in position order until the budget is full.
//
// Shared selection (shared_hamming_topk): the query heads of a grouped-query group read the same
// KV head, and may keep one set of keys for the whole group, chosen by the SUM of the heads'
// distances (0..heads x bits): the keys the group agrees are near. Each head then attends over the
// same rows, so a GPU gathers them once per group instead of once per head (NSA shares its block
// selection across a group the same way, summing the heads' importance scores). What sharing costs
// in recall is the heads' disagreement; hashscope measures it rather than assuming it away.
#pragma once

#include <cstdint>
#include <vector>

#include "core/packed_codes.hpp"

namespace hashscope {

struct HammingTopKOptions {
    int top = 32;      // keys kept per query, always-kept ones included
    int sinks = 0;     // first `sinks` keys always kept
    int window = 0;    // last `window` visible keys always kept
    bool causal = false;
    bool trace_distances = false;  // keep every query's distance row in the trace (n_q x n_k bytes)
};

struct HammingTopKTrace {
    int queries = 0, keys = 0, bits = 0;
    std::vector<std::vector<std::int32_t>> selected;  // [n_q][<= top], nearest first
    std::vector<int> threshold;      // [n_q] largest distance (summed, when shared) among the nearest-by-code picks; -1 if none
    std::vector<int> forced;         // [n_q] how many always-kept keys (sinks and window) the row holds
    std::vector<int> visible;        // [n_q] keys the query could see
    std::vector<std::uint8_t> distances;  // [n_q][n_k] when trace_distances; 255 marks a masked key
};

// Checks top >= 1, sinks/window >= 0, sinks + window <= top, top <= number of keys, equal bits.
void check_hamming_topk(const PackedCodes& queries, const PackedCodes& keys, const HammingTopKOptions& options);

HammingTopKTrace hamming_topk(const PackedCodes& queries, const PackedCodes& keys, const HammingTopKOptions& options);

// One selection per query position for a group of query heads (each [n_q] codes of the keys' width)
// by their summed distance; the trace's distances are sums. Heads x bits at most 65535, and at
// most 254 with trace_distances.
HammingTopKTrace shared_hamming_topk(const std::vector<PackedCodes>& group, const PackedCodes& keys,
                                     const HammingTopKOptions& options);

}  // namespace hashscope
