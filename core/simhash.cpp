#include "core/simhash.hpp"

#include <string>

#include "core/random.hpp"

namespace hashscope {

template <class T>
SimHashCodes simhash_codes(const Matrix<T>& x, const Matrix<T>& planes) {
    if (x.cols() != planes.rows())
        throw InputError("planes have d = " + std::to_string(planes.rows()) + " but the vectors have d = " +
                         std::to_string(x.cols()));
    if (planes.cols() < 1) throw InputError("planes: need at least one hyperplane (column)");
    return pack_signs<T>(x * planes);
}

template <class T>
Matrix<T> random_planes(int d, int bits, std::uint64_t seed) {
    Rng rng(seed);
    return normal_matrix<T>(d, bits, rng);
}

template SimHashCodes simhash_codes<float>(const Matrix<float>&, const Matrix<float>&);
template SimHashCodes simhash_codes<double>(const Matrix<double>&, const Matrix<double>&);
template Matrix<float> random_planes<float>(int, int, std::uint64_t);
template Matrix<double> random_planes<double>(int, int, std::uint64_t);

}  // namespace hashscope
