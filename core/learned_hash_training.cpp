// Training loop of the learned hash mappings: forward, hand-written backward, Adam, in fixed shards.
//
// GCC 12 reports a false "used uninitialized" inside its AVX-512 intrinsics when Eigen inlines the
// double max/log packets used by the loss (GCC bug 105593, as in the top-level CMakeLists.txt).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "core/learned_hash_training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>
#include <thread>

#include "core/hamming_topk.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"

namespace hashscope {
namespace {

template <class T>
using Array2 = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Runs f(shard, begin, end) over `threads` contiguous shards of [0, count), shard 0 on this thread.
// The shard boundaries depend only on count and threads, which is what makes a run repeatable.
template <class F>
void for_shards(int threads, Eigen::Index count, const F& f) {
    const auto begin = [&](int s) { return count * s / threads; };
    std::vector<std::thread> pool;
    for (int s = 1; s < threads; ++s) pool.emplace_back([&f, &begin, s] { f(s, begin(s), begin(s + 1)); });
    f(0, begin(0), begin(1));
    for (auto& t : pool) t.join();
}

// Calls f on the corresponding trainable arrays (W1, b1, W2, b2) of several mappings at once.
template <class F, class... Mlp>
void each_param(const F& f, Mlp&... mlps) {
    f(mlps.w1...);
    f(mlps.b1...);
    f(mlps.w2...);
    f(mlps.b2...);
}

template <class T>
HashMlp<T> zeros_like(const HashMlp<T>& mlp) {
    HashMlp<T> z = mlp;
    each_param([](auto& a) { a.setZero(); }, z);
    return z;
}

template <class T>
void add_into(HashMlp<T>& into, const HashMlp<T>& g) {
    HashMlp<T> copy = g;  // each_param takes mutable references
    each_param([](auto& a, auto& b) { a += b; }, into, copy);
}


// Gradient of the weights given dL/du [n, bits]; `z` is the (standardised) input.
template <class T>
void mlp_backward(const HashMlp<T>& mlp, const Matrix<T>& z, const HashMlpActivations<T>& act, const Matrix<T>& du,
                  HashMlp<T>& g) {
    g.w2.noalias() = act.hidden.transpose() * du;
    g.b2 = du.colwise().sum().transpose();
    Matrix<T> dh;
    dh.noalias() = du * mlp.w2.transpose();
    // SiLU'(h) = sigmoid(h) * (1 + h * (1 - sigmoid(h))).
    const Array2<T> sig = T(1) / (T(1) + (-act.pre.array()).exp());
    dh.array() *= sig * (T(1) + act.pre.array() * (T(1) - sig));
    g.w1.noalias() = z.transpose() * dh;
    g.b1 = dh.colwise().sum().transpose();
}

struct ChannelStats {
    Vector<double> mean, inv_std;
};

// Per-channel mean and 1/std (population), summed in double in row order.
template <class T>
ChannelStats channel_stats(const Matrix<T>& x) {
    const Eigen::Index n = x.rows(), d = x.cols();
    ChannelStats s{Vector<double>::Zero(d), Vector<double>::Zero(d)};
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) s.mean(j) += double(x(i, j));
    s.mean /= double(n);
    Vector<double> var = Vector<double>::Zero(d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) var(j) += (double(x(i, j)) - s.mean(j)) * (double(x(i, j)) - s.mean(j));
    for (Eigen::Index j = 0; j < d; ++j) {
        const double sd = std::sqrt(var(j) / double(n));
        s.inv_std(j) = sd > 0 ? 1.0 / sd : 1.0;
    }
    return s;
}

template <class T>
HashMlp<T> initial_mlp(const ChannelStats& stats, int hidden, int bits, Rng& rng) {
    const int d = int(stats.mean.size());
    HashMlp<double> m{stats.mean,
                      stats.inv_std,
                      normal_matrix<double>(d, hidden, rng) / std::sqrt(double(d)),
                      Vector<double>::Zero(hidden),
                      normal_matrix<double>(hidden, bits, rng) / std::sqrt(double(hidden)),
                      Vector<double>::Zero(bits)};
    return m.cast<T>();
}

template <class T>
Matrix<T> gather_rows(const Matrix<T>& x, const std::vector<int>& rows, std::size_t begin, std::size_t end) {
    Matrix<T> out(Eigen::Index(end - begin), x.cols());
    for (std::size_t r = begin; r < end; ++r) out.row(Eigen::Index(r - begin)) = x.row(rows[r]);
    return out;
}

template <class T>
struct Adam {
    HashMappings<T> m, v;
    int step = 0;
};

template <class T>
void adam_step(HashMappings<T>& w, HashMappings<T>& g, Adam<T>& a, double learning_rate) {
    constexpr double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    ++a.step;
    const T c1 = T(1.0 / (1.0 - std::pow(beta1, a.step))), c2 = T(1.0 / (1.0 - std::pow(beta2, a.step)));
    const auto update = [&](auto& param, auto& grad, auto& m, auto& v) {
        m = T(beta1) * m + T(1 - beta1) * grad;
        v = T(beta2) * v + T(1 - beta2) * grad.cwiseAbs2();
        param.array() -= T(learning_rate) * (m.array() * c1) / ((v.array() * c2).sqrt() + T(epsilon));
    };
    each_param(update, w.query, g.query, a.m.query, a.v.query);
    each_param(update, w.key, g.key, a.m.key, a.v.key);
}

// Recall@top of the current codes on the last (up to 1024) training queries: the last ones, so that
// with `causal` they keep their place at the end of the key sequence.
template <class T>
double code_recall(const HashMappings<T>& w, const Matrix<T>& zq, const Matrix<T>& zk,
                   const std::vector<std::vector<std::int32_t>>& targets, int top, bool causal) {
    const Eigen::Index shown = std::min<Eigen::Index>(zq.rows(), 1024);
    const Matrix<T> zq_shown = zq.bottomRows(shown);
    const PackedCodes qc = pack_signs<T>(hash_mlp_forward<T>(w.query, zq_shown, nullptr, true));
    const PackedCodes kc = pack_signs<T>(hash_mlp_forward<T>(w.key, zk, nullptr, true));
    const auto found = hamming_topk(qc, kc, {.top = top, .causal = causal}).selected;
    return recall_at_k({targets.end() - shown, targets.end()}, found);
}

// y [batch, step_keys]: 1 where the step's key (key_order[j]) is among the batch query's targets.
// `slot` (all -1 on entry and on return) maps a key to its column.
template <class T>
void step_targets(const std::vector<std::vector<std::int32_t>>& targets, const std::vector<int>& order,
                  std::size_t first, std::size_t last, const std::vector<int>& key_order, int step_keys,
                  std::vector<int>& slot, Matrix<T>& y) {
    for (int j = 0; j < step_keys; ++j) slot[std::size_t(key_order[std::size_t(j)])] = j;
    y.setZero(Eigen::Index(last - first), step_keys);
    for (std::size_t b = first; b < last; ++b)
        for (std::int32_t key : targets[std::size_t(order[b])])
            if (const int column = slot[std::size_t(key)]; column >= 0) y(Eigen::Index(b - first), column) = T(1);
    for (int j = 0; j < step_keys; ++j) slot[std::size_t(key_order[std::size_t(j)])] = -1;
}

// counted [batch, step_keys]: 1 where the batch query may see the step's key (j <= i + offset).
template <class T>
void step_visibility(const std::vector<int>& order, std::size_t first, std::size_t last,
                     const std::vector<int>& key_order, int step_keys, int offset, Matrix<T>& counted) {
    counted.resize(Eigen::Index(last - first), step_keys);
    for (std::size_t b = first; b < last; ++b)
        for (int j = 0; j < step_keys; ++j)
            counted(Eigen::Index(b - first), j) = T(key_order[std::size_t(j)] <= order[b] + offset);
}

}  // namespace

