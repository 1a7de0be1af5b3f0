#include "core/reformer_attention.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "core/block_kernels.hpp"
#include "core/random.hpp"

namespace hashscope {
namespace {

// Keys are the shared vectors at unit RMS, divided by sqrt(d) (transformers' _len_and_dim_norm):
// row i of the keys is x_i * key_scale(i). Kept as one scale per row so that the chunked pass can
// derive a chunk's keys from its queries instead of gathering a second copy of the rows.
template <class T>
Vector<T> key_scales(const Matrix<T>& x) {
    Vector<T> scale(x.rows());
    const T inv_sqrt_d = T(1) / std::sqrt(T(x.cols()));
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const T mean_square = x.row(i).squaredNorm() / T(x.cols());
        scale(i) = inv_sqrt_d / std::sqrt(mean_square + T(kReformerNormEpsilon));
    }
    return scale;
}

template <class T>
Matrix<T> normalised_keys(const Matrix<T>& x) {
    return key_scales(x).asDiagonal() * x;
}

// The masked logit of query position i against key position j. Written as selects, not branches,
// so the loops over a chunk's keys vectorise.
template <class T>
T masked_logit(T dot, int i, int j, bool causal) {
    const T visible = causal && j > i ? T(kReformerCausalMask) : dot;
    return i == j ? T(kReformerSelfMask) : visible;
}

// Row-wise softmax of masked logits in place; returns each row's logsumexp. Whole-matrix
// expressions let Eigen vectorise across the block rather than row by row.
template <class T>
Vector<T> softmax_rows(Matrix<T>& logits) {
    const Vector<T> peak = logits.rowwise().maxCoeff();
    logits.colwise() -= peak;
    logits = logits.array().exp();
    // Eigen's vectorised exp returns denormals (~1e-310) where the true value, exp(-1e5) and below
    // from the masks, is 0; flushing what lies below the smallest normal keeps masked keys at 0.
    logits = (logits.array() < std::numeric_limits<T>::min()).select(T(0), logits);
    const Vector<T> sum = logits.rowwise().sum();
    logits.array().colwise() /= sum.array();
    return peak.array() + sum.array().log();
}

// One row of logits in place to exp(logit - peak), with `peak` its maximum; returns the row's sum.
// Flushed like softmax_rows, so that masked keys weigh exactly 0.
template <class T>
T exp_shifted_row(T* row, int length, T& peak) {
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> r(row, length);
    peak = r.maxCoeff();
    r = (r - peak).exp();
    r = (r < std::numeric_limits<T>::min()).select(T(0), r);
    return r.sum();
}

// Full attention of the query positions [first, first + rows) over all n keys.
template <class T>
DenseTrace<T> full_attention(const Matrix<T>& x, const Matrix<T>& keys, const Matrix<T>& v, bool causal, int first,
                             int rows) {
    const auto n = int(x.rows());
    DenseTrace<T> t;
    t.probabilities.noalias() = x.middleRows(first, rows) * keys.transpose();
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < n; ++j)
            t.probabilities(i, j) = masked_logit(t.probabilities(i, j), first + i, j, causal);
    t.logsumexp = softmax_rows(t.probabilities);
    t.output.noalias() = t.probabilities * v;
    return t;
}

