#include "core/packed_codes.hpp"

#include <bit>

namespace hashscope {

std::vector<std::uint8_t> PackedCodes::unpacked() const {
    std::vector<std::uint8_t> out(std::size_t(rows) * bits);
    for (int i = 0; i < rows; ++i)
        for (int b = 0; b < bits; ++b) out[std::size_t(i) * bits + b] = bit(i, b);
    return out;
}

template <class T>
PackedCodes pack_signs(const Matrix<T>& projections) {
    PackedCodes c;
    c.rows = int(projections.rows());
    c.bits = int(projections.cols());
    c.words_per_row = (c.bits + 31) / 32;
    c.words.assign(std::size_t(c.rows) * c.words_per_row, 0u);
    for (int i = 0; i < c.rows; ++i) {
        std::uint32_t* row = c.words.data() + std::size_t(i) * c.words_per_row;
        for (int b = 0; b < c.bits; ++b)
            if (projections(i, b) >= T(0)) row[b / 32] |= 1u << (b % 32);
    }
    return c;
}

int hamming_distance(const std::uint32_t* a, const std::uint32_t* b, int words) {
    int distance = 0;
    for (int w = 0; w < words; ++w) distance += std::popcount(a[w] ^ b[w]);
    return distance;
}

template PackedCodes pack_signs<float>(const Matrix<float>&);
template PackedCodes pack_signs<double>(const Matrix<double>&);

}  // namespace hashscope
