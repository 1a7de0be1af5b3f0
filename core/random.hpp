// A random generator whose output is identical on every platform and standard library.
// std::mt19937_64's sequence is fixed by the C++ standard, but std::uniform_real_distribution and
// std::normal_distribution are not, so the conversions to floating point are written here.
#pragma once

#include <cstdint>
#include <random>

#include "core/matrix.hpp"

namespace hashscope {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t next_u64() { return engine_(); }
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform integer in [0, bound), bound > 0, without modulo bias.
    std::uint64_t below(std::uint64_t bound);
    // Standard normal by the Box-Muller transform; the second value of each pair is kept.
    double normal();

private:
    std::mt19937_64 engine_;
    double spare_normal_ = 0.0;
    bool has_spare_ = false;
};

// rows x cols matrix of independent standard normals, filled row by row.
template <class T>
Matrix<T> normal_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
    Matrix<T> m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = T(rng.normal());
    return m;
}

}  // namespace hashscope
