// The SimHash kernel against core::simhash_codes: packed words bit-equal, f32 and bf16 keys, on
// row counts off the 128-row tile, d off the 32-column slab, bit counts around word boundaries,
// and exact zero projections (which must give 1).
#include <gtest/gtest.h>

#include <string>

#include "core/simhash.hpp"
#include "gpu_support.hpp"

namespace {

using namespace hashscope;
using hashscope_gpu_test::grid_matrix;

void expect_same_codes(int n, int d, int bits, gpu::Storage storage, double step, std::uint64_t seed) {
    SCOPED_TRACE("n=" + std::to_string(n) + " d=" + std::to_string(d) + " bits=" + std::to_string(bits) +
                 (storage == gpu::Storage::bf16 ? " bf16" : " f32"));
    Rng rng(seed);
    const Matrix<float> x = grid_matrix(n, d, rng, step), planes = grid_matrix(d, bits, rng, step);
    const SimHashCodes want = simhash_codes(x, planes);
    const SimHashCodes got = gpu::simhash_codes(x, planes, storage);
    ASSERT_EQ(got.rows, want.rows);
    ASSERT_EQ(got.bits, want.bits);
    ASSERT_EQ(got.words_per_row, want.words_per_row);
    for (int i = 0; i < n; ++i)
        for (int w = 0; w < want.words_per_row; ++w)
            ASSERT_EQ(got.row(i)[w], want.row(i)[w]) << "row " << i << " word " << w;
}

TEST(GpuSimHash, MatchesCoreAcrossShapes) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const int shapes[][3] = {{1, 1, 1}, {1, 64, 32}, {129, 64, 32}, {300, 3, 33}, {257, 130, 64}, {77, 33, 100}, {1000, 128, 31},
                            {300, 32, 100}, {45, 16, 48},   // tensor path, several words, a partial tile
                            {200, 64, 64}, {77, 128, 50}, {40, 128, 33}};  // held planes, one launch per word
    std::uint64_t seed = 1;
    for (const auto& s : shapes)
        for (auto storage : {gpu::Storage::f32, gpu::Storage::bf16}) expect_same_codes(s[0], s[1], s[2], storage, 8, ++seed);
}

// Values in {-2..2}: many projections are exactly 0, where the bit must be 1.
TEST(GpuSimHash, ZeroProjectionsGiveOne) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    expect_same_codes(500, 4, 64, gpu::Storage::f32, 0.5, 7);
    expect_same_codes(500, 4, 64, gpu::Storage::bf16, 0.5, 8);
    expect_same_codes(500, 16, 64, gpu::Storage::bf16, 0.5, 10);  // the tensor-core path
    const Matrix<float> zeros = Matrix<float>::Zero(3, 16);
    Rng rng(9);
    const SimHashCodes c = gpu::simhash_codes(zeros, grid_matrix(16, 40, rng));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(c.row(i)[0], 0xffffffffu);
        EXPECT_EQ(c.row(i)[1], 0xffu) << "bits past 40 must stay 0";
    }
}

}  // namespace
