#include "core/crypto_attention.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace hashscope {
namespace {

// Leaves are (depth, prefix) pairs; depth stays below 63 so that 1 << depth | prefix names one uniquely.
constexpr int kMaxDepth = 62;

std::uint64_t leaf_id(int depth, std::uint64_t head) { return (std::uint64_t(1) << depth) | (head >> (64 - depth)); }

// The buckets split by hierarchical bucketing: prefixes at each depth whose load exceeded the cap.
struct Splits {
    std::vector<std::unordered_set<std::uint64_t>> at = std::vector<std::unordered_set<std::uint64_t>>(kMaxDepth + 1);
    int count = 0;

    int leaf_depth(int bits, std::uint64_t head) const {
        int depth = bits;
        while (depth < kMaxDepth && at[std::size_t(depth)].count(head >> (64 - depth))) ++depth;
        return depth;
    }
};

// Level by level: the keys of over-full buckets move one digest bit deeper until every bucket fits.
Splits build_splits(const std::vector<std::uint64_t>& key_heads, int bits, int cap) {
    Splits s;
    if (cap <= 0) return s;
    std::vector<std::size_t> active(key_heads.size());
    std::iota(active.begin(), active.end(), std::size_t(0));
    for (int depth = bits; depth < kMaxDepth && !active.empty(); ++depth) {
        std::unordered_map<std::uint64_t, int> load;
        for (std::size_t j : active) ++load[key_heads[j] >> (64 - depth)];
        std::vector<std::size_t> deeper;
        for (std::size_t j : active)
            if (load[key_heads[j] >> (64 - depth)] > cap) deeper.push_back(j);
        for (const auto& [prefix, count] : load)
            if (count > cap) {
                s.at[std::size_t(depth)].insert(prefix);
                ++s.count;
            }
        active.swap(deeper);
    }
    return s;
}

// Where each key and query of one round went: leaf slots (keys' leaves numbered by first key), -1 = empty.
struct RoundBuckets {
    std::vector<int> key_slot, query_slot;
    std::vector<std::vector<int>> slot_keys;  // ascending key positions per slot
};

template <class T>
RoundBuckets route_round(const Matrix<T>& q, const Matrix<T>& k, const CryptoAttentionConfig<T>& config,
                         int round, CryptoRoundTrace& t) {
    CryptoBucketConfig<T> hashing = config.hashing;
    hashing.salt = t.salt = round_salt(config.hashing.salt, round);
    const int bits = hashing.bits;
    const std::vector<std::uint64_t> key_heads = crypto_buckets(k, hashing).digest_head;
    const std::vector<std::uint64_t> query_heads =
        config.route == CryptoRoute::key ? key_heads : crypto_buckets(q, hashing).digest_head;
    const Splits splits = build_splits(key_heads, bits, config.load_cap);
    t.splits = splits.count;

    RoundBuckets r;
    std::unordered_map<std::uint64_t, int> slot_of;
    const auto place = [&](std::uint64_t head, std::int64_t& bucket, std::uint8_t& depth) {
        depth = std::uint8_t(splits.leaf_depth(bits, head));
        bucket = leading_bits(head, depth);
        return leaf_id(depth, head);
    };
    const auto m = std::size_t(k.rows()), n = std::size_t(q.rows());
    t.key_bucket.resize(m);
    t.key_depth.resize(m);
    for (std::size_t j = 0; j < m; ++j) {
        const auto [it, added] = slot_of.try_emplace(place(key_heads[j], t.key_bucket[j], t.key_depth[j]), int(slot_of.size()));
        if (added) r.slot_keys.emplace_back();
        r.slot_keys[std::size_t(it->second)].push_back(int(j));
        r.key_slot.push_back(it->second);
    }
    t.query_bucket.resize(n);
    t.query_depth.resize(n);
    const std::unordered_set<std::uint64_t> key_head_set(key_heads.begin(), key_heads.end());
    for (std::size_t i = 0; i < n; ++i) {
        const auto it = slot_of.find(place(query_heads[i], t.query_bucket[i], t.query_depth[i]));
        r.query_slot.push_back(it == slot_of.end() ? -1 : it->second);
        t.identical_queries += int(key_head_set.count(query_heads[i]));
    }
    for (const auto& keys : r.slot_keys) t.loads.push_back(std::int32_t(keys.size()));
    t.occupied = int(r.slot_keys.size());
    t.max_load = t.loads.empty() ? 0 : *std::max_element(t.loads.begin(), t.loads.end());
    return r;
}

// Mean of V over each query's bucket; causal: a running mean, keys added in position order.
template <class T>
void aggregate_mean(const Matrix<T>& v, const RoundBuckets& r, bool causal, Eigen::Index offset, Matrix<T>& out,
                    std::vector<std::int32_t>& used) {
    const Eigen::Index n = out.rows(), m = v.rows();
    Matrix<T> sums = Matrix<T>::Zero(Eigen::Index(r.slot_keys.size()), v.cols());
    std::vector<std::int32_t> counts(r.slot_keys.size(), 0);
    const auto add_key = [&](Eigen::Index j) {
        sums.row(r.key_slot[std::size_t(j)]) += v.row(j);
        ++counts[std::size_t(r.key_slot[std::size_t(j)])];
    };
    Eigen::Index next = 0;
    if (!causal)
        for (; next < m; ++next) add_key(next);
    for (Eigen::Index i = 0; i < n; ++i) {
        if (causal)
            for (; next < m && next <= i + offset; ++next) add_key(next);
        const int s = r.query_slot[std::size_t(i)];
        used[std::size_t(i)] = s < 0 ? 0 : counts[std::size_t(s)];
        if (used[std::size_t(i)] > 0) out.row(i) = sums.row(s) / T(used[std::size_t(i)]);
    }
}

// Softmax attention (q.k / sqrt(d)) over the keys of each query's bucket that it may see.
template <class T>
void aggregate_softmax(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v, const RoundBuckets& r,
                       bool causal, Eigen::Index offset, Matrix<T>& out, std::vector<std::int32_t>& used) {
    const T scale = T(1) / std::sqrt(T(q.cols()));
    std::vector<T> logits;
    for (Eigen::Index i = 0; i < q.rows(); ++i) {
        const int s = r.query_slot[std::size_t(i)];
        if (s < 0) continue;
        const auto& keys = r.slot_keys[std::size_t(s)];
        const auto visible = causal ? std::size_t(std::upper_bound(keys.begin(), keys.end(), i + offset) - keys.begin())
                                    : keys.size();
        used[std::size_t(i)] = std::int32_t(visible);
        if (visible == 0) continue;
        logits.resize(visible);
        for (std::size_t a = 0; a < visible; ++a) logits[a] = q.row(i).dot(k.row(keys[a])) * scale;
        const T top = *std::max_element(logits.begin(), logits.end());
        T total = 0;
        for (auto& x : logits) total += x = std::exp(x - top);
        for (std::size_t a = 0; a < visible; ++a) out.row(i) += (logits[a] / total) * v.row(keys[a]);
    }
}

}  // namespace

