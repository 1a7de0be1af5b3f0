// Which bucket each direction of the drawing plane falls in: Reformer's hash is the argmax over
// [x R, -x R], so for x = cos(a) e1 + sin(a) e2 in the PCA plane only the 2-D shadows of R's columns
// matter. Sampling the angle gives the sectors the hyperplanes view shades. Pure arithmetic.
#pragma once

#include <vector>

#include "core/matrix.hpp"

namespace hashscope::gui {

// `directions` is [2, n_buckets / 2]: R's columns projected on the plane. Returns, for each of
// `samples` angles a_s = 2 pi s / samples, the bucket argmax(concat(u R, -u R)) of u = (cos, sin)
// (first maximum wins, as in the hash).
std::vector<int> sector_buckets(const Matrix<double>& directions, int samples);

// (1 - t) a + t b: the rotation on show while one round turns into the next. The hash is linear in
// R, so blending the projected directions is blending the rotations.
Matrix<double> blend_directions(const Matrix<double>& a, const Matrix<double>& b, double t);

}  // namespace hashscope::gui
