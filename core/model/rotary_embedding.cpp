#include "core/model/rotary_embedding.hpp"

#include <cmath>

namespace hashscope {

template <class T>
RopeTable<T> rope_table(int n, int head_dim, double theta, int first_position) {
    const int half = head_dim / 2;
    RopeTable<T> table{Matrix<T>(n, half), Matrix<T>(n, half)};
    for (int i = 0; i < half; ++i) {
        const double frequency = std::pow(theta, -double(2 * i) / double(head_dim));
        for (int p = 0; p < n; ++p) {
            const double angle = double(first_position + p) * frequency;
            table.cos(p, i) = T(std::cos(angle));
            table.sin(p, i) = T(std::sin(angle));
        }
    }
    return table;
}

template <class T>
void apply_rope(Matrix<T>& x, const RopeTable<T>& table, RopeLayout layout) {
    const Eigen::Index half = table.cos.cols();
    for (Eigen::Index p = 0; p < x.rows(); ++p)
        for (Eigen::Index i = 0; i < half; ++i) {
            const Eigen::Index a = layout == RopeLayout::interleaved ? 2 * i : i;
            const Eigen::Index b = layout == RopeLayout::interleaved ? 2 * i + 1 : i + half;
            const T c = table.cos(p, i), s = table.sin(p, i), x0 = x(p, a), x1 = x(p, b);
            x(p, a) = x0 * c - x1 * s;
            x(p, b) = x0 * s + x1 * c;
        }
}

template RopeTable<float> rope_table<float>(int, int, double, int);
template RopeTable<double> rope_table<double>(int, int, double, int);
template void apply_rope<float>(Matrix<float>&, const RopeTable<float>&, RopeLayout);
template void apply_rope<double>(Matrix<double>&, const RopeTable<double>&, RopeLayout);

}  // namespace hashscope
