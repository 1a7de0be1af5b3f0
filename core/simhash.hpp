// Random-hyperplane LSH (SimHash, Charikar 2002): bit i of x is 1 where x . P[:, i] >= 0.
// Two vectors at angle theta agree on each bit with probability 1 - theta / pi, so the Hamming
// distance of their signatures estimates the angle. Signatures are packed 32 bits to a word,
// bit i in word i / 32 at position i % 32 (least significant first).
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

struct SimHashCodes {
    int rows = 0;
    int bits = 0;
    int words_per_row = 0;             // ceil(bits / 32); unused high bits are 0
    std::vector<std::uint32_t> words;  // [rows][words_per_row]

    const std::uint32_t* row(int i) const { return words.data() + std::size_t(i) * words_per_row; }
    bool bit(int i, int b) const { return (row(i)[b / 32] >> (b % 32)) & 1u; }
    // Unpacked 0/1 bits, row-major [rows][bits] (the CLI's uint8 output).
    std::vector<std::uint8_t> unpacked() const;
};

// Planes P [d, bits]; each column is one hyperplane's normal.
template <class T>
SimHashCodes simhash_codes(const Matrix<T>& x, const Matrix<T>& planes);

// Standard-normal planes [d, bits] from `seed`.
template <class T>
Matrix<T> random_planes(int d, int bits, std::uint64_t seed);

int hamming_distance(const std::uint32_t* a, const std::uint32_t* b, int words);

}  // namespace hashscope
