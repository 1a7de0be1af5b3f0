// The dense attention kernel against core::dense_attention (float64 run, so the error is the
// kernel's own): outputs and logsumexps within 1e-5 (f32) and 2e-2 (bf16, on bf16-rounded inputs),
// for one token, row counts off the 8-query block and 64-key tile, decode-like causal shapes
// (n < m), and value widths that are not a multiple of the warp.
#include <gtest/gtest.h>

#include <string>

#include "core/dense_attention.hpp"
#include "gpu_support.hpp"

namespace {

using namespace hashscope;
using hashscope_gpu_test::scaled_error;

void expect_matches_core(int n, int m, int d, int dv, bool causal, gpu::Storage storage, std::uint64_t seed) {
    SCOPED_TRACE("n=" + std::to_string(n) + " m=" + std::to_string(m) + " d=" + std::to_string(d) + " dv=" +
                 std::to_string(dv) + (causal ? " causal" : "") + (storage == gpu::Storage::bf16 ? " bf16" : " f32"));
    Rng rng(seed);
    Matrix<float> q = normal_matrix<float>(n, d, rng), k = normal_matrix<float>(m, d, rng), v = normal_matrix<float>(m, dv, rng);
    if (storage == gpu::Storage::bf16) q = gpu::round_to_bf16(q), k = gpu::round_to_bf16(k), v = gpu::round_to_bf16(v);
    DenseOptions options;
    options.causal = causal;
    const auto want = dense_attention<double>(q.cast<double>(), k.cast<double>(), v.cast<double>(), options);
    const auto got = gpu::dense_attention(q, k, v, causal, storage);
    const double tolerance = storage == gpu::Storage::bf16 ? 2e-2 : 1e-5;
    EXPECT_LE(scaled_error(got.output, want.output.cast<float>()), tolerance);
    const Matrix<float> lse_got = got.logsumexp.transpose(), lse_want = want.logsumexp.cast<float>().transpose();
    EXPECT_LE(scaled_error(lse_got, lse_want), tolerance);
}

TEST(GpuDenseAttention, MatchesCore) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const int shapes[][4] = {{1, 1, 1, 1}, {37, 100, 64, 64}, {130, 130, 64, 100}, {1, 200, 128, 128}, {64, 64, 7, 33}};
    std::uint64_t seed = 300;
    for (const auto& s : shapes)
        for (auto causal : {false, true})
            for (auto storage : {gpu::Storage::f32, gpu::Storage::bf16})
                expect_matches_core(s[0], s[1], s[2], s[3], causal, storage, ++seed);
}

TEST(GpuDenseAttention, RefusesBadShapes) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const Matrix<float> q = Matrix<float>::Ones(4, 8), k = Matrix<float>::Ones(3, 8), v = Matrix<float>::Ones(3, 8);
    EXPECT_THROW(gpu::dense_attention(q, k, v, true), InputError);  // causal needs m >= n
    EXPECT_THROW(gpu::dense_attention(q, k, Matrix<float>::Ones(3, 200), false), gpu::GpuError);
}

}  // namespace
