// The learned projection: ridge-free least squares recovers a known affine map exactly, skips rows of
// empty buckets, and fitted to dense attention it can only improve on the plain bucket mean (the
// identity map is one of the candidates it minimises over).
#include <gtest/gtest.h>

#include "core/crypto_attention.hpp"
#include "core/crypto_projection.hpp"
#include "core/dense_attention.hpp"
#include "core/random.hpp"

using namespace hashscope;

TEST(CryptoProjection, RecoversAKnownAffineMap) {
    Rng rng(1);
    const Matrix<double> pooled = normal_matrix<double>(30, 3, rng), a = normal_matrix<double>(3, 2, rng);
    const Vector<double> c = normal_matrix<double>(2, 1, rng).col(0);
    Matrix<double> target = pooled * a;
    target.rowwise() += c.transpose();
    std::vector<std::int32_t> used(30, 1);
    used[4] = used[17] = 0;
    target.row(4).setConstant(1e6);  // rows of empty buckets must not count
    target.row(17).setConstant(-1e6);
    const Matrix<double> w = fit_projection(pooled, target, used, 0.0);
    ASSERT_EQ(w.rows(), 4);
    EXPECT_LT((w.topRows(3) - a).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LT((w.row(3).transpose() - c).cwiseAbs().maxCoeff(), 1e-10);
    const Matrix<double> out = apply_projection(pooled, w, used);
    EXPECT_EQ(out.row(4).norm(), 0.0);
    EXPECT_LT((out.row(5) - target.row(5)).norm(), 1e-10);
    EXPECT_LT(fit_projection(pooled, target, used, 10.0).norm(), w.norm());  // ridge shrinks
    EXPECT_THROW(apply_projection(pooled, Matrix<double>(w.topRows(3)), used), InputError);
}

TEST(CryptoProjection, FittedToDenseBeatsThePlainMean) {
    Rng rng(2);
    const Matrix<double> q = normal_matrix<double>(64, 8, rng), k = normal_matrix<double>(64, 8, rng),
                         v = normal_matrix<double>(64, 4, rng);
    CryptoAttentionConfig<double> c;
    c.hashing.bits = 3;
    c.route = CryptoRoute::key;
    const auto t = crypto_attention(q, k, v, c);
    const Matrix<double> dense = dense_attention(q, k, v, {}).output;
    const Matrix<double> w = fit_projection(t.output, dense, t.rounds_answered, 0.0);
    const double plain = (t.output - dense).norm(), fitted = (apply_projection(t.output, w, t.rounds_answered) - dense).norm();
    EXPECT_LE(fitted, plain);
    EXPECT_GT(fitted, 0.0);
}
