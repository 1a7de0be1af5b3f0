// Dense matrix types shared by every algorithm. Row-major so that a row is one token's vector and
// maps straight onto a C-order .npy array. Algorithms are templates over the scalar (float, double)
// so that the f64 path computes in double end to end.
#pragma once

#include <Eigen/Dense>

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace hashscope {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Throws InputError naming `what` at the first NaN or Inf.
template <class T>
void require_finite(const Matrix<T>& m, const std::string& what) {
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            if (!std::isfinite(m(i, j)))
                throw InputError(what + ": non-finite value (" + std::to_string(double(m(i, j))) +
                                 ") at row " + std::to_string(i) + ", column " + std::to_string(j));
}

}  // namespace hashscope
