// Metrics and memory accounting. The Reformer figures mirror the buffers that
// core/reformer_attention.cpp allocates; a change there must be followed here.
#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "core/dense_attention.hpp"

namespace hashscope {
namespace {

std::vector<std::int32_t> as_set(std::vector<std::int32_t> v) {
    if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

std::vector<std::int64_t> count_buckets(std::span<const std::int32_t> buckets, int n_buckets, const char* who) {
    if (n_buckets < 1) throw InputError("--n-buckets must be at least 1, got " + std::to_string(n_buckets));
    std::vector<std::int64_t> counts(std::size_t(n_buckets), 0);
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        if (buckets[i] < 0 || buckets[i] >= n_buckets)
            throw InputError(std::string(who) + ": bucket " + std::to_string(buckets[i]) + " of item " +
                             std::to_string(i) + " is outside [0, " + std::to_string(n_buckets) + ")");
        ++counts[std::size_t(buckets[i])];
    }
    return counts;
}

// Indices of the `take` largest scores, best first, ties to the lower index.
template <class T>
std::vector<std::int32_t> best_indices(const Vector<T>& scores, Eigen::Index take) {
    // (-score, index) pairs in one array: "larger score, then lower index" is their plain order,
    // a strict total order, so selecting then sorting the kept ones is exact. O(n + take log take).
    std::vector<std::pair<T, std::int32_t>> order(std::size_t(scores.size()));
    for (Eigen::Index i = 0; i < scores.size(); ++i) order[std::size_t(i)] = {-scores(i), std::int32_t(i)};
    take = std::min(take, scores.size());
    if (take < scores.size()) std::nth_element(order.begin(), order.begin() + take, order.end());
    order.resize(std::size_t(take));
    std::sort(order.begin(), order.end());
    std::vector<std::int32_t> best(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) best[i] = order[i].second;
    return best;
}

}  // namespace

template <class T>
std::vector<std::vector<std::int32_t>> exact_top_k(const Matrix<T>& q, const Matrix<T>& k, int top, bool causal) {
    if (top < 1) throw InputError("--top-k must be at least 1, got " + std::to_string(top));
    if (q.cols() != k.cols())
        throw InputError("exact_top_k: Q has d = " + std::to_string(q.cols()) + " but K has d = " +
                         std::to_string(k.cols()));
    const Eigen::Index n = q.rows(), m = k.rows();
    if (causal && n > m)
        throw InputError("exact_top_k: causal mask needs at least as many keys (" + std::to_string(m) +
                         ") as queries (" + std::to_string(n) + ")");
    // NaN would break the strict weak ordering the sort relies on.
    require_finite(q, "exact_top_k: Q");
    require_finite(k, "exact_top_k: K");

    auto result = std::vector<std::vector<std::int32_t>>(std::size_t(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index visible = causal ? i + (m - n) + 1 : m;
        result[std::size_t(i)] = best_indices<T>(k.topRows(visible) * q.row(i).transpose(), top);
    }
    return result;
}

template <class T>
std::vector<std::vector<std::int32_t>> top_k_by_weight(const Matrix<T>& weights, int top) {
    if (top < 1) throw InputError("--top-k must be at least 1, got " + std::to_string(top));
    require_finite(weights, "top_k_by_weight");
    auto result = std::vector<std::vector<std::int32_t>>(std::size_t(weights.rows()));
    for (Eigen::Index i = 0; i < weights.rows(); ++i) {
        const Vector<T> row = weights.row(i).transpose();
        // Positive entries outrank the zeros, so the best min(top, #positive) are all positive.
        const auto positive = (row.array() > T(0)).count();
        result[std::size_t(i)] = best_indices<T>(row, int(std::min<Eigen::Index>(top, positive)));
    }
    return result;
}

double recall_at_k(const std::vector<std::vector<std::int32_t>>& truth,
                   const std::vector<std::vector<std::int32_t>>& found) {
    if (truth.size() != found.size())
        throw InputError("recall: the truth has " + std::to_string(truth.size()) + " queries but the found sets " +
                         std::to_string(found.size()));
    double sum = 0;
    std::size_t counted = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const auto t = as_set(truth[i]);
        if (t.empty()) continue;
        const auto f = as_set(found[i]);
        std::vector<std::int32_t> common;
        std::set_intersection(t.begin(), t.end(), f.begin(), f.end(), std::back_inserter(common));
        sum += double(common.size()) / double(t.size());
        ++counted;
    }
    return counted ? sum / double(counted) : 1.0;
}

template <class T>
double attention_mass(const Matrix<T>& probabilities, const std::vector<std::vector<std::int32_t>>& selected) {
    const Eigen::Index n = probabilities.rows(), m = probabilities.cols();
    if (std::size_t(n) != selected.size())
        throw InputError("attention_mass: " + std::to_string(n) + " probability rows but " +
                         std::to_string(selected.size()) + " selected sets");
    if (n == 0) return 0.0;
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i)
        for (const auto j : as_set(selected[std::size_t(i)])) {
            if (j < 0 || j >= m)
                throw InputError("attention_mass: key " + std::to_string(j) + " selected for query " +
                                 std::to_string(i) + " is outside [0, " + std::to_string(m) + ")");
            sum += double(probabilities(i, j));
        }
    return sum / double(n);
}