// The chunked pass over the sorted sequence; fills per-round outputs in original order.
template <class T>
void attend_chunks(const Matrix<T>& x, const Vector<T>& key_scale, const Matrix<T>& v, ReformerTrace<T>& t) {
    const int n = t.n, rounds = t.config.n_hashes, chunk = t.config.chunk, window = 2 * chunk;
    const int slots = rounds * n, chunks = slots / chunk, d = int(x.cols()), dv = int(v.cols());
    t.round_outputs.resize(std::size_t(rounds));
    t.round_logsumexp.resize(std::size_t(rounds));
    for (auto& o : t.round_outputs) o.resize(n, dv);
    for (auto& l : t.round_logsumexp) l.resize(n);

    // A window of two chunks in small buffers that stay in cache. Chunk c occupies half c % 2 of the
    // window's keys and values, its look-back the other half (chunk 0's look-back, the last chunk, is
    // loaded into half 1 first), so no chunk is gathered twice or moved. Keys are a chunk's queries
    // scaled and are stored transposed, [d, window], so that the score product reads them as rows.
    Matrix<T> queries(chunk, d), keys(chunk, d), keys_t(d, window), values(window, dv), logits(chunk, window),
        out(chunk, dv);
    std::vector<int> key_position(static_cast<std::size_t>(window));
    std::vector<T> inverse_sum(static_cast<std::size_t>(chunk)), lse(static_cast<std::size_t>(chunk));
    const auto load = [&](int c, int half) {
        for (int a = 0; a < chunk; ++a) {
            const int j = t.position_of_slot(c * chunk + a), column = half * chunk + a;
            key_position[std::size_t(column)] = j;
            queries.row(a) = x.row(j);
            keys.row(a) = queries.row(a) * key_scale(j);
            values.row(column) = v.row(j);
        }
        block_transpose(keys.data(), d, &keys_t(0, half * chunk), window, chunk, d);
    };
    load(chunks - 1, 1);
    for (int c = 0; c < chunks; ++c) {
        const int half = c % 2, self = half * chunk;
        load(c, half);
        block_product(queries.data(), d, keys_t.data(), window, logits.data(), window, chunk, d, window);
        // A round holds each position once, so when the whole window lies in one round the only key at
        // a query's own position is its own slot: without the causal mask that diagonal is all there is
        // to mask. Windows that straddle rounds can meet a position twice and take the general test.
        const int previous = (c + chunks - 1) % chunks;
        const bool one_round = t.round_of_slot(previous * chunk) == t.round_of_slot(c * chunk + chunk - 1);
        for (int a = 0; a < chunk; ++a) {
            T* row = &logits(a, 0);
            if (one_round && !t.config.causal) {
                row[self + a] = T(kReformerSelfMask);
            } else {
                const int i = key_position[std::size_t(self + a)];
                for (int b = 0; b < window; ++b) row[b] = masked_logit(row[b], i, key_position[std::size_t(b)], t.config.causal);
            }
            const T sum = exp_shifted_row(row, window, lse[std::size_t(a)]);
            inverse_sum[std::size_t(a)] = T(1) / sum;
            lse[std::size_t(a)] += std::log(sum);
        }
        // Unnormalised probabilities times values; the division by each row's sum comes after.
        block_product(logits.data(), window, values.data(), dv, out.data(), dv, chunk, window, dv);
        for (int a = 0; a < chunk; ++a) {
            const int concat = t.sorted_to_concat[std::size_t(c * chunk + a)];
            t.round_logsumexp[std::size_t(concat / n)](concat % n) = lse[std::size_t(a)];
            t.round_outputs[std::size_t(concat / n)].row(concat % n) = out.row(a) * inverse_sum[std::size_t(a)];
        }
    }
}

// Weighted sum of the rounds with weights softmax over rounds of their logsumexps, into t.output.
template <class T>
void combine_rounds(ReformerTrace<T>& t) {
    const std::size_t rounds = t.round_outputs.size();
    if (rounds == 1) {
        t.output = t.round_outputs[0];
        return;
    }
    t.output.resize(t.n, t.round_outputs[0].cols());
    std::vector<T> weight(rounds);
    for (int i = 0; i < t.n; ++i) {
        // Weights from differences to the peak, normalised by their sum: the same softmax as
        // exp(lse - logsumexp(lse)), but it never forms the absolute total, which near the -1e5 self
        // mask (a causal query that sees only itself) has a float ulp of 0.008 and left the weights
        // summing to 1 +- 0.4%.
        T peak = t.round_logsumexp[0](i);
        for (std::size_t h = 1; h < rounds; ++h) peak = std::max(peak, t.round_logsumexp[h](i));
        T sum = 0;
        for (std::size_t h = 0; h < rounds; ++h) sum += weight[h] = std::exp(t.round_logsumexp[h](i) - peak);
        t.output.row(i) = (weight[0] / sum) * t.round_outputs[0].row(i);
        for (std::size_t h = 1; h < rounds; ++h) t.output.row(i) += (weight[h] / sum) * t.round_outputs[h].row(i);
    }
}

