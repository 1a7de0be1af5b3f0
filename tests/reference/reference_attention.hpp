// The independent oracle for the attention tests.
//
// Everything here is written from the written specification (see core/*.hpp headers and the
// Reformer description below), in float64 with plain loops, and deliberately does NOT include or
// call anything from core/: no Eigen, no shared helpers. A bug in core's vectorised code (an
// off-by-one in a mask, a wrong chunk neighbour, a sort that is not stable) therefore cannot be
// copied into the expected values. Clarity beats speed: the tests keep sizes small.
//
// Reformer LSH attention, one head, as Hugging Face transformers' LSHSelfAttention computes it:
//   X [n,d] shared query/key, V [n,dv], rotations R_h [d, nb/2] for rounds h < H.
//   bucket_h(i) = argmax over concat(X_i R_h, -X_i R_h), the first maximum winning.
//   Rounds are concatenated (index h*n+i) with bucket offset h*nb and sorted by
//   (offset bucket, concatenated index). The sorted sequence is cut into chunks of C slots; chunk c's
//   queries see the keys of chunk (c-1 mod chunks) followed by chunk c.
//   query = X_i, key = X_j / sqrt(mean(X_j^2) + 1e-6) / sqrt(d), logit = q.k, then
//   i == j -> -1e5, else causal and j > i -> -1e9. Each slot: lse over its 2C logits, out = softmax V.
//   Rounds combine with weights softmax_h(lse_h(i)). If n <= C: no hashing, full self-attention over
//   all n keys with the same keys and masks (one round).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hashscope_ref {

// A plain row-major float64 matrix.
struct Mat {
    int rows = 0, cols = 0;
    std::vector<double> a;
    Mat() = default;
    Mat(int r, int c) : rows(r), cols(c), a(std::size_t(r) * std::size_t(c), 0.0) {}
    double& operator()(int i, int j) { return a[std::size_t(i) * std::size_t(cols) + std::size_t(j)]; }
    double operator()(int i, int j) const { return a[std::size_t(i) * std::size_t(cols) + std::size_t(j)]; }
};

inline double dot_rows(const Mat& x, int i, const Mat& y, int j) {
    double s = 0.0;
    for (int k = 0; k < x.cols; ++k) s += x(i, k) * y(j, k);
    return s;
}

// log(sum(exp(v))) with the maximum subtracted first, so it never overflows.
inline double logsumexp(const std::vector<double>& v) {
    double peak = -std::numeric_limits<double>::infinity();
    for (double x : v) peak = std::max(peak, x);
    double s = 0.0;
    for (double x : v) s += std::exp(x - peak);
    return peak + std::log(s);
}

// ---------------------------------------------------------------------------------------------
// Dense softmax attention: P = softmax(Q K^T / sqrt(d) + mask), O = P V. With `causal`, query i sees
// key j only when j <= i + (m - n). Masked probabilities are exactly 0.
struct DenseRef {
    Mat probabilities;              // [n, m]
    std::vector<double> logsumexp;  // [n], over the visible scaled scores
    Mat output;                     // [n, dv]
};

