// Bridges core's Eigen matrices and the oracle's plain matrices for the tests: conversion, and the
// error measure every comparison uses (max |got - want| / max(1, max |want|)).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/matrix.hpp"
#include "reference/reference_attention.hpp"

namespace hashscope_ref {

template <class T>
Mat to_ref(const hashscope::Matrix<T>& m) {
    Mat r(int(m.rows()), int(m.cols()));
    for (int i = 0; i < r.rows; ++i)
        for (int j = 0; j < r.cols; ++j) r(i, j) = double(m(i, j));
    return r;
}

template <class T>
std::vector<Mat> to_ref(const std::vector<hashscope::Matrix<T>>& ms) {
    std::vector<Mat> r;
    for (const auto& m : ms) r.push_back(to_ref(m));
    return r;
}

template <class T>
double scaled_error(const hashscope::Matrix<T>& got, const Mat& want) {
    EXPECT_EQ(got.rows(), want.rows);
    EXPECT_EQ(got.cols(), want.cols);
    if (got.rows() != want.rows || got.cols() != want.cols) return INFINITY;
    double err = 0.0, scale = 1.0;
    for (int i = 0; i < want.rows; ++i)
        for (int j = 0; j < want.cols; ++j) {
            err = std::max(err, std::abs(double(got(i, j)) - want(i, j)));
            scale = std::max(scale, std::abs(want(i, j)));
        }
    return err / scale;
}

}  // namespace hashscope_ref
