#include "core/model/next_token_loss.hpp"

#include <cmath>
#include <string>

namespace hashscope {

template <class T>
double mean_next_token_loss(const Matrix<T>& logits, std::span<const int> tokens) {
    const auto n = Eigen::Index(tokens.size());
    if (n < 2) throw InputError("the text has " + std::to_string(n) + " token(s); a loss needs at least 2");
    if (logits.rows() != n) throw InputError("logits have " + std::to_string(logits.rows()) + " rows for " + std::to_string(n) + " tokens");
    double total = 0;
    for (Eigen::Index i = 0; i + 1 < n; ++i) {
        const Eigen::VectorXd row = logits.row(i).transpose().template cast<double>();
        const double peak = row.maxCoeff();
        const double logsumexp = peak + std::log((row.array() - peak).exp().sum());
        total += logsumexp - row(tokens[std::size_t(i + 1)]);
    }
    return total / double(n - 1);
}

template double mean_next_token_loss<float>(const Matrix<float>&, std::span<const int>);
template double mean_next_token_loss<double>(const Matrix<double>&, std::span<const int>);

}  // namespace hashscope
