#include "core/projection.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace hashscope {

Projection2D pca_2d(const Matrix<double>& x, bool centre) {
    if (x.rows() < 1 || x.cols() < 2)
        throw InputError("projection: need at least 1 row and 2 columns, got [" + std::to_string(x.rows()) + ", " +
                         std::to_string(x.cols()) + "]");
    Projection2D p;
    p.mean = centre ? Vector<double>(x.colwise().mean().transpose()) : Vector<double>::Zero(x.cols());
    const Matrix<double> shifted = x.rowwise() - p.mean.transpose();
    // d x d second-moment matrix; d is small (a head's width), so an eigensolver beats an SVD of n x d.
    const Eigen::MatrixXd moment = (shifted.transpose() * shifted) / double(x.rows());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(moment);
    const Eigen::Index d = x.cols();
    for (int a = 0; a < 2; ++a) {
        // Eigenvalues come in increasing order.
        Vector<double> axis = solver.eigenvectors().col(d - 1 - a);
        Eigen::Index largest = 0;
        axis.cwiseAbs().maxCoeff(&largest);
        if (axis(largest) < 0) axis = -axis;
        p.axes[std::size_t(a)] = axis;
        p.variance[std::size_t(a)] = std::max(0.0, solver.eigenvalues()(d - 1 - a));
    }
    p.points.resize(x.rows(), 2);
    p.points.col(0) = shifted * p.axes[0];
    p.points.col(1) = shifted * p.axes[1];
    return p;
}

Matrix<double> project_directions(const Projection2D& projection, const Matrix<double>& directions) {
    if (directions.rows() != projection.axes[0].size())
        throw InputError("projection: directions have " + std::to_string(directions.rows()) + " rows, expected " +
                         std::to_string(projection.axes[0].size()));
    Matrix<double> out(2, directions.cols());
    out.row(0) = projection.axes[0].transpose() * directions;
    out.row(1) = projection.axes[1].transpose() * directions;
    return out;
}

}  // namespace hashscope