template <class T>
double learned_hash_loss(const HashMappings<T>& w, const Matrix<T>& zq, const Matrix<T>& zk, const Matrix<T>& y,
                         const LearnOptions& o, HashMappings<T>* grads, int threads, const Matrix<T>* counted) {
    const Eigen::Index batch = zq.rows(), keys = zk.rows();
    const int bits = int(w.query.w2.cols());
    const T alpha = T(o.positive_weight), scale = T(1.0 / (double(batch) * double(keys)));

    // Keys: relaxed codes tanh(u_k), by shards of rows.
    std::vector<HashMlpActivations<T>> key_act(static_cast<std::size_t>(threads));
    Matrix<T> tk(keys, bits);
    for_shards(threads, keys, [&](int s, Eigen::Index b, Eigen::Index e) {
        const Matrix<T> z = zk.middleRows(b, e - b);
        tk.middleRows(b, e - b) = hash_mlp_forward(w.key, z, &key_act[std::size_t(s)], true).array().tanh().matrix();
    });

    // Queries by shards: affinities, loss, dL/d(affinity), back through the query mapping.
    std::vector<double> loss(std::size_t(threads), 0.0);
    std::vector<Matrix<T>> dtk(static_cast<std::size_t>(threads));
    std::vector<HashMlp<T>> gq(static_cast<std::size_t>(threads));
    for_shards(threads, batch, [&](int s, Eigen::Index b, Eigen::Index e) {
        const Matrix<T> z = zq.middleRows(b, e - b);
        HashMlpActivations<T> act;
        const Matrix<T> tq = hash_mlp_forward(w.query, z, &act, true).array().tanh().matrix();
        // logit z = s - threshold with s = tanh(u_q) . tanh(u_k). The pair arrays are the big
        // allocations of a step (B x M), so there are only two, reused in place.
        Array2<T> logit;
        logit.matrix().noalias() = tq * tk.transpose();
        logit -= T(o.threshold);
        const auto target = y.middleRows(b, e - b).array();
        // One vectorised exp and log per pair: with e = exp(-|z|) (`work`), softplus(z) = max(z, 0) +
        // log(1 + e), softplus(-z) = softplus(z) - z, and sigmoid(z) = 1 / (1 + e) for z >= 0, else e / (1 + e).
        Array2<T> work = (-logit.abs()).exp();
        // The loss and dL/dz = scale * (alpha * y * (sigmoid(z) - 1) + (1 - y) * sigmoid(z)) with the
        // pair weights (alpha * y, 1 - y) as lazy expressions, times `counted` when pairs are left out;
        // the gradient is written over `work`.
        const auto finish = [&](const auto& positive, const auto& negative) {
            loss[std::size_t(s)] = ((positive + negative) * (logit.max(T(0)) + (T(1) + work).log()) - positive * logit)
                                       .template cast<double>()
                                       .sum();
            if (!grads) return;
            work = (logit >= T(0)).select(T(1) / (T(1) + work), work / (T(1) + work));
            work = scale * (positive * (work - T(1)) + negative * work);
        };
        if (counted) {
            const auto keep = counted->middleRows(b, e - b).array();
            finish(alpha * target * keep, (T(1) - target) * keep);
        } else {
            finish(alpha * target, T(1) - target);
        }
        if (!grads) return;
        const auto dlogit = work.matrix();
        Matrix<T> dtq;
        dtq.noalias() = dlogit * tk;
        dtk[std::size_t(s)].noalias() = dlogit.transpose() * tq;
        dtq.array() *= T(1) - tq.array().square();
        mlp_backward(w.query, z, act, dtq, gq[std::size_t(s)]);
    });
    double total = 0;
    for (double l : loss) total += l;
    if (!grads) return total * double(scale);

    // Fixed-order reductions, then back through the key mapping by the same key shards.
    Matrix<T> dk = dtk[0];
    grads->query = gq[0];
    for (int s = 1; s < threads; ++s) {
        dk += dtk[std::size_t(s)];
        add_into(grads->query, gq[std::size_t(s)]);
    }
    std::vector<HashMlp<T>> gk(static_cast<std::size_t>(threads));
    for_shards(threads, keys, [&](int s, Eigen::Index b, Eigen::Index e) {
        const Matrix<T> z = zk.middleRows(b, e - b);
        const Matrix<T> du = (dk.middleRows(b, e - b).array() * (T(1) - tk.middleRows(b, e - b).array().square())).matrix();
        mlp_backward(w.key, z, key_act[std::size_t(s)], du, gk[std::size_t(s)]);
    });
    grads->key = gk[0];
    for (int s = 1; s < threads; ++s) add_into(grads->key, gk[std::size_t(s)]);
    return total * double(scale);
}