std::string_view route_name(CryptoRoute r) {
    switch (r) {
        case CryptoRoute::query: return "query";
        case CryptoRoute::key: return "key";
        case CryptoRoute::lsh: return "lsh";
    }
    return "?";
}

CryptoRoute parse_route(std::string_view name) {
    for (CryptoRoute r : {CryptoRoute::query, CryptoRoute::key, CryptoRoute::lsh})
        if (route_name(r) == name) return r;
    throw InputError("--route: unknown '" + std::string(name) + "' (expected query|key|lsh)");
}

std::string_view aggregate_name(CryptoAggregate a) { return a == CryptoAggregate::mean ? "mean" : "softmax"; }

CryptoAggregate parse_aggregate(std::string_view name) {
    for (CryptoAggregate a : {CryptoAggregate::mean, CryptoAggregate::softmax})
        if (aggregate_name(a) == name) return a;
    throw InputError("--aggregate: unknown '" + std::string(name) + "' (expected mean|softmax)");
}

std::vector<std::uint8_t> round_salt(const std::vector<std::uint8_t>& salt, int round) {
    std::vector<std::uint8_t> s = salt;
    if (round > 0)
        for (int shift = 24; shift >= 0; shift -= 8) s.push_back(std::uint8_t(std::uint32_t(round) >> shift));
    return s;
}

