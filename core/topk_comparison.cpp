#include "core/topk_comparison.hpp"

#include <algorithm>
#include <string>

#include "core/dense_attention.hpp"
#include "core/hamming_topk.hpp"
#include "core/metrics.hpp"
#include "core/sparse_attention.hpp"

namespace hashscope {
namespace {

using Rows = std::vector<std::vector<std::int32_t>>;

// The first `top` of each best-first row, as a sorted set: the recall and mass below then find
// their sets already sorted instead of sorting each one again.
Rows prefixes(const Rows& rows, int top) {
    Rows out(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out[i].assign(rows[i].begin(), rows[i].begin() + std::min<std::ptrdiff_t>(top, std::ptrdiff_t(rows[i].size())));
        std::sort(out[i].begin(), out[i].end());
    }
    return out;
}

DistanceHistogram distance_histogram(const CodedMethod& m, const Rows& pivotal, bool causal) {
    const int nq = m.queries.rows, nk = m.keys.rows, bits = m.keys.bits;
    DistanceHistogram h{m.name, std::vector<std::int64_t>(std::size_t(bits) + 1, 0),
                        std::vector<std::int64_t>(std::size_t(bits) + 1, 0)};
    std::vector<char> is_pivotal(static_cast<std::size_t>(nk), 0);
    for (int i = 0; i < nq; ++i) {
        for (auto j : pivotal[std::size_t(i)]) is_pivotal[std::size_t(j)] = 1;
        const int visible = causal ? i + (nk - nq) + 1 : nk;
        for (int j = 0; j < visible; ++j) {
            const int d = hamming_distance(m.queries.row(i), m.keys.row(j), m.keys.words_per_row);
            ++(is_pivotal[std::size_t(j)] ? h.pivotal : h.rest)[std::size_t(d)];
        }
        for (auto j : pivotal[std::size_t(i)]) is_pivotal[std::size_t(j)] = 0;
    }
    return h;
}

}  // namespace

template <class T>
TopKComparison compare_topk(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                            const std::vector<CodedMethod>& methods, const TopKComparisonOptions& o) {
    check_attention_shapes(q, k, v);
    const int nk = int(k.rows());
    if (o.sparsities.empty()) throw InputError("comparison: no sparsity to compare at");
    for (int s : o.sparsities)
        if (s < 1) throw InputError("comparison: sparsity must be at least 1, got " + std::to_string(s));
    if (o.histogram_top < 1 || o.histogram_top > nk)
        throw InputError("comparison: histogram top " + std::to_string(o.histogram_top) + " outside [1, " +
                         std::to_string(nk) + "]");
    for (const auto& m : methods)
        if (m.queries.rows != q.rows() || m.keys.rows != k.rows())
            throw InputError("comparison: " + m.name + " has codes for " + std::to_string(m.queries.rows) + " queries and " +
                             std::to_string(m.keys.rows) + " keys, not " + std::to_string(q.rows()) + " and " +
                             std::to_string(nk));

    const auto top_of = [&](int sparsity) { return std::max(1, nk / sparsity); };
    const int widest = std::max(o.histogram_top, top_of(*std::min_element(o.sparsities.begin(), o.sparsities.end())));
    const Rows exact = exact_top_k(q, k, widest, o.causal);
    std::vector<Rows> hashed;
    for (const auto& m : methods)
        hashed.push_back(hamming_topk(m.queries, m.keys, {.top = std::min(widest, nk), .causal = o.causal}).selected);

    // Every kept set first (exact, then each method, per sparsity), so that the dense reference can
    // be walked once in blocks of queries: rows x keys of probabilities at a time, never n x keys.
    TopKComparison c;
    std::vector<Rows> kept;
    for (int sparsity : o.sparsities) {
        const int top = top_of(sparsity);
        kept.push_back(prefixes(exact, top));
        c.scores.push_back({"exact", sparsity, top, 0, 0, 0});
        for (std::size_t m = 0; m < methods.size(); ++m) {
            kept.push_back(prefixes(hashed[m], top));
            c.scores.push_back({methods[m].name, sparsity, top, 0, 0, 0});
        }
    }
    const Eigen::Index n = q.rows();
    Matrix<T> dense_output(n, v.cols());
    std::vector<double> mass(kept.size(), 0.0);
    for_each_dense_block(q, k, v, {.causal = o.causal}, [&](Eigen::Index first, const DenseTrace<T>& block) {
        const Eigen::Index rows = block.output.rows();
        dense_output.middleRows(first, rows) = block.output;
        for (std::size_t e = 0; e < kept.size(); ++e)
            mass[e] += attention_mass(block.probabilities, Rows(kept[e].begin() + first, kept[e].begin() + first + rows)) *
                       double(rows);
    });
    const std::size_t per_sparsity = 1 + methods.size();
    for (std::size_t e = 0; e < kept.size(); ++e) {
        TopKScore& score = c.scores[e];
        score.recall = recall_at_k(kept[e - e % per_sparsity], kept[e]);  // against its sparsity's exact set
        score.mass = mass[e] / double(n);
        score.output_error = relative_l2_error(sparse_attention(q, k, v, kept[e]).output, dense_output);
    }
    const Rows pivotal = prefixes(exact, o.histogram_top);
    for (const auto& m : methods) c.histograms.push_back(distance_histogram(m, pivotal, o.causal));
    return c;
}

template TopKComparison compare_topk<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                            const std::vector<CodedMethod>&, const TopKComparisonOptions&);
template TopKComparison compare_topk<double>(const Matrix<double>&, const Matrix<double>&, const Matrix<double>&,
                                             const std::vector<CodedMethod>&, const TopKComparisonOptions&);

}  // namespace hashscope
