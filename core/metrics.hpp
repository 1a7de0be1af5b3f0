// How well a hash method approximates dense attention, and what it costs: which keys it reaches
// (recall of the exact top keys, dense probability mass on them), how far its output is from the
// dense one, how evenly its buckets fill, and how many bytes each method allocates. The app plots
// these live and the CLI writes them to its JSON report, so they share one definition here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope {

// Per query, the `top` keys with the highest q.k, best first, ties to the lower index. With
// `causal`, query i sees keys j <= i + (m - n), the convention of dense_attention (j <= i when
// n == m), and gets fewer than `top` keys when fewer are visible. Reformer ranks a query against
// keys scaled to unit RMS, so pass those keys to measure what Reformer should find.
template <class T>
std::vector<std::vector<std::int32_t>> exact_top_k(const Matrix<T>& q, const Matrix<T>& k, int top, bool causal);

// Per row of attention weights, the `top` keys of highest weight, best first, ties to the lower
// index; only keys of positive weight count, so masked keys are never "true" neighbours.
template <class T>
std::vector<std::vector<std::int32_t>> top_k_by_weight(const Matrix<T>& weights, int top);

// Mean over queries of |truth_i & found_i| / |truth_i|, both taken as sets; queries with an empty
// truth are skipped, and 1 is returned when every truth is empty (there was nothing to miss).
double recall_at_k(const std::vector<std::vector<std::int32_t>>& truth,
                   const std::vector<std::vector<std::int32_t>>& found);

// Mean over queries of the dense probability mass on each query's selected keys (taken as a set).
template <class T>
double attention_mass(const Matrix<T>& probabilities, const std::vector<std::vector<std::int32_t>>& selected);

// ||approx - exact||_F / ||exact||_F, accumulated in double; 0 when both are zero, infinity when
// only `exact` is.
template <class T>
double relative_l2_error(const Matrix<T>& approx, const Matrix<T>& exact);

struct BucketLoad {
    std::vector<std::int64_t> counts;  // [n_buckets]
    std::int64_t max = 0;
    double mean = 0;           // n / n_buckets
    double max_over_mean = 0;  // 1 is perfectly even; 0 when there are no items
    int empty = 0;             // buckets with no item
};

BucketLoad bucket_load(std::span<const std::int32_t> buckets, int n_buckets);

struct Collisions {
    std::int64_t pairs = 0;         // unordered pairs of items sharing a bucket
    double expected_uniform = 0;    // expectation of `pairs` for uniformly random buckets
};

Collisions collisions(std::span<const std::int32_t> buckets, int n_buckets);

// Per query position, the sorted key positions it attends to in some round: its chunk and the
// chunk before it, less keys behind the causal mask and less itself, which Reformer masks to
// -1e5 so that it only matters when nothing else is visible in any round; then the set is {i}.
// For a standard_attention trace: every key (j <= i when causal) except itself, or {i}.
template <class T>
std::vector<std::vector<std::int32_t>> reformer_reached_keys(const ReformerTrace<T>& trace);

// Memory accounting: the buffers each method allocates beyond its inputs and its [n, dv] output,
// each counted once as if all were alive together (an upper bound on the extra peak).
struct MemoryItem {
    std::string name;
    std::size_t bytes = 0;
};

// n queries against m keys.
std::vector<MemoryItem> dense_memory(std::size_t n, std::size_t m, std::size_t scalar_bytes);
// Hashing `rows` vectors (queries and keys together) of width d to `bits`-bit signatures.
std::vector<MemoryItem> simhash_memory(std::size_t rows, std::size_t d, int bits, std::size_t scalar_bytes);
// What reformer_attention allocates for n tokens, following its two paths (chunked or standard).
std::vector<MemoryItem> reformer_memory(std::size_t n, std::size_t d, std::size_t dv, const ReformerConfig& config,
                                        std::size_t scalar_bytes);

std::size_t total_bytes(const std::vector<MemoryItem>& items);

}  // namespace hashscope