template <class T>
void check_crypto_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                            const CryptoAttentionConfig<T>& config) {
    const auto str = [](Eigen::Index x) { return std::to_string(x); };
    if (q.cols() != k.cols())
        throw InputError("--q and --k disagree on the head dimension (" + str(q.cols()) + " vs " + str(k.cols()) + ")");
    if (k.rows() != v.rows())
        throw InputError("--k and --v disagree on the number of keys (" + str(k.rows()) + " vs " + str(v.rows()) + ")");
    if (config.route == CryptoRoute::key && q.rows() != k.rows())
        throw InputError("--route key needs one key per query (n = " + str(q.rows()) + ", m = " + str(k.rows()) + ")");
    if (config.route == CryptoRoute::lsh && config.hashing.quantize != Quantize::sign)
        throw InputError("--route lsh hashes the sign code: --quantize must be sign");
    if (config.rounds < 1 || config.rounds > 64) throw InputError("--rounds " + std::to_string(config.rounds) + " is outside 1..64");
    if (config.load_cap < 0) throw InputError("--load-cap must be 0 (off) or positive");
    check_crypto_bucket_config(config.hashing, k.cols());
    require_finite(v, "--v");
}

template <class T>
CryptoAttentionTrace<T> crypto_attention(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                                         const CryptoAttentionConfig<T>& config) {
    check_crypto_attention(q, k, v, config);
    const Eigen::Index n = q.rows(), offset = k.rows() - q.rows();
    CryptoAttentionTrace<T> trace;
    trace.output = Matrix<T>::Zero(n, v.cols());
    std::vector<int> answered(std::size_t(n), 0);
    for (int round = 0; round < config.rounds; ++round) {
        CryptoRoundTrace& t = trace.rounds.emplace_back();
        const RoundBuckets r = route_round(q, k, config, round, t);
        Matrix<T> out = Matrix<T>::Zero(n, v.cols());
        t.query_keys.assign(std::size_t(n), 0);
        if (config.aggregate == CryptoAggregate::mean) aggregate_mean(v, r, config.causal, offset, out, t.query_keys);
        else aggregate_softmax(q, k, v, r, config.causal, offset, out, t.query_keys);
        for (Eigen::Index i = 0; i < n; ++i) {
            if (t.query_keys[std::size_t(i)] == 0) {
                ++t.empty_queries;
                continue;
            }
            trace.output.row(i) += out.row(i);
            ++answered[std::size_t(i)];
        }
        trace.slots += r.slot_keys.size();
    }
    for (Eigen::Index i = 0; i < n; ++i) {
        if (answered[std::size_t(i)]) trace.output.row(i) /= T(answered[std::size_t(i)]);
        else ++trace.empty_all_rounds;
    }
    return trace;
}

template void check_crypto_attention<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                            const CryptoAttentionConfig<float>&);
template void check_crypto_attention<double>(const Matrix<double>&, const Matrix<double>&, const Matrix<double>&,
                                             const CryptoAttentionConfig<double>&);
template CryptoAttentionTrace<float> crypto_attention<float>(const Matrix<float>&, const Matrix<float>&,
                                                             const Matrix<float>&, const CryptoAttentionConfig<float>&);
template CryptoAttentionTrace<double> crypto_attention<double>(const Matrix<double>&, const Matrix<double>&,
                                                               const Matrix<double>&,
                                                               const CryptoAttentionConfig<double>&);

}  // namespace hashscope