inline DenseRef dense_attention(const Mat& q, const Mat& k, const Mat& v, bool causal) {
    const int n = q.rows, m = k.rows, dv = v.cols;
    const double scale = 1.0 / std::sqrt(double(q.cols));
    DenseRef r{Mat(n, m), std::vector<double>(std::size_t(n)), Mat(n, dv)};
    for (int i = 0; i < n; ++i) {
        std::vector<double> scores;
        for (int j = 0; j < m; ++j)
            if (!causal || j <= i + (m - n)) scores.push_back(dot_rows(q, i, k, j) * scale);
        const double lse = logsumexp(scores);
        r.logsumexp[std::size_t(i)] = lse;
        for (int j = 0; j < int(scores.size()); ++j) r.probabilities(i, j) = std::exp(scores[std::size_t(j)] - lse);
        for (int j = 0; j < m; ++j)
            for (int c = 0; c < dv; ++c) r.output(i, c) += r.probabilities(i, j) * v(j, c);
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// SimHash: bit b of row i is 1 exactly when x_i . P[:, b] >= 0.
struct SimHashRef {
    std::vector<std::vector<int>> bits;           // [row][bit], 0 or 1
    std::vector<std::vector<double>> projection;  // [row][bit], x_i . P[:, b]
};

inline SimHashRef simhash(const Mat& x, const Mat& planes) {
    SimHashRef r;
    for (int i = 0; i < x.rows; ++i) {
        std::vector<int> bits;
        std::vector<double> proj;
        for (int b = 0; b < planes.cols; ++b) {
            double s = 0.0;
            for (int k = 0; k < x.cols; ++k) s += x(i, k) * planes(k, b);
            proj.push_back(s);
            bits.push_back(s >= 0.0 ? 1 : 0);
        }
        r.bits.push_back(bits);
        r.projection.push_back(proj);
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// Reformer LSH attention.
inline constexpr double kSelfMask = -1e5;
inline constexpr double kCausalMask = -1e9;
inline constexpr double kNormEpsilon = 1e-6;

// Key j: X_j / sqrt(mean(X_j^2) + 1e-6) / sqrt(d).
inline Mat reformer_keys(const Mat& x) {
    Mat k(x.rows, x.cols);
    for (int j = 0; j < x.rows; ++j) {
        double mean_square = 0.0;
        for (int c = 0; c < x.cols; ++c) mean_square += x(j, c) * x(j, c);
        mean_square /= double(x.cols);
        const double denom = std::sqrt(mean_square + kNormEpsilon) * std::sqrt(double(x.cols));
        for (int c = 0; c < x.cols; ++c) k(j, c) = x(j, c) / denom;
    }
    return k;
}

inline double reformer_logit(const Mat& x, const Mat& keys, int i, int j, bool causal) {
    if (i == j) return kSelfMask;
    if (causal && j > i) return kCausalMask;
    return dot_rows(x, i, keys, j);
}

struct ReformerRef {
    bool standard_attention = false;
    std::vector<std::vector<int>> buckets;        // [round][position], without offsets
    std::vector<double> min_bucket_margin;        // [round]: smallest (best - second best) value
    std::vector<int> sorted_to_concat;            // sorted slot -> h * n + i
    std::vector<Mat> round_outputs;               // [round] -> [n, dv]
    std::vector<std::vector<double>> round_lse;   // [round] -> [n]
    Mat output;                                   // [n, dv]
};

// `rotations[h]` is [d, nb/2]. Throws std::invalid_argument when the spec's preconditions fail
// (the tests only pass valid input here; core's own validation is tested separately).
inline ReformerRef reformer_attention(const Mat& x, const Mat& v, const std::vector<Mat>& rotations, int n_buckets,
                                      int chunk, bool causal) {
    const int n = x.rows, H = int(rotations.size()), dv = v.cols;
    if (n_buckets % 2 != 0 || H < 1 || v.rows != n) throw std::invalid_argument("reference: bad input");
    ReformerRef r;

    // 1. hash: argmax over the nb values [x R, -x R], strict > so the first maximum wins.
    for (int h = 0; h < H; ++h) {
        const Mat& rot = rotations[std::size_t(h)];
        const int half = rot.cols;
        if (rot.rows != x.cols || 2 * half != n_buckets) throw std::invalid_argument("reference: bad rotations");
        std::vector<int> round(static_cast<std::size_t>(n));
        double min_margin = std::numeric_limits<double>::infinity();
        for (int i = 0; i < n; ++i) {
            std::vector<double> values(static_cast<std::size_t>(n_buckets));
            for (int b = 0; b < half; ++b) {
                double s = 0.0;
                for (int c = 0; c < x.cols; ++c) s += x(i, c) * rot(c, b);
                values[std::size_t(b)] = s;
                values[std::size_t(b + half)] = -s;
            }
            int best = 0;
            for (int b = 1; b < n_buckets; ++b)
                if (values[std::size_t(b)] > values[std::size_t(best)]) best = b;
            double second = -std::numeric_limits<double>::infinity();
            for (int b = 0; b < n_buckets; ++b)
                if (b != best) second = std::max(second, values[std::size_t(b)]);
            min_margin = std::min(min_margin, values[std::size_t(best)] - second);
            round[std::size_t(i)] = best;
        }
        r.buckets.push_back(round);
        r.min_bucket_margin.push_back(min_margin);
    }

    // 2. sort by (offset bucket, concatenated index): a strict total order, so plain std::sort.
    std::vector<std::pair<long long, int>> keyed;
    for (int h = 0; h < H; ++h)
        for (int i = 0; i < n; ++i)
            keyed.push_back({(long long)h * n_buckets + r.buckets[std::size_t(h)][std::size_t(i)], h * n + i});
    std::sort(keyed.begin(), keyed.end());
    for (const auto& kv : keyed) r.sorted_to_concat.push_back(kv.second);

    const Mat keys = reformer_keys(x);
    auto attend = [&](int i, const std::vector<int>& key_positions, double& lse_out, Mat& out, int out_row) {
        std::vector<double> logits;
        for (int j : key_positions) logits.push_back(reformer_logit(x, keys, i, j, causal));
        lse_out = logsumexp(logits);
        for (int c = 0; c < dv; ++c) out(out_row, c) = 0.0;
        for (std::size_t t = 0; t < key_positions.size(); ++t) {
            const double p = std::exp(logits[t] - lse_out);
            for (int c = 0; c < dv; ++c) out(out_row, c) += p * v(key_positions[t], c);
        }
    };

    if (n <= chunk) {
        // Standard attention: one round over every key.
        r.standard_attention = true;
        r.round_outputs.assign(1, Mat(n, dv));
        r.round_lse.assign(1, std::vector<double>(std::size_t(n)));
        std::vector<int> all(static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) all[std::size_t(j)] = j;
        for (int i = 0; i < n; ++i) attend(i, all, r.round_lse[0][std::size_t(i)], r.round_outputs[0], i);
        r.output = r.round_outputs[0];
        return r;
    }

    // 3-5. chunked attention over the sorted sequence, results scattered back to (round, position).
    const int slots = H * n;
    if (slots % chunk != 0) throw std::invalid_argument("reference: chunk does not divide H*n");
    const int chunks = slots / chunk;
    r.round_outputs.assign(std::size_t(H), Mat(n, dv));
    r.round_lse.assign(std::size_t(H), std::vector<double>(std::size_t(n)));
    for (int c = 0; c < chunks; ++c) {
        const int prev = (c - 1 + chunks) % chunks;
        std::vector<int> key_positions;
        for (int s = prev * chunk; s < (prev + 1) * chunk; ++s) key_positions.push_back(r.sorted_to_concat[std::size_t(s)] % n);
        for (int s = c * chunk; s < (c + 1) * chunk; ++s) key_positions.push_back(r.sorted_to_concat[std::size_t(s)] % n);
        for (int s = c * chunk; s < (c + 1) * chunk; ++s) {
            const int concat = r.sorted_to_concat[std::size_t(s)];
            const int h = concat / n, i = concat % n;
            attend(i, key_positions, r.round_lse[std::size_t(h)][std::size_t(i)], r.round_outputs[std::size_t(h)], i);
        }
    }

    // 6. combine rounds: weight_h(i) = exp(lse_h(i) - logsumexp_h lse_h(i)).
    r.output = Mat(n, dv);
    for (int i = 0; i < n; ++i) {
        std::vector<double> lses;
        for (int h = 0; h < H; ++h) lses.push_back(r.round_lse[std::size_t(h)][std::size_t(i)]);
        const double total = H == 1 ? lses[0] : logsumexp(lses);
        for (int h = 0; h < H; ++h) {
            const double w = H == 1 ? 1.0 : std::exp(lses[std::size_t(h)] - total);
            for (int c = 0; c < dv; ++c) r.output(i, c) += w * r.round_outputs[std::size_t(h)](i, c);
        }
    }
    return r;
}

// Plain attention with Reformer's queries and keys where a query never sees itself (and, causal,
// never a later key): what Reformer reduces to when every key is in view exactly once, because the
// -1e5 self logit underflows to a weight of exactly 0. A row with no visible key (causal, i == 0)
// is left at 0.
inline Mat dense_excluding_self(const Mat& x, const Mat& v, bool causal) {
    const Mat keys = reformer_keys(x);
    Mat out(x.rows, v.cols);
    for (int i = 0; i < x.rows; ++i) {
        std::vector<int> js;
        std::vector<double> logits;
        for (int j = 0; j < x.rows; ++j)
            if (j != i && !(causal && j > i)) js.push_back(j), logits.push_back(dot_rows(x, i, keys, j));
        if (js.empty()) continue;
        const double lse = logsumexp(logits);
        for (std::size_t t = 0; t < js.size(); ++t)
            for (int c = 0; c < v.cols; ++c) out(i, c) += std::exp(logits[t] - lse) * v(js[t], c);
    }
    return out;
}

}  // namespace hashscope_ref
