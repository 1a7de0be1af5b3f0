// Binary codes packed 32 bits to a word, shared by every hashing method that compares codes by
// Hamming distance (SimHash, learned HashAttention codes): bit i of a row lives in word i / 32 at
// position i % 32 (least significant first); unused high bits of the last word are 0, so
// popcount(a XOR b) over whole words is the Hamming distance.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

struct PackedCodes {
    int rows = 0;
    int bits = 0;
    int words_per_row = 0;             // ceil(bits / 32); unused high bits are 0
    std::vector<std::uint32_t> words;  // [rows][words_per_row]

    const std::uint32_t* row(int i) const { return words.data() + std::size_t(i) * words_per_row; }
    bool bit(int i, int b) const { return (row(i)[b / 32] >> (b % 32)) & 1u; }
    // Unpacked 0/1 bits, row-major [rows][bits] (the CLI's uint8 output).
    std::vector<std::uint8_t> unpacked() const;
};

// Sign codes of real projections [rows, bits]: bit = 1 where the projection is >= 0.
template <class T>
PackedCodes pack_signs(const Matrix<T>& projections);

int hamming_distance(const std::uint32_t* a, const std::uint32_t* b, int words);

}  // namespace hashscope
