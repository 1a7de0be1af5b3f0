// The cache-block kernels behind chunked attention against plain loops: products of every shape
// class the tiling distinguishes (full tiles, leftover rows, leftover columns, strides wider than
// the block) in float and double, and transposes, which must move every value exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/block_kernels.hpp"
#include "core/random.hpp"

namespace {

using namespace hashscope;

struct ProductShape {
    int rows, inner, cols;
};

// Sizes chosen against the tiles: 8 rows, 2 lanes (32 floats / 16 doubles) of columns.
const ProductShape kProductShapes[] = {{64, 64, 128}, {64, 128, 64}, {13, 7, 37}, {8, 1, 32}, {1, 3, 1}, {17, 33, 48}, {9, 16, 15}};

template <class T>
std::vector<T> random_values(std::size_t count, Rng& rng) {
    std::vector<T> v(count);
    for (auto& x : v) x = T(rng.normal());
    return v;
}

template <class T>
void check_product(const ProductShape& s, double tolerance) {
    Rng rng(std::uint64_t(s.rows * 10007 + s.inner * 101 + s.cols));
    // Row strides wider than the rows, so that an index that ignores the stride reads the wrong value.
    const int lda = s.inner + 3, ldb = s.cols + 5, ldc = s.cols + 2;
    const auto a = random_values<T>(std::size_t(s.rows * lda), rng), b = random_values<T>(std::size_t(s.inner * ldb), rng);
    std::vector<T> c(std::size_t(s.rows * ldc), T(-7));
    block_product(a.data(), lda, b.data(), ldb, c.data(), ldc, s.rows, s.inner, s.cols);
    for (int r = 0; r < s.rows; ++r)
        for (int j = 0; j < ldc; ++j) {
            if (j >= s.cols) {
                EXPECT_EQ(c[std::size_t(r * ldc + j)], T(-7)) << "wrote past column " << s.cols;
                continue;
            }
            double want = 0, magnitude = 0;
            for (int k = 0; k < s.inner; ++k) {
                const double term = double(a[std::size_t(r * lda + k)]) * double(b[std::size_t(k * ldb + j)]);
                want += term;
                magnitude += std::abs(term);
            }
            EXPECT_NEAR(double(c[std::size_t(r * ldc + j)]), want, tolerance * (1 + magnitude))
                << s.rows << "x" << s.inner << "x" << s.cols << " at (" << r << ", " << j << ")";
        }
}

TEST(BlockKernels, ProductMatchesLoopsFloat) {
    for (const auto& s : kProductShapes) check_product<float>(s, 1e-6);
}

TEST(BlockKernels, ProductMatchesLoopsDouble) {
    for (const auto& s : kProductShapes) check_product<double>(s, 1e-14);
}

// A hand-worked 2 x 2 x 2 product: [[1, 2], [3, 4]] [[5, 6], [7, 8]] = [[19, 22], [43, 50]].
TEST(BlockKernels, ProductHandWorked) {
    const double a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8};
    double c[4] = {};
    block_product(a, 2, b, 2, c, 2, 2, 2, 2);
    EXPECT_EQ(c[0], 19);
    EXPECT_EQ(c[1], 22);
    EXPECT_EQ(c[2], 43);
    EXPECT_EQ(c[3], 50);
}

template <class T>
void check_transpose(int rows, int cols) {
    const int ld_from = cols + 1, ld_to = rows + 4;
    std::vector<T> from(std::size_t(rows * ld_from)), to(std::size_t(cols * ld_to), T(-1));
    for (std::size_t i = 0; i < from.size(); ++i) from[i] = T(i);
    block_transpose(from.data(), ld_from, to.data(), ld_to, rows, cols);
    for (int j = 0; j < cols; ++j)
        for (int i = 0; i < ld_to; ++i)
            EXPECT_EQ(to[std::size_t(j * ld_to + i)], i < rows ? from[std::size_t(i * ld_from + j)] : T(-1))
                << rows << "x" << cols << " at (" << j << ", " << i << ")";
}

TEST(BlockKernels, TransposeMovesEveryValue) {
    for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{64, 64}, {16, 16}, {8, 8}, {33, 20}, {5, 70}, {1, 1}}) {
        check_transpose<float>(rows, cols);
        check_transpose<double>(rows, cols);
    }
}

}  // namespace
