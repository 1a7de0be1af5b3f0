// Random-hyperplane LSH (SimHash, Charikar 2002): bit i of x is 1 where x . P[:, i] >= 0.
// Two vectors at angle theta agree on each bit with probability 1 - theta / pi, so the Hamming
// distance of their signatures estimates the angle. Signatures use the PackedCodes layout.
#pragma once

#include <cstdint>

#include "core/matrix.hpp"
#include "core/packed_codes.hpp"

namespace hashscope {

using SimHashCodes = PackedCodes;

// Planes P [d, bits]; each column is one hyperplane's normal.
template <class T>
SimHashCodes simhash_codes(const Matrix<T>& x, const Matrix<T>& planes);

// Standard-normal planes [d, bits] from `seed`.
template <class T>
Matrix<T> random_planes(int d, int bits, std::uint64_t seed);

}  // namespace hashscope
