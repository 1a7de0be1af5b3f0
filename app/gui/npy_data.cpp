#include "app/gui/npy_data.hpp"

#include "core/error.hpp"
#include "core/npy.hpp"

namespace hashscope::gui {

ToySequence npy_sequence(const std::string& path) {
    const NpyArray array = read_npy(path);
    const auto& shape = array.shape;
    const bool stacked = shape.size() == 3 && (shape[0] == 2 || shape[0] == 3);
    if (shape.size() != 2 && !stacked)
        throw InputError(path + ": expected [n, d] (shared queries and keys), [2, n, d] or [3, n, d], got " + array.shape_string());
    const std::int64_t n = shape[shape.size() - 2], d = shape.back();
    if (n < 2 || d < 1) throw InputError(path + ": needs at least 2 tokens of width 1, got " + array.shape_string());
    if (n > kMaxDataTokens)
        throw InputError(path + ": " + std::to_string(n) + " tokens; the scene holds at most " + std::to_string(kMaxDataTokens));
    const std::vector<double> values = npy_values<double>(array);
    const auto slice = [&](std::int64_t index, const char* what) {
        Matrix<double> m(n, d);
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < d; ++j) m(i, j) = values[std::size_t((index * n + i) * d + j)];
        require_finite(m, path + " (" + what + ")");
        return m;
    };
    ToySequence s;
    s.q = slice(0, stacked ? "queries" : "queries and keys");
    s.k = stacked ? slice(1, "keys") : s.q;
    s.v = stacked && shape[0] == 3 ? slice(2, "values") : s.k;
    s.labels.assign(std::size_t(n), 0);
    s.description = path + ": n " + std::to_string(n) + ", d " + std::to_string(d) +
                    (stacked ? shape[0] == 3 ? " (queries, keys, values)" : " (queries, keys)" : " (shared queries and keys)");
    return s;
}

}  // namespace hashscope::gui
