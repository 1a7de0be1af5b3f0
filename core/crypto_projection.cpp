#include "core/crypto_projection.hpp"

#include <string>

namespace hashscope {
namespace {

template <class T>
void check_rows(const Matrix<T>& pooled, const std::vector<std::int32_t>& used) {
    if (std::size_t(pooled.rows()) != used.size())
        throw InputError("projection: " + std::to_string(pooled.rows()) + " pooled rows but " +
                         std::to_string(used.size()) + " row flags");
}

}  // namespace

template <class T>
Matrix<T> fit_projection(const Matrix<T>& pooled, const Matrix<T>& target, const std::vector<std::int32_t>& used,
                         double ridge) {
    check_rows(pooled, used);
    if (target.rows() != pooled.rows()) throw InputError("projection: target and pooled rows disagree");
    if (!(ridge >= 0)) throw InputError("--ridge must be non-negative");
    const Eigen::Index k = pooled.cols() + 1;
    // Normal equations in double: (A^T A + ridge I) W = A^T Y, A = [pooled 1] over the used rows.
    Eigen::MatrixXd gram = Eigen::MatrixXd::Identity(k, k) * ridge, rhs = Eigen::MatrixXd::Zero(k, target.cols());
    Eigen::VectorXd a(k);
    for (Eigen::Index i = 0; i < pooled.rows(); ++i) {
        if (!used[std::size_t(i)]) continue;
        a.head(k - 1) = pooled.row(i).transpose().template cast<double>();
        a(k - 1) = 1;
        gram.noalias() += a * a.transpose();
        rhs.noalias() += a * target.row(i).template cast<double>();
    }
    return gram.ldlt().solve(rhs).template cast<T>();
}

template <class T>
Matrix<T> apply_projection(const Matrix<T>& pooled, const Matrix<T>& w, const std::vector<std::int32_t>& used) {
    check_rows(pooled, used);
    if (w.rows() != pooled.cols() + 1)
        throw InputError("--projection has " + std::to_string(w.rows()) + " rows, expected dv + 1 = " +
                         std::to_string(pooled.cols() + 1));
    Matrix<T> out = Matrix<T>::Zero(pooled.rows(), w.cols());
    for (Eigen::Index i = 0; i < pooled.rows(); ++i)
        if (used[std::size_t(i)]) out.row(i) = pooled.row(i) * w.topRows(pooled.cols()) + w.row(pooled.cols());
    return out;
}

template Matrix<float> fit_projection<float>(const Matrix<float>&, const Matrix<float>&, const std::vector<std::int32_t>&, double);
template Matrix<double> fit_projection<double>(const Matrix<double>&, const Matrix<double>&, const std::vector<std::int32_t>&, double);
template Matrix<float> apply_projection<float>(const Matrix<float>&, const Matrix<float>&, const std::vector<std::int32_t>&);
template Matrix<double> apply_projection<double>(const Matrix<double>&, const Matrix<double>&, const std::vector<std::int32_t>&);

}  // namespace hashscope