template <class T>
double relative_l2_error(const Matrix<T>& approx, const Matrix<T>& exact) {
    if (approx.rows() != exact.rows() || approx.cols() != exact.cols())
        throw InputError("relative_l2_error: approximation is " + std::to_string(approx.rows()) + " x " +
                         std::to_string(approx.cols()) + " but the exact output is " +
                         std::to_string(exact.rows()) + " x " + std::to_string(exact.cols()));
    double diff = 0, base = 0;
    for (Eigen::Index i = 0; i < exact.rows(); ++i)
        for (Eigen::Index j = 0; j < exact.cols(); ++j) {
            const double e = double(exact(i, j)), a = double(approx(i, j));
            diff += (a - e) * (a - e);
            base += e * e;
        }
    if (base == 0) return diff == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return std::sqrt(diff / base);
}

BucketLoad bucket_load(std::span<const std::int32_t> buckets, int n_buckets) {
    BucketLoad load;
    load.counts = count_buckets(buckets, n_buckets, "bucket_load");
    load.max = *std::max_element(load.counts.begin(), load.counts.end());
    load.mean = double(buckets.size()) / double(n_buckets);
    load.max_over_mean = buckets.empty() ? 0.0 : double(load.max) / load.mean;
    load.empty = int(std::count(load.counts.begin(), load.counts.end(), 0));
    return load;
}

Collisions collisions(std::span<const std::int32_t> buckets, int n_buckets) {
    Collisions c;
    for (const auto count : count_buckets(buckets, n_buckets, "collisions")) c.pairs += count * (count - 1) / 2;
    const double n = double(buckets.size());
    c.expected_uniform = n * (n - 1) / 2 / double(n_buckets);
    return c;
}

template <class T>
std::vector<std::vector<std::int32_t>> reformer_reached_keys(const ReformerTrace<T>& t) {
    const int n = t.n;
    const bool causal = t.config.causal;
    auto reached = std::vector<std::vector<std::int32_t>>(std::size_t(n));
    if (t.standard_attention) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < (causal ? i + 1 : n); ++j)
                if (j != i) reached[std::size_t(i)].push_back(j);
    } else {
        const int chunk = t.config.chunk, chunks = t.num_chunks();
        for (std::size_t concat = 0; concat < t.concat_to_sorted.size(); ++concat) {
            const int i = int(concat) % n;
            const int c = t.chunk_of_slot(t.concat_to_sorted[concat]);
            for (const int window : {(c + chunks - 1) % chunks, c})
                for (int slot = window * chunk; slot < (window + 1) * chunk; ++slot) {
                    const int j = t.position_of_slot(slot);
                    if (j != i && !(causal && j > i)) reached[std::size_t(i)].push_back(j);
                }
        }
    }
    for (int i = 0; i < n; ++i) {
        auto& keys = reached[std::size_t(i)];
        keys = as_set(std::move(keys));
        if (keys.empty()) keys.push_back(i);
    }
    return reached;
}