// Step 1 into `buckets`, reusing its storage. Every round's rotation is applied in one product, a
// block of rows at a time, so that the rotated values stay in cache instead of filling an
// [n, n_buckets/2] temporary per round. The block is then transposed, [rounds * half, rows], so that
// the argmax runs down contiguous columns for a whole block of rows at once and vectorises.
template <class T>
void fill_buckets(const Matrix<T>& x, const std::vector<Matrix<T>>& rotations,
                  std::vector<std::vector<std::int32_t>>& buckets) {
    constexpr int kBlock = 256;
    const int rounds = int(rotations.size()), half = rotations.empty() ? 0 : int(rotations[0].cols());
    const int d = int(x.cols()), width = rounds * half;
    Matrix<T> all(d, width), rotated(kBlock, width), rotated_t(width, kBlock);
    for (int h = 0; h < rounds; ++h) all.middleCols(h * half, half) = rotations[std::size_t(h)];
    std::vector<T> best(static_cast<std::size_t>(kBlock));
    buckets.resize(rotations.size());
    for (auto& round : buckets) round.resize(std::size_t(x.rows()));
    for (Eigen::Index first = 0; first < x.rows(); first += kBlock) {
        const int rows = int(std::min<Eigen::Index>(kBlock, x.rows() - first));
        block_product(&x(first, 0), d, all.data(), width, rotated.data(), width, rows, d, width);
        block_transpose(rotated.data(), width, rotated_t.data(), kBlock, rows, width);
        for (Eigen::Index h = 0; h < rounds; ++h) {
            // argmax over concat(r, -r); the strict comparison keeps the first maximum, as torch.argmax.
            std::int32_t* index = buckets[std::size_t(h)].data() + first;
            const T* r0 = &rotated_t(h * half, 0);
            for (int i = 0; i < rows; ++i) best[std::size_t(i)] = r0[i], index[i] = 0;
            for (Eigen::Index b = 1; b < 2 * half; ++b) {
                const T* r = &rotated_t(h * half + b % half, 0);
                const T sign = b < half ? T(1) : T(-1);
                for (int i = 0; i < rows; ++i) {
                    const T value = sign * r[i];
                    const bool better = value > best[std::size_t(i)];
                    best[std::size_t(i)] = better ? value : best[std::size_t(i)];
                    index[i] = better ? std::int32_t(b) : index[i];
                }
            }
        }
    }
}

// Step 2 into `sorted`, reusing its storage: a counting sort over offset buckets; scanning in
// concatenated order keeps it stable.
void fill_sort(const std::vector<std::vector<std::int32_t>>& buckets, int n_buckets, std::vector<std::int32_t>& sorted) {
    const std::size_t rounds = buckets.size(), n = rounds ? buckets[0].size() : 0;
    std::vector<std::int32_t> start(rounds * std::size_t(n_buckets) + 1, 0);
    for (std::size_t h = 0; h < rounds; ++h)
        for (auto b : buckets[h]) ++start[h * std::size_t(n_buckets) + std::size_t(b) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    sorted.resize(rounds * n);
    for (std::size_t h = 0; h < rounds; ++h)
        for (std::size_t i = 0; i < n; ++i)
            sorted[std::size_t(start[h * std::size_t(n_buckets) + std::size_t(buckets[h][i])]++)] =
                std::int32_t(h * n + i);
}

}  // namespace

void check_reformer_config(const ReformerConfig& c) {
    if (c.n_hashes < 1) throw InputError("--n-hashes must be at least 1, got " + std::to_string(c.n_hashes));
    if (c.n_buckets < 2 || c.n_buckets % 2 != 0)
        throw InputError("--n-buckets must be even and at least 2, got " + std::to_string(c.n_buckets));
    if (c.chunk < 1) throw InputError("--chunk must be at least 1, got " + std::to_string(c.chunk));
}

template <class T>
void check_reformer_inputs(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                           const ReformerConfig& c) {
    const auto n = x.rows();
    if (n == 0 || x.cols() == 0) throw InputError("--qk: empty array");
    if (v.rows() != n)
        throw InputError("--v has " + std::to_string(v.rows()) + " rows but --qk has " + std::to_string(n));
    check_reformer_config(c);
    if (int(rotations.size()) != c.n_hashes)
        throw InputError("--rotations has " + std::to_string(rotations.size()) + " rounds, expected " +
                         std::to_string(c.n_hashes));
    for (const auto& r : rotations) {
        if (r.rows() != x.cols())
            throw InputError("--rotations has d = " + std::to_string(r.rows()) + " but --qk has d = " +
                             std::to_string(x.cols()));
        if (r.cols() * 2 != c.n_buckets)
            throw InputError("--rotations has " + std::to_string(r.cols()) + " columns per round, so " +
                             std::to_string(2 * r.cols()) + " buckets, not " + std::to_string(c.n_buckets));
    }
    if (n > c.chunk && (std::int64_t(n) * c.n_hashes) % c.chunk != 0)
        throw InputError("--chunk " + std::to_string(c.chunk) + " does not divide n * n_hashes = " +
                         std::to_string(n) + " * " + std::to_string(c.n_hashes));
}

template <class T>
std::vector<std::vector<std::int32_t>> reformer_buckets(const Matrix<T>& x, const std::vector<Matrix<T>>& rotations) {
    std::vector<std::vector<std::int32_t>> buckets;
    fill_buckets(x, rotations, buckets);
    return buckets;
}

