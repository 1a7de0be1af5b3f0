#include "core/simhash.hpp"

#include <bit>
#include <string>

#include "core/random.hpp"

namespace hashscope {

std::vector<std::uint8_t> SimHashCodes::unpacked() const {
    std::vector<std::uint8_t> out(std::size_t(rows) * bits);
    for (int i = 0; i < rows; ++i)
        for (int b = 0; b < bits; ++b) out[std::size_t(i) * bits + b] = bit(i, b);
    return out;
}

template <class T>
SimHashCodes simhash_codes(const Matrix<T>& x, const Matrix<T>& planes) {
    if (x.cols() != planes.rows())
        throw InputError("planes have d = " + std::to_string(planes.rows()) + " but the vectors have d = " +
                         std::to_string(x.cols()));
    if (planes.cols() < 1) throw InputError("planes: need at least one hyperplane (column)");
    SimHashCodes c;
    c.rows = int(x.rows());
    c.bits = int(planes.cols());
    c.words_per_row = (c.bits + 31) / 32;
    c.words.assign(std::size_t(c.rows) * c.words_per_row, 0u);
    const Matrix<T> projections = x * planes;
    for (int i = 0; i < c.rows; ++i) {
        std::uint32_t* row = c.words.data() + std::size_t(i) * c.words_per_row;
        for (int b = 0; b < c.bits; ++b)
            if (projections(i, b) >= T(0)) row[b / 32] |= 1u << (b % 32);
    }
    return c;
}

template <class T>
Matrix<T> random_planes(int d, int bits, std::uint64_t seed) {
    Rng rng(seed);
    return normal_matrix<T>(d, bits, rng);
}

int hamming_distance(const std::uint32_t* a, const std::uint32_t* b, int words) {
    int distance = 0;
    for (int w = 0; w < words; ++w) distance += std::popcount(a[w] ^ b[w]);
    return distance;
}

template SimHashCodes simhash_codes<float>(const Matrix<float>&, const Matrix<float>&);
template SimHashCodes simhash_codes<double>(const Matrix<double>&, const Matrix<double>&);
template Matrix<float> random_planes<float>(int, int, std::uint64_t);
template Matrix<double> random_planes<double>(int, int, std::uint64_t);

}  // namespace hashscope
