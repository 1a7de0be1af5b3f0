// Dense matrix types shared by every algorithm. Row-major so that a row is one token's vector and
// maps straight onto a C-order .npy array. Algorithms are templates over the scalar (float, double)
// so that the f64 path computes in double end to end.
#pragma once

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string>

#include "core/error.hpp"

namespace hashscope {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// True when no entry is NaN or Inf: an entry is finite unless its exponent bits are all ones, i.e.
// unless ~bits & exponent is 0. Written as a min-reduction on the bits so that it vectorises (Eigen's
// allFinite() costs ~1 ns per entry, more than hashing the vector).
template <class T>
bool all_finite(const Matrix<T>& m) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr Bits exponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
    Bits lowest = exponent;
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        Bits b;
        std::memcpy(&b, m.data() + i, sizeof b);
        lowest = std::min(lowest, Bits(~b & exponent));
    }
    return lowest != 0;
}

// Throws InputError naming `what` at the first NaN or Inf.
template <class T>
void require_finite(const Matrix<T>& m, const std::string& what) {
    if (all_finite(m)) return;  // the loop below only runs to name the culprit
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            if (!std::isfinite(m(i, j)))
                throw InputError(what + ": non-finite value (" + std::to_string(double(m(i, j))) +
                                 ") at row " + std::to_string(i) + ", column " + std::to_string(j));
}

}  // namespace hashscope