void check_learn_options(const LearnOptions& o, int n_keys) {
    const auto require = [](bool ok, const std::string& message) {
        if (!ok) throw InputError(message);
    };
    require(o.bits >= 1 && o.bits <= kMaxLearnedBits,
            "--bits must be in [1, " + std::to_string(kMaxLearnedBits) + "], got " + std::to_string(o.bits));
    require(o.hidden >= 1, "--hidden must be at least 1, got " + std::to_string(o.hidden));
    require(o.top >= 1, "--top must be at least 1, got " + std::to_string(o.top));
    require(o.top <= n_keys,
            "--top " + std::to_string(o.top) + " exceeds the number of keys (" + std::to_string(n_keys) + ")");
    require(o.epochs >= 1, "--epochs must be at least 1, got " + std::to_string(o.epochs));
    require(o.batch >= 1, "--batch must be at least 1, got " + std::to_string(o.batch));
    require(o.keys_per_step >= 1, "--keys-per-step must be at least 1, got " + std::to_string(o.keys_per_step));
    require(std::isfinite(o.learning_rate) && o.learning_rate > 0, "--learning-rate must be finite and positive");
    require(std::isfinite(o.positive_weight) && o.positive_weight > 0, "--positive-weight must be finite and positive");
    require(std::isfinite(o.threshold), "--threshold must be finite");
    require(o.threads >= 1 && o.threads <= 256, "--threads must be in [1, 256], got " + std::to_string(o.threads));
}

