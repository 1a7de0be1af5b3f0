// Kernels over the small row-major blocks of chunked attention (Reformer's chunk x 2 chunk windows),
// which sit in L1/L2 cache: a product and a transpose. Eigen's general product packs both operands
// into scratch buffers on every call, which at 64 x 64 x 128 costs a tenth of the product itself, and
// its transposed copies store one scalar at a time; these work a register tile at a time.
// Every element of a product is summed over the inner index in increasing order whatever tile it
// falls in, so results are deterministic.
#pragma once

#include <cstring>
#include <utility>

#include <Eigen/Core>

namespace hashscope {
namespace block_kernels_detail {

// 64 bytes of T: one AVX-512 register where the build targets it, split by the compiler elsewhere.
template <class T>
struct LaneOf {
    typedef T type __attribute__((vector_size(64)));
};
template <class T>
using Lane = typename LaneOf<T>::type;
template <class T>
inline constexpr int kLaneWidth = int(64 / sizeof(T));

template <class T>
Lane<T> load(const T* p) {
    Lane<T> v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <class T>
void store(T* p, const Lane<T>& v) {
    std::memcpy(p, &v, sizeof v);
}

// Rows [0, R) of C, columns [0, 2 lanes): 2 R accumulators, B's two lanes loaded once per inner step.
template <class T, int R>
void product_tile(const T* a, Eigen::Index lda, const T* b, Eigen::Index ldb, T* c, Eigen::Index ldc, int inner) {
    constexpr int W = kLaneWidth<T>;
    Lane<T> acc[R][2] = {};
    for (int k = 0; k < inner; ++k) {
        const Lane<T> b0 = load(b + k * ldb), b1 = load(b + k * ldb + W);
        for (int r = 0; r < R; ++r) {
            const T s = a[r * lda + k];
            acc[r][0] += s * b0;
            acc[r][1] += s * b1;
        }
    }
    for (int r = 0; r < R; ++r) {
        store(c + r * ldc, acc[r][0]);
        store(c + r * ldc + W, acc[r][1]);
    }
}

// One stage of a lane-square transpose: in each pair of rows (i, i + H) with i & H == 0, the lanes
// l & H of row i trade places with the lanes l & H == 0 of row i + H (the off-diagonal H x H blocks).
template <class T, int H, int... L>
void swap_blocks(Lane<T>& top, Lane<T>& bottom, std::integer_sequence<int, L...>) {
    constexpr int W = sizeof...(L);
    const Lane<T> new_top = __builtin_shufflevector(top, bottom, ((L & H) ? W + L - H : L)...);
    const Lane<T> new_bottom = __builtin_shufflevector(top, bottom, ((L & H) ? W + L : L + H)...);
    top = new_top;
    bottom = new_bottom;
}

template <class T, int H>
void transpose_lanes(Lane<T>* rows) {
    for (int i = 0; i < kLaneWidth<T>; ++i)
        if ((i & H) == 0) swap_blocks<T, H>(rows[i], rows[i + H], std::make_integer_sequence<int, kLaneWidth<T>>{});
    if constexpr (H > 1) transpose_lanes<T, H / 2>(rows);
}

}  // namespace block_kernels_detail

// c[rows, cols] = a[rows, inner] * b[inner, cols]; each operand row-major with its own row stride.
template <class T>
void block_product(const T* a, Eigen::Index lda, const T* b, Eigen::Index ldb, T* c, Eigen::Index ldc, int rows,
                   int inner, int cols) {
    using namespace block_kernels_detail;
    constexpr int kRows = 8, kCols = 2 * kLaneWidth<T>;
    const int full_cols = cols - cols % kCols;
    for (int j = 0; j < full_cols; j += kCols) {
        int r = 0;
        for (; r + kRows <= rows; r += kRows)
            product_tile<T, kRows>(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, inner);
        for (; r < rows; ++r) product_tile<T, 1>(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, inner);
    }
    // Columns past the last full tile: only where a width is not a multiple of 128 bytes' worth of T.
    for (int r = 0; r < rows; ++r)
        for (int j = full_cols; j < cols; ++j) {
            T sum = 0;
            for (int k = 0; k < inner; ++k) sum += a[r * lda + k] * b[k * ldb + j];
            c[r * ldc + j] = sum;
        }
}

// to[cols, rows] = from[rows, cols]^T, both row-major with their own row strides; square tiles of
// one lane per side are transposed in registers, the edges one value at a time.
template <class T>
void block_transpose(const T* from, Eigen::Index ld_from, T* to, Eigen::Index ld_to, int rows, int cols) {
    using namespace block_kernels_detail;
    constexpr int W = kLaneWidth<T>;
    const int full_rows = rows - rows % W, full_cols = cols - cols % W;
    Lane<T> tile[W];
    for (int i = 0; i < full_rows; i += W)
        for (int j = 0; j < full_cols; j += W) {
            for (int r = 0; r < W; ++r) tile[r] = load(from + (i + r) * ld_from + j);
            transpose_lanes<T, W / 2>(tile);
            for (int r = 0; r < W; ++r) store(to + (j + r) * ld_to + i, tile[r]);
        }
    for (int i = 0; i < rows; ++i)
        for (int j = i < full_rows ? full_cols : 0; j < cols; ++j) to[j * ld_to + i] = from[i * ld_from + j];
}

}  // namespace hashscope
