// The Reformer kernels against core::reformer_attention, head by head: buckets and the sorted
// order bit-equal (grid data makes the hash products exact), outputs within 1e-5 (f32) and 2e-2
// (bf16; grid values are exact in bf16, so core sees the very inputs the kernel reads). Shapes cover full attention (n <= chunk,
// n = 1), chunks off the 16-row tile, two chunks wrapping onto each other, chunks that straddle
// rounds, coarse data full of ties, and several heads in one launch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/reformer_attention.hpp"
#include "gpu_support.hpp"

namespace {

using namespace hashscope;
using hashscope_gpu_test::grid_matrix;
using hashscope_gpu_test::scaled_error;

struct Case {
    int heads, n, d, dv;
    ReformerConfig config;
    double step;  // grid step: small steps give ties in the buckets
};

std::string describe(const Case& c, gpu::Storage storage) {
    return "heads=" + std::to_string(c.heads) + " n=" + std::to_string(c.n) + " d=" + std::to_string(c.d) +
           " dv=" + std::to_string(c.dv) + " rounds=" + std::to_string(c.config.n_hashes) +
           " buckets=" + std::to_string(c.config.n_buckets) + " chunk=" + std::to_string(c.config.chunk) +
           (c.config.causal ? " causal" : "") + (storage == gpu::Storage::bf16 ? " bf16" : " f32");
}

void expect_matches_core(const Case& c, gpu::Storage storage, std::uint64_t seed) {
    SCOPED_TRACE(describe(c, storage));
    Rng rng(seed);
    std::vector<Matrix<float>> x, v;
    std::vector<std::vector<Matrix<float>>> rotations;
    for (int h = 0; h < c.heads; ++h) {
        x.push_back(grid_matrix(c.n, c.d, rng, c.step));
        v.push_back(grid_matrix(c.n, c.dv, rng));
        std::vector<Matrix<float>> r;
        for (int round = 0; round < c.config.n_hashes; ++round) r.push_back(grid_matrix(c.d, c.config.n_buckets / 2, rng, c.step));
        rotations.push_back(std::move(r));
    }
    const auto got = gpu::reformer_attention(x, v, rotations, c.config, storage);
    ASSERT_EQ(int(got.size()), c.heads);
    const double tolerance = storage == gpu::Storage::bf16 ? 2e-2 : 1e-5;
    for (int h = 0; h < c.heads; ++h) {
        SCOPED_TRACE("head " + std::to_string(h));
        const auto want = reformer_attention(x[std::size_t(h)], v[std::size_t(h)], rotations[std::size_t(h)], c.config);
        const auto& g = got[std::size_t(h)];
        EXPECT_EQ(g.standard_attention, want.standard_attention);
        EXPECT_EQ(g.buckets, want.buckets);
        EXPECT_EQ(g.sorted_to_concat, want.sorted_to_concat);
        EXPECT_LE(scaled_error(g.output, want.output), tolerance);
    }
}

ReformerConfig config(int rounds, int buckets, int chunk, bool causal) {
    ReformerConfig c;
    c.n_hashes = rounds, c.n_buckets = buckets, c.chunk = chunk, c.causal = causal;
    return c;
}

const std::vector<Case> kCases = {
    {1, 1, 8, 4, config(2, 4, 32, false), 8},       // one token: attends to itself alone
    {2, 40, 64, 64, config(4, 8, 64, true), 8},     // n <= chunk: full attention, n off the tile
    {1, 64, 16, 8, config(1, 4, 32, false), 8},     // two chunks, each the other's look-back
    {3, 96, 64, 64, config(2, 16, 64, true), 8},    // chunks straddle the two rounds
    {1, 15, 6, 5, config(3, 4, 5, false), 8},       // chunk of 5: off the 16-row tile, d, dv odd
    {2, 200, 32, 48, config(8, 32, 64, false), 1},  // coarse data: ties in argmax and in the sort
    {2, 512, 64, 64, config(4, 32, 64, true), 8},   // the benchmark's configuration, small n
    {1, 384, 128, 128, config(2, 64, 48, false), 8}, // widest heads the kernel takes
    {2, 256, 64, 64, config(2, 16, 32, true), 8},   // bf16: the fragment kernel with two warps a chunk
    {1, 256, 64, 64, config(2, 200, 32, false), 8}, // 100 rotations a round: two slices, the second partial
    {2, 128, 48, 48, config(3, 130, 16, true), 1},  // 65 rotations (a slice of one column), ties across lanes
};

TEST(GpuReformer, MatchesCoreF32) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    std::uint64_t seed = 100;
    for (const auto& c : kCases) expect_matches_core(c, gpu::Storage::f32, ++seed);
    for (auto causal : {false, true}) {
        Case ties{1, 128, 8, 8, config(2, 4, 16, causal), 1};
        expect_matches_core(ties, gpu::Storage::f32, ++seed);
    }
}

TEST(GpuReformer, MatchesCoreBf16) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    std::uint64_t seed = 200;
    for (const auto& c : kCases) expect_matches_core(c, gpu::Storage::bf16, ++seed);
}

// Enough chunks (4096 over 2 heads) that a block of the fragment kernel walks several in turn
// (chunks_per_block: 3 on 132 SMs, 2 on 256), the last block of each head fewer.
TEST(GpuReformer, BlocksWalkingSeveralChunksMatchCore) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    expect_matches_core({2, 32768, 64, 64, config(4, 64, 64, true), 8}, gpu::Storage::bf16, 300);
    expect_matches_core({2, 32768, 128, 128, config(4, 32, 64, false), 8}, gpu::Storage::bf16, 301);
}

TEST(GpuReformer, RefusesWhatTheKernelCannotHold) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(3);
    const std::vector<Matrix<float>> x{grid_matrix(256, 8, rng)}, v{grid_matrix(256, 8, rng)};
    const std::vector<std::vector<Matrix<float>>> rotations{{grid_matrix(8, 2, rng)}};
    EXPECT_THROW(gpu::reformer_attention(x, v, rotations, config(1, 4, 128, false)), gpu::GpuError);
    EXPECT_THROW(gpu::reformer_attention(x, v, rotations, config(1, 4, 7, false)), InputError);  // 7 does not divide 256
}

}  // namespace