template <class T>
LearnResult learn_hash(const std::vector<Matrix<T>>& q_heads, const std::vector<Matrix<T>>& k_heads,
                       const LearnOptions& o) {
    if (q_heads.empty() || q_heads.size() != k_heads.size())
        throw InputError("learn: need the same number (>= 1) of query and key heads, got " +
                         std::to_string(q_heads.size()) + " and " + std::to_string(k_heads.size()));
    const Eigen::Index d = q_heads[0].cols();
    for (std::size_t h = 0; h < q_heads.size(); ++h) {
        const std::string which = "head " + std::to_string(h);
        if (q_heads[h].cols() != d || k_heads[h].cols() != d)
            throw InputError("learn: " + which + ": queries and keys must all have d = " + std::to_string(d));
        if (q_heads[h].rows() < 1 || k_heads[h].rows() < 1) throw InputError("learn: " + which + " has no tokens");
        require_finite(q_heads[h], "--q " + which);
        require_finite(k_heads[h], "--k " + which);
        check_learn_options(o, int(k_heads[h].rows()));
        if (o.causal && q_heads[h].rows() > k_heads[h].rows())
            throw InputError("learn: --causal needs at least as many keys (" + std::to_string(k_heads[h].rows()) +
                             ") as queries (" + std::to_string(q_heads[h].rows()) + ")");
    }

    const auto start = std::chrono::steady_clock::now();
    LearnResult r;
    r.model.d = int(d);
    r.model.hidden = o.hidden;
    r.model.bits = o.bits;
    Rng rng(o.seed);
    const int heads = int(q_heads.size());
    for (int h = 0; h < heads; ++h) {
        const Matrix<T>& q = q_heads[std::size_t(h)];
        const Matrix<T>& k = k_heads[std::size_t(h)];
        const int nq = int(q.rows()), nk = int(k.rows());
        HashMappings<T> w{initial_mlp<T>(channel_stats(q), o.hidden, o.bits, rng),
                          initial_mlp<T>(channel_stats(k), o.hidden, o.bits, rng)};
        const Matrix<T> zq = hash_mlp_standardise(w.query, q), zk = hash_mlp_standardise(w.key, k);
        const auto targets = exact_top_k(q, k, o.top, o.causal);
        Adam<T> adam{{zeros_like(w.query), zeros_like(w.key)}, {zeros_like(w.query), zeros_like(w.key)}};
        HashMappings<T> grads;

        std::vector<int> order(static_cast<std::size_t>(nq)), key_order(static_cast<std::size_t>(nk)),
            slot(static_cast<std::size_t>(nk), -1);
        std::iota(order.begin(), order.end(), 0);
        std::iota(key_order.begin(), key_order.end(), 0);
        const int step_keys = std::min(nk, o.keys_per_step);
        Matrix<T> y, counted, zk_sample;  // targets and causal mask [batch, step_keys]; sampled keys
        for (int epoch = 1; epoch <= o.epochs && !r.cancelled; ++epoch) {
            for (int i = nq - 1; i > 0; --i) std::swap(order[std::size_t(i)], order[rng.below(std::uint64_t(i) + 1)]);
            double loss_sum = 0;
            int steps = 0;
            for (int first = 0; first < nq; first += o.batch) {
                if (o.cancel && o.cancel->load()) {
                    r.cancelled = true;
                    break;
                }
                // A fresh uniform sample of keys (partial Fisher-Yates) unless every key fits.
                if (step_keys < nk)
                    for (int j = 0; j < step_keys; ++j)
                        std::swap(key_order[std::size_t(j)],
                                  key_order[std::size_t(j) + rng.below(std::uint64_t(nk - j))]);
                const std::size_t last = std::size_t(std::min(nq, first + o.batch));
                step_targets(targets, order, std::size_t(first), last, key_order, step_keys, slot, y);
                if (o.causal) step_visibility(order, std::size_t(first), last, key_order, step_keys, nk - nq, counted);
                const Matrix<T> zq_batch = gather_rows(zq, order, std::size_t(first), last);
                if (step_keys < nk) zk_sample = gather_rows(zk, key_order, 0, std::size_t(step_keys));
                const double loss = learned_hash_loss(w, zq_batch, step_keys < nk ? zk_sample : zk, y, o, &grads,
                                                      o.threads, o.causal ? &counted : nullptr);
                loss_sum += loss;
                ++steps;
                if (o.on_step) o.on_step({h, epoch, steps, (nq + o.batch - 1) / o.batch, loss});
                adam_step(w, grads, adam, o.learning_rate);
            }
            if (r.cancelled && steps == 0) break;
            LearnProgress p{h, heads, epoch, o.epochs, loss_sum / std::max(steps, 1), code_recall(w, zq, zk, targets, o.top, o.causal),
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
            r.curve.push_back(p);
            if (o.on_progress) o.on_progress(p);
        }
        r.model.heads.push_back({w.query.template cast<double>(), w.key.template cast<double>()});
        if (r.cancelled) break;
    }
    return r;
}

template double learned_hash_loss<float>(const HashMappings<float>&, const Matrix<float>&, const Matrix<float>&,
                                         const Matrix<float>&, const LearnOptions&, HashMappings<float>*, int,
                                         const Matrix<float>*);
template double learned_hash_loss<double>(const HashMappings<double>&, const Matrix<double>&, const Matrix<double>&,
                                          const Matrix<double>&, const LearnOptions&, HashMappings<double>*, int,
                                          const Matrix<double>*);
template LearnResult learn_hash<float>(const std::vector<Matrix<float>>&, const std::vector<Matrix<float>>&,
                                       const LearnOptions&);
template LearnResult learn_hash<double>(const std::vector<Matrix<double>>&, const std::vector<Matrix<double>>&,
                                        const LearnOptions&);

}  // namespace hashscope
