// What the host-side files of kernels/ share (gpu.cpp, gpu_hamming.cpp): the device check, matrices
// flattened to the element type a kernel reads and back, and heads' codes flattened. Internal to kernels/.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"
#include "kernels/gpu.hpp"

namespace hashscope::gpu {

inline void require_device() {
    if (!gpu_available()) throw GpuError("no CUDA device: " + device_description());
}

// Rows of equal-shaped matrices, one after another, in the element type the kernel reads.
template <class T>
std::vector<T> flatten(const std::vector<Matrix<float>>& parts) {
    std::vector<T> flat;
    for (const auto& m : parts)
        for (Eigen::Index i = 0; i < m.size(); ++i) flat.push_back(T(m.data()[i]));
    return flat;
}

// Packed codes of several heads, one after another (all of one width).
inline std::vector<std::uint32_t> flatten_codes(const std::vector<SimHashCodes>& parts) {
    std::vector<std::uint32_t> flat;
    for (const auto& c : parts) flat.insert(flat.end(), c.words.begin(), c.words.end());
    return flat;
}

template <class T>
Matrix<float> to_matrix(const T* data, Eigen::Index rows, Eigen::Index cols) {
    Matrix<float> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = float(data[i]);
    return m;
}

}  // namespace hashscope::gpu
