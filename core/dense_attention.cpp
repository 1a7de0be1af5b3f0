#include "core/dense_attention.hpp"

#include <limits>
#include <string>

namespace hashscope {

std::size_t dense_score_bytes(std::size_t n, std::size_t m, std::size_t scalar_bytes) {
    return n * m * scalar_bytes;
}

template <class T>
void check_attention_shapes(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v) {
    auto shape = [](const auto& x) {
        return "[" + std::to_string(x.rows()) + ", " + std::to_string(x.cols()) + "]";
    };
    if (q.rows() == 0 || k.rows() == 0 || q.cols() == 0 || v.cols() == 0)
        throw InputError("attention: empty operand (Q " + shape(q) + ", K " + shape(k) + ", V " + shape(v) + ")");
    if (q.cols() != k.cols())
        throw InputError("Q " + shape(q) + " and K " + shape(k) + " disagree on the head dimension d");
    if (k.rows() != v.rows())
        throw InputError("K " + shape(k) + " and V " + shape(v) + " disagree on the number of keys m");
}

template <class T>
DenseTrace<T> dense_attention_rows(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v, Eigen::Index first,
                                   Eigen::Index rows, const DenseOptions& options) {
    check_attention_shapes(q, k, v);
    const auto n = q.rows(), m = k.rows();
    if (first < 0 || rows < 0 || first + rows > n)
        throw InputError("dense attention: rows [" + std::to_string(first) + ", " + std::to_string(first + rows) +
                         ") are outside the " + std::to_string(n) + " queries");
    const std::size_t need = dense_score_bytes(std::size_t(rows), std::size_t(m), sizeof(T));
    if (need > options.memory_budget_bytes)
        throw InputError("dense attention: the " + std::to_string(rows) + " x " + std::to_string(m) +
                         " score matrix needs " + std::to_string(need >> 20) + " MiB, over the budget of " +
                         std::to_string(options.memory_budget_bytes >> 20) + " MiB");
    if (options.causal && n > m)
        throw InputError("dense attention: causal mask needs at least as many keys (" + std::to_string(m) +
                         ") as queries (" + std::to_string(n) + ")");

    DenseTrace<T> t;
    const T scale = T(1) / std::sqrt(T(q.cols()));
    // Two statements: Eigen would evaluate "product * scalar" coefficient by coefficient, not as a GEMM.
    t.probabilities.noalias() = q.middleRows(first, rows) * k.transpose();
    t.probabilities *= scale;
    t.logsumexp.resize(rows);
    for (Eigen::Index r = 0; r < rows; ++r) {
        // Keys past `visible` are masked; subtracting the row maximum keeps exp() in range.
        const Eigen::Index visible = options.causal ? first + r + (m - n) + 1 : m;
        auto row = t.probabilities.row(r);
        const T peak = row.head(visible).maxCoeff();
        row.head(visible) = (row.head(visible).array() - peak).exp();
        const T sum = row.head(visible).sum();
        row.head(visible) /= sum;
        row.tail(m - visible).setZero();
        t.logsumexp(r) = peak + std::log(sum);
    }
    t.output.noalias() = t.probabilities * v;
    return t;
}

template <class T>
DenseTrace<T> dense_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                              const DenseOptions& options) {
    return dense_attention_rows(q, k, v, 0, q.rows(), options);
}

template <class T>
Matrix<T> dense_attention_output(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                 const DenseOptions& options) {
    check_attention_shapes(q, k, v);
    Matrix<T> output(q.rows(), v.cols());
    for_each_dense_block(q, k, v, options, [&](Eigen::Index first, const DenseTrace<T>& block) {
        output.middleRows(first, block.output.rows()) = block.output;
    });
    return output;
}

template void check_attention_shapes<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&);
template void check_attention_shapes<double>(const Matrix<double>&, const Matrix<double>&, const Matrix<double>&);
template DenseTrace<float> dense_attention<float>(const Matrix<float>&, const Matrix<float>&,
                                                  const Matrix<float>&, const DenseOptions&);
template DenseTrace<double> dense_attention<double>(const Matrix<double>&, const Matrix<double>&,
                                                    const Matrix<double>&, const DenseOptions&);

template DenseTrace<float> dense_attention_rows<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                                       Eigen::Index, Eigen::Index, const DenseOptions&);
template DenseTrace<double> dense_attention_rows<double>(const Matrix<double>&, const Matrix<double>&,
                                                         const Matrix<double>&, Eigen::Index, Eigen::Index,
                                                         const DenseOptions&);
template Matrix<float> dense_attention_output<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                                     const DenseOptions&);
template Matrix<double> dense_attention_output<double>(const Matrix<double>&, const Matrix<double>&,
                                                       const Matrix<double>&, const DenseOptions&);

}  // namespace hashscope