std::vector<MemoryItem> dense_memory(std::size_t n, std::size_t m, std::size_t scalar_bytes) {
    return {{"scores, then probabilities [n, m]", dense_score_bytes(n, m, scalar_bytes)},
            {"logsumexp [n]", n * scalar_bytes}};
}

std::vector<MemoryItem> simhash_memory(std::size_t rows, std::size_t d, int bits, std::size_t scalar_bytes) {
    if (bits < 1) throw InputError("--bits must be at least 1, got " + std::to_string(bits));
    const std::size_t b = std::size_t(bits), words = (b + 31) / 32;
    return {{"planes [d, bits]", d * b * scalar_bytes},
            {"projections [rows, bits]", rows * b * scalar_bytes},
            {"codes [rows, ceil(bits / 32)] uint32", rows * words * sizeof(std::uint32_t)}};
}

std::vector<MemoryItem> reformer_memory(std::size_t n, std::size_t d, std::size_t dv, const ReformerConfig& config,
                                        std::size_t scalar_bytes) {
    check_reformer_config(config);
    const std::size_t h = std::size_t(config.n_hashes), nb = std::size_t(config.n_buckets), half = nb / 2;
    const std::size_t chunk = std::size_t(config.chunk), slots = h * n, s = scalar_bytes, i32 = sizeof(std::int32_t);
    // Hashing and sorting run on both paths, even when the standard path then ignores them.
    std::vector<MemoryItem> items{
        {"rotations [d, H, n_buckets / 2]", d * h * half * s},
        {"projections X R_h [n, n_buckets / 2], one round at a time", n * half * s},
        {"buckets [H, n] int32", slots * i32},
        {"sort bucket starts [H n_buckets + 1] int32", (h * nb + 1) * i32},
        {"sort permutation and its inverse [2, H n] int32", 2 * slots * i32},
        {"unit-RMS keys [n, d]", n * d * s},
    };
    if (n <= chunk) {
        items.push_back({"logits [n, n]", n * n * s});
        items.push_back({"round output [n, dv]", n * dv * s});
        items.push_back({"round logsumexp [n]", n * s});
        return items;
    }
    items.push_back({"sorted positions [H n] int", slots * sizeof(int)});
    items.push_back({"chunk queries, keys and values [chunk, d] + [2 chunk, d + dv]",
                     (chunk * d + 2 * chunk * (d + dv)) * s});
    items.push_back({"chunk key positions [2 chunk] int", 2 * chunk * sizeof(int)});
    items.push_back({"chunk logits [chunk, 2 chunk]", chunk * 2 * chunk * s});
    items.push_back({"chunk output [chunk, dv]", chunk * dv * s});
    items.push_back({"round outputs [H, n, dv]", slots * dv * s});
    items.push_back({"round logsumexps [H, n]", slots * s});
    return items;
}

std::size_t total_bytes(const std::vector<MemoryItem>& items) {
    std::size_t total = 0;
    for (const auto& item : items) total += item.bytes;
    return total;
}

#define HASHSCOPE_METRICS(T)                                                                                      \
    template std::vector<std::vector<std::int32_t>> exact_top_k<T>(const Matrix<T>&, const Matrix<T>&, int, bool); \
    template std::vector<std::vector<std::int32_t>> top_k_by_weight<T>(const Matrix<T>&, int);                     \
    template double attention_mass<T>(const Matrix<T>&, const std::vector<std::vector<std::int32_t>>&);           \
    template double relative_l2_error<T>(const Matrix<T>&, const Matrix<T>&);                                     \
    template std::vector<std::vector<std::int32_t>> reformer_reached_keys<T>(const ReformerTrace<T>&);
HASHSCOPE_METRICS(float)
HASHSCOPE_METRICS(double)
#undef HASHSCOPE_METRICS

}  // namespace hashscope
