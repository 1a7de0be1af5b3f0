// core/projection: the principal plane of a point cloud, checked against a hand-built cloud with
// known axes and against power iteration on the second-moment matrix (written here, apart from
// core's eigensolver).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/projection.hpp"
#include "core/random.hpp"

namespace hashscope {
namespace {

// Points a_i e_2 + b_i e_0 with |a| >> |b|: the first axis is e_2, the second e_0.
TEST(Projection, FindsTheAxesOfAHandBuiltCloud) {
    Matrix<double> x = Matrix<double>::Zero(4, 5);
    const double a[4] = {3, -3, 3, -3}, b[4] = {1, 1, -1, -1};
    for (int i = 0; i < 4; ++i) {
        x(i, 2) = a[i];
        x(i, 0) = b[i];
    }
    const Projection2D p = pca_2d(x, false);
    EXPECT_NEAR(std::abs(p.axes[0](2)), 1.0, 1e-12);
    EXPECT_NEAR(std::abs(p.axes[1](0)), 1.0, 1e-12);
    EXPECT_NEAR(p.variance[0], 9.0, 1e-12);
    EXPECT_NEAR(p.variance[1], 1.0, 1e-12);
    // Signs: the largest entry of each axis is positive, so coordinates are a and b themselves.
    for (int i = 0; i < 4; ++i) {
        EXPECT_NEAR(p.points(i, 0), a[i], 1e-12);
        EXPECT_NEAR(p.points(i, 1), b[i], 1e-12);
    }
}

TEST(Projection, CentringRemovesTheMean) {
    Matrix<double> x(3, 2);
    x << 10, 1, 12, 1, 14, 1;  // mean (12, 1); spread along the first coordinate only
    const Projection2D uncentred = pca_2d(x, false);
    const Projection2D centred = pca_2d(x, true);
    EXPECT_NEAR(centred.mean(0), 12.0, 1e-12);
    EXPECT_NEAR(centred.variance[0], 8.0 / 3.0, 1e-12);
    EXPECT_NEAR(std::abs(centred.axes[0](0)), 1.0, 1e-12);
    EXPECT_NEAR(uncentred.mean.norm(), 0.0, 1e-15);
    // Uncentred, the mean dominates: the first axis points (almost) along (12, 1).
    EXPECT_GT(std::abs(uncentred.axes[0].dot(Vector<double>(Eigen::Vector2d(12, 1).normalized()))), 0.999);
}

TEST(Projection, MatchesPowerIterationOnRandomData) {
    Rng rng(7);
    const int n = 200, d = 12;
    Matrix<double> x(n, d);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < d; ++j) x(i, j) = rng.normal() * (1.0 + 0.3 * j);
    // Reference: power iteration on M = X^T X / n, then on M deflated by the first direction.
    Matrix<double> m = Matrix<double>::Zero(d, d);
    for (int i = 0; i < n; ++i)
        for (int a = 0; a < d; ++a)
            for (int b = 0; b < d; ++b) m(a, b) += x(i, a) * x(i, b) / n;
    Vector<double> axes[2];
    double values[2];
    for (int k = 0; k < 2; ++k) {
        Vector<double> v = Vector<double>::Ones(d);
        for (int it = 0; it < 5000; ++it) v = (m * v).normalized();
        values[k] = v.dot(m * v);
        axes[k] = v;
        m -= values[k] * v * v.transpose();
    }
    const Projection2D p = pca_2d(x, false);
    for (int k = 0; k < 2; ++k) {
        EXPECT_NEAR(p.variance[std::size_t(k)], values[k], 1e-8 * values[k]);
        EXPECT_NEAR(std::abs(p.axes[std::size_t(k)].dot(axes[k])), 1.0, 1e-6);
    }
    EXPECT_NEAR(p.axes[0].dot(p.axes[1]), 0.0, 1e-12);
    // Coordinates are projections on the axes.
    EXPECT_NEAR(p.points(5, 1), x.row(5).dot(p.axes[1]), 1e-12);
}

TEST(Projection, ProjectsDirectionsOnTheAxes) {
    Matrix<double> x = Matrix<double>::Zero(2, 3);
    x(0, 0) = 2;
    x(1, 1) = 1;
    const Projection2D p = pca_2d(x, false);
    Matrix<double> dirs(3, 2);
    dirs << 1, 0, 0, 0, 5, 1;
    const Matrix<double> out = project_directions(p, dirs);
    ASSERT_EQ(out.rows(), 2);
    EXPECT_NEAR(std::abs(out(0, 0)), 1.0, 1e-12);  // e0 is the first axis
    EXPECT_NEAR(out(1, 0), 0.0, 1e-12);
    EXPECT_NEAR(out(0, 1), 0.0, 1e-12);  // e2 is off the plane
    EXPECT_THROW(project_directions(p, Matrix<double>::Zero(4, 1)), InputError);
}

TEST(Projection, RefusesTooFewColumns) {
    EXPECT_THROW(pca_2d(Matrix<double>::Zero(3, 1), false), InputError);
    EXPECT_THROW(pca_2d(Matrix<double>::Zero(0, 3), false), InputError);
}

}  // namespace
}  // namespace hashscope
