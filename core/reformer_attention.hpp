// Reformer LSH attention (Kitaev et al., 2020), computed exactly as Hugging Face transformers'
// LSHSelfAttention does for one head, so users can compare the two, number for number.
//
//   X [n, d] shared query/key vectors, V [n, dv], rotations R_h [d, n_buckets/2] for rounds h < H.
//   1. hash:  bucket_h(i) = argmax(concat(X_i R_h, -X_i R_h))               (first maximum wins)
//   2. sort:  rounds are concatenated (length H n) with bucket offsets h * n_buckets and stably
//             sorted by (offset bucket, concatenated position)
//   3. chunk: the sorted sequence is cut into chunks of `chunk` slots; each chunk attends to itself
//             and to the chunk before it, wrapping cyclically over the concatenated rounds
//   4. attend: queries are X rows; keys are X rows scaled to unit RMS, sqrt(mean(x^2) + 1e-6), then
//             divided by sqrt(d); causal keys after the query get -1e9, the query's own position
//             gets -1e5 (not -inf: a token with nothing else to see still attends to itself)
//   5. unsort each slot's output and logsumexp back to (round, position)
//   6. combine rounds with weights softmax_h(logsumexp_h)
// Like transformers, a sequence no longer than one chunk (n <= chunk) runs full self-attention
// (the buckets are still computed, for display, but attention ignores them) with the same key normalisation and masks (`standard_attention` in the trace).
#pragma once

#include <cstdint>
#include <vector>

#include "core/dense_attention.hpp"
#include "core/matrix.hpp"

namespace hashscope {

struct ReformerConfig {
    int n_hashes = 4;   // rounds H
    int n_buckets = 16; // per round; even
    int chunk = 32;     // slots per chunk; H * n must be a multiple of it
    bool causal = false;
};

inline constexpr double kReformerCausalMask = -1e9;
inline constexpr double kReformerSelfMask = -1e5;
inline constexpr double kReformerNormEpsilon = 1e-6;

// The trace the app animates: every intermediate the algorithm produces.
template <class T>
struct ReformerTrace {
    int n = 0;
    ReformerConfig config;
    bool standard_attention = false;
    std::vector<std::vector<std::int32_t>> buckets;  // [round][position], 0..n_buckets-1, no offsets
    std::vector<std::int32_t> sorted_to_concat;      // sorted slot -> round * n + position
    std::vector<std::int32_t> concat_to_sorted;      // inverse permutation
    std::vector<Matrix<T>> round_outputs;            // [round] -> [n, dv], original order
    std::vector<Vector<T>> round_logsumexp;          // [round] -> [n]
    Matrix<T> output;                                // [n, dv]

    int num_chunks() const { return int(sorted_to_concat.size()) / config.chunk; }
    int chunk_of_slot(int slot) const { return slot / config.chunk; }
    int position_of_slot(int slot) const { return sorted_to_concat[std::size_t(slot)] % n; }
    int round_of_slot(int slot) const { return sorted_to_concat[std::size_t(slot)] / n; }
};

// Validates the parameters alone (rounds, even bucket count, chunk); names the flag of each.
void check_reformer_config(const ReformerConfig& config);

// Validates shapes and parameters; each message names the flag it comes from.
template <class T>
void check_reformer_inputs(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                           const ReformerConfig& config);

// Step 1 alone: [round][position] buckets without offsets.
template <class T>
std::vector<std::vector<std::int32_t>> reformer_buckets(const Matrix<T>& x, const std::vector<Matrix<T>>& rotations);

// Step 2 alone: the stable sort of offset buckets; returns sorted slot -> concatenated index.
std::vector<std::int32_t> reformer_sort(const std::vector<std::vector<std::int32_t>>& buckets, int n_buckets);

template <class T>
ReformerTrace<T> reformer_attention(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                                    const ReformerConfig& config);

// The same, recomputed into `trace` with its storage reused: what the app and benchmarks call when
// they run the algorithm again and again (fresh buffers cost page faults comparable to the hashing).
template <class T>
void reformer_attention(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                        const ReformerConfig& config, ReformerTrace<T>& trace);

// Full attention with Reformer's keys and masks over all n keys: what the hashing approximates, and
// what it computes itself when n <= chunk. Probabilities are [n, n] (masked entries underflow to 0).
template <class T>
DenseTrace<T> reformer_full_attention(const Matrix<T>& x, const Matrix<T>& v, bool causal);

// The same for the query positions [first, first + rows) alone, row for row equal: a caller walks
// the n x n reference in blocks of rows (the GUI at n = 4096) instead of holding it whole.
template <class T>
DenseTrace<T> reformer_full_attention_rows(const Matrix<T>& x, const Matrix<T>& v, bool causal, int first, int rows);

// H standard-normal rotation matrices [d, n_buckets / 2] from `seed`, round by round.
template <class T>
std::vector<Matrix<T>> random_rotations(int d, const ReformerConfig& config, std::uint64_t seed);

}  // namespace hashscope
