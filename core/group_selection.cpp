#include "core/group_selection.hpp"

#include <numeric>
#include <string>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/simhash.hpp"

namespace hashscope {

double mean_of(const std::vector<double>& values) {
    return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

template <class T>
void check_groups(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, const std::string& q_name,
                  const std::string& k_name) {
    if (q.empty() || k.empty()) throw InputError(q_name + " and " + k_name + " need at least one head each");
    if (q.size() % k.size() != 0)
        throw InputError(q_name + " has " + std::to_string(q.size()) + " heads, not a multiple of the " +
                         std::to_string(k.size()) + " KV heads of " + k_name);
    for (const auto& m : q)
        if (m.rows() != q[0].rows() || m.cols() != q[0].cols()) throw InputError(q_name + ": heads of different shapes");
    for (const auto& m : k)
        if (m.rows() != k[0].rows() || m.cols() != k[0].cols()) throw InputError(k_name + ": heads of different shapes");
    if (q[0].cols() != k[0].cols())
        throw InputError(q_name + " has d = " + std::to_string(q[0].cols()) + " but " + k_name + " has d = " +
                         std::to_string(k[0].cols()));
}

template <class T>
GroupSelections simhash_group_selections(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k,
                                         const Matrix<T>& planes, const HammingTopKOptions& o) {
    check_groups(q, k, "queries", "keys");
    const std::size_t group = q.size() / k.size();
    std::vector<PackedCodes> query_codes, key_codes;
    for (const auto& m : q) query_codes.push_back(simhash_codes(m, planes));
    for (const auto& m : k) key_codes.push_back(simhash_codes(m, planes));
    GroupSelections out;
    for (std::size_t j = 0; j < k.size(); ++j) {
        const std::vector<PackedCodes> heads(query_codes.begin() + std::ptrdiff_t(j * group),
                                             query_codes.begin() + std::ptrdiff_t((j + 1) * group));
        out.shared.push_back(shared_hamming_topk(heads, key_codes[j], o).selected);
    }
    for (std::size_t h = 0; h < q.size(); ++h) out.own.push_back(hamming_topk(query_codes[h], key_codes[h / group], o).selected);
    return out;
}

template <class T>
GroupSelections exact_group_selections(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, int top,
                                       bool causal) {
    check_groups(q, k, "queries", "keys");
    const std::size_t group = q.size() / k.size();
    GroupSelections out;
    for (std::size_t j = 0; j < k.size(); ++j) {
        Matrix<T> summed = Matrix<T>::Zero(q[0].rows(), q[0].cols());
        for (std::size_t g = 0; g < group; ++g) summed += q[j * group + g];
        out.shared.push_back(exact_top_k(summed, k[j], top, causal));
    }
    for (std::size_t h = 0; h < q.size(); ++h) out.own.push_back(exact_top_k(q[h], k[h / group], top, causal));
    return out;
}

double GroupRecall::mean_shared() const { return mean_of(shared); }
double GroupRecall::mean_own() const { return mean_of(own); }

template <class T>
GroupRecall group_recall(const std::vector<Matrix<T>>& q, const std::vector<Matrix<T>>& k, const GroupSelections& s, int top,
                         bool causal) {
    check_groups(q, k, "queries", "keys");
    const std::size_t group = q.size() / k.size();
    GroupRecall r;
    for (std::size_t h = 0; h < q.size(); ++h) {
        const auto truth = exact_top_k(q[h], k[h / group], top, causal);
        r.shared.push_back(recall_at_k(truth, s.shared[h / group]));
        r.own.push_back(recall_at_k(truth, s.own[h]));
    }
    return r;
}

#define HASHSCOPE_GROUP_SELECTION(T)                                                                                   \
    template void check_groups<T>(const std::vector<Matrix<T>>&, const std::vector<Matrix<T>>&, const std::string&,     \
                                  const std::string&);                                                                 \
    template GroupSelections simhash_group_selections<T>(const std::vector<Matrix<T>>&, const std::vector<Matrix<T>>&, \
                                                         const Matrix<T>&, const HammingTopKOptions&);                 \
    template GroupSelections exact_group_selections<T>(const std::vector<Matrix<T>>&, const std::vector<Matrix<T>>&,   \
                                                       int, bool);                                                     \
    template GroupRecall group_recall<T>(const std::vector<Matrix<T>>&, const std::vector<Matrix<T>>&,                 \
                                         const GroupSelections&, int, bool);
HASHSCOPE_GROUP_SELECTION(float)
HASHSCOPE_GROUP_SELECTION(double)
#undef HASHSCOPE_GROUP_SELECTION

}  // namespace hashscope