std::vector<std::int32_t> reformer_sort(const std::vector<std::vector<std::int32_t>>& buckets, int n_buckets) {
    std::vector<std::int32_t> sorted;
    fill_sort(buckets, n_buckets, sorted);
    return sorted;
}

template <class T>
void reformer_attention(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                        const ReformerConfig& config, ReformerTrace<T>& t) {
    check_reformer_inputs(x, v, rotations, config);
    t.n = int(x.rows());
    t.config = config;
    fill_buckets(x, rotations, t.buckets);
    fill_sort(t.buckets, config.n_buckets, t.sorted_to_concat);
    t.concat_to_sorted.resize(t.sorted_to_concat.size());
    for (std::size_t s = 0; s < t.sorted_to_concat.size(); ++s)
        t.concat_to_sorted[std::size_t(t.sorted_to_concat[s])] = std::int32_t(s);

    t.standard_attention = t.n <= config.chunk;
    if (t.standard_attention) {
        DenseTrace<T> full = full_attention(x, normalised_keys(x), v, config.causal, 0, t.n);
        t.round_outputs = {std::move(full.output)};
        t.round_logsumexp = {std::move(full.logsumexp)};
    } else {
        attend_chunks(x, key_scales(x), v, t);
    }
    combine_rounds(t);
}

template <class T>
ReformerTrace<T> reformer_attention(const Matrix<T>& x, const Matrix<T>& v, const std::vector<Matrix<T>>& rotations,
                                    const ReformerConfig& config) {
    ReformerTrace<T> t;
    reformer_attention(x, v, rotations, config, t);
    return t;
}

template <class T>
DenseTrace<T> reformer_full_attention_rows(const Matrix<T>& x, const Matrix<T>& v, bool causal, int first, int rows) {
    if (x.rows() == 0 || x.cols() == 0) throw InputError("--qk: empty array");
    if (v.rows() != x.rows())
        throw InputError("--v has " + std::to_string(v.rows()) + " rows but --qk has " + std::to_string(x.rows()));
    if (first < 0 || rows < 0 || first + rows > x.rows())
        throw InputError("full attention: rows [" + std::to_string(first) + ", " + std::to_string(first + rows) +
                         ") are outside the " + std::to_string(x.rows()) + " positions");
    return full_attention(x, normalised_keys(x), v, causal, first, rows);
}

template <class T>
DenseTrace<T> reformer_full_attention(const Matrix<T>& x, const Matrix<T>& v, bool causal) {
    return reformer_full_attention_rows(x, v, causal, 0, int(x.rows()));
}

template <class T>
std::vector<Matrix<T>> random_rotations(int d, const ReformerConfig& config, std::uint64_t seed) {
    // Drawn in the C order of a [d, H, n_buckets/2] array, the layout of --rotations files.
    Rng rng(seed);
    const int half = config.n_buckets / 2;
    std::vector<Matrix<T>> rotations(std::size_t(config.n_hashes), Matrix<T>(d, half));
    for (int i = 0; i < d; ++i)
        for (auto& r : rotations)
            for (int b = 0; b < half; ++b) r(i, b) = T(rng.normal());
    return rotations;
}

#define HASHSCOPE_REFORMER(T)                                                                                   \
    template void check_reformer_inputs<T>(const Matrix<T>&, const Matrix<T>&, const std::vector<Matrix<T>>&,   \
                                           const ReformerConfig&);                                              \
    template std::vector<std::vector<std::int32_t>> reformer_buckets<T>(const Matrix<T>&,                       \
                                                                        const std::vector<Matrix<T>>&);         \
    template ReformerTrace<T> reformer_attention<T>(const Matrix<T>&, const Matrix<T>&,                         \
                                                    const std::vector<Matrix<T>>&, const ReformerConfig&);      \
    template void reformer_attention<T>(const Matrix<T>&, const Matrix<T>&, const std::vector<Matrix<T>>&,      \
                                        const ReformerConfig&, ReformerTrace<T>&);                              \
    template DenseTrace<T> reformer_full_attention<T>(const Matrix<T>&, const Matrix<T>&, bool);              \
    template DenseTrace<T> reformer_full_attention_rows<T>(const Matrix<T>&, const Matrix<T>&, bool, int, int); \
    template std::vector<Matrix<T>> random_rotations<T>(int, const ReformerConfig&, std::uint64_t);
HASHSCOPE_REFORMER(float)
HASHSCOPE_REFORMER(double)
#undef HASHSCOPE_REFORMER

}  // namespace hashscope
