// Two-dimensional views of d-dimensional vectors: the plane of the two principal directions (PCA),
// so the app can draw Q/K as points and a hash's rotation directions as lines in the same picture.
//
// With `centre` false the plane is spanned by the top two right singular vectors of X itself
// (principal directions of the second moment X^T X), so the origin stays the origin. That is the
// plane to draw angular hashing in: SimHash and Reformer hash by direction from the origin, and a
// shared mean (as real LLM keys have) must stay visible as an offset, not be subtracted away.
#pragma once

#include <array>

#include "core/matrix.hpp"

namespace hashscope {

struct Projection2D {
    Vector<double> mean;                 // [d]; zero when not centred
    std::array<Vector<double>, 2> axes;  // orthonormal [d] directions, largest variance first
    std::array<double, 2> variance;      // mean squared coordinate along each axis
    Matrix<double> points;               // [n, 2] coordinates of (x_i - mean) on the axes
};

// Throws InputError when x has fewer than 2 columns or no rows. Each axis' sign is fixed so that its
// largest-magnitude entry is positive, so the picture does not flip between equivalent runs.
Projection2D pca_2d(const Matrix<double>& x, bool centre);

// [2, cols] coordinates of the columns of `directions` ([d, cols]) on the projection's axes.
Matrix<double> project_directions(const Projection2D& projection, const Matrix<double>& directions);

}  // namespace hashscope
