// Reading and writing NumPy .npy files (format versions 1.0-3.0): float32, float64, int32, int64,
// uint8 and uint32, little-endian, C order, 1 to 3 dimensions. Everything else is refused with an
// InputError that names the file. Writes go to a temporary name and are renamed at the end, so a
// failed command never leaves a half-written file behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

enum class DType { f32, f64, i32, i64, u8, u32 };

std::size_t dtype_size(DType t);
const char* dtype_name(DType t);  // NumPy's descr, e.g. "<f4", "|u1"

struct NpyArray {
    DType dtype = DType::f32;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> data;  // count() * dtype_size(dtype) bytes, C order

    std::size_t count() const;
    std::string shape_string() const;  // e.g. "[4, 64]"
};

NpyArray read_npy(const std::string& path);
void write_npy(const std::string& path, const NpyArray& array);

// Packs raw values into an array of the matching dtype (T is one of the six supported types).
template <class T>
NpyArray make_npy(std::span<const T> values, std::vector<std::int64_t> shape);

// Every element converted to T (a float or integer dtype read into any arithmetic T).
template <class T>
std::vector<T> npy_values(const NpyArray& array);

// A 2-D array as a matrix; `what` names the file or flag for errors (wrong rank, non-finite data).
template <class T>
Matrix<T> npy_to_matrix(const NpyArray& array, const std::string& what);

template <class T>
NpyArray matrix_to_npy(const Matrix<T>& m);

}  // namespace hashscope
