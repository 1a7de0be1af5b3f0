#include "core/adversarial_collision.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

namespace hashscope {
namespace {

std::int64_t bucket_of(Digester& digester, const std::vector<std::uint8_t>& salt, const std::vector<float>& key,
                       int bits) {
    return leading_bits(digester.head(salt, {reinterpret_cast<const std::uint8_t*>(key.data()), key.size() * sizeof(float)}),
                        bits);
}

// XORs the counter's bits into the low mantissa bits: bit t goes to component t % d, mantissa bit t / d.
void apply(const std::vector<float>& original, std::uint64_t counter, std::vector<float>& key) {
    const std::size_t d = original.size();
    key = original;
    for (int t = 0; counter >> t; ++t)
        if ((counter >> t) & 1) {
            std::uint32_t word;
            std::memcpy(&word, &key[std::size_t(t) % d], 4);
            word ^= std::uint32_t(1) << (std::size_t(t) / d);
            std::memcpy(&key[std::size_t(t) % d], &word, 4);
        }
}

}  // namespace

CollisionResult find_bucket_collision(const std::vector<float>& key, const CollisionSearch& search) {
    if (search.bits < 1 || search.bits > 32) throw InputError("--bits " + std::to_string(search.bits) + " is outside 1..32");
    if (search.target < 0 || search.target >= (std::int64_t(1) << search.bits))
        throw InputError("target bucket " + std::to_string(search.target) + " is outside [0, 2^" + std::to_string(search.bits) + ")");
    if (key.empty()) throw InputError("the key is empty");
    for (float x : key)
        if (!std::isfinite(x)) throw InputError("the key has a non-finite value");
    CollisionResult r;
    r.budget = search.budget ? search.budget : std::uint64_t(1) << (search.bits + 4);
    r.expected_tries = std::ldexp(1.0, search.bits);
    // Counters below the budget use ceil(log2 budget) bits, spread over d components.
    const int counter_bits = std::bit_width(r.budget);
    r.mantissa_bits = int((std::size_t(counter_bits) + key.size() - 1) / key.size());
    if (r.mantissa_bits > 20) throw InputError("key too short: the search would change more than 20 mantissa bits");

    Digester digester(search.algo);
    r.original_bucket = r.final_bucket = bucket_of(digester, search.salt, key, search.bits);
    r.key = key;
    std::vector<float> trial;
    for (std::uint64_t counter = 1; r.final_bucket != search.target && r.tries < r.budget; ++counter) {
        apply(key, counter, trial);
        ++r.tries;
        const std::int64_t bucket = bucket_of(digester, search.salt, trial, search.bits);
        if (bucket == search.target) {
            r.final_bucket = search.target;
            r.perturbation = counter;
            r.key = trial;
        } else if (search.progress && search.report_every && r.tries % search.report_every == 0 &&
                   !search.progress(r.tries, bucket)) {
            break;
        }
    }
    r.found = r.final_bucket == search.target;
    for (std::size_t j = 0; j < key.size(); ++j)
        if (key[j] != 0) r.max_relative_change = std::max(r.max_relative_change, std::abs(double(r.key[j]) - key[j]) / std::abs(double(key[j])));
    return r;
}

template <class T>
AttackOutcome<T> attack_victim(const Matrix<T>& q, const Matrix<T>& k, const Matrix<T>& v,
                               const CryptoAttentionConfig<T>& config, int victim, int attacker,
                               const Vector<T>& attacker_value, std::uint64_t budget,
                               std::function<bool(std::uint64_t, std::int64_t)> progress) {
    if (config.rounds != 1 || config.load_cap != 0 || config.hashing.quantize != Quantize::none)
        throw InputError("the attack models one round of raw-float hashing (rounds 1, no load cap, quantize none)");
    if (victim < 0 || victim >= q.rows()) throw InputError("victim " + std::to_string(victim) + " is not a query");
    if (attacker < 0 || attacker >= k.rows()) throw InputError("attacker " + std::to_string(attacker) + " is not a key");
    if (attacker_value.size() && attacker_value.size() != v.cols())
        throw InputError("attacker value has " + std::to_string(attacker_value.size()) + " entries, V has " +
                         std::to_string(v.cols()));
    AttackOutcome<T> a;
    const CryptoAttentionTrace<T> before = crypto_attention(q, k, v, config);
    a.victim_bucket = before.rounds[0].query_bucket[std::size_t(victim)];
    a.victim_keys_before = before.rounds[0].query_keys[std::size_t(victim)];
    a.victim_before = before.output.row(victim).transpose();

    std::vector<float> key(std::size_t(k.cols()));
    for (Eigen::Index j = 0; j < k.cols(); ++j) key[std::size_t(j)] = float(k(attacker, j));
    CollisionSearch search;
    search.algo = config.hashing.algo;
    search.bits = config.hashing.bits;
    search.salt = config.hashing.salt;
    search.target = a.victim_bucket;
    search.budget = budget;
    search.progress = std::move(progress);
    a.search = find_bucket_collision(key, search);
    Matrix<T> k2 = k, v2 = v;
    for (Eigen::Index j = 0; j < k.cols(); ++j) k2(attacker, j) = T(a.search.key[std::size_t(j)]);
    if (attacker_value.size()) v2.row(attacker) = attacker_value.transpose();
    const CryptoAttentionTrace<T> after = crypto_attention(q, k2, v2, config);
    a.victim_keys_after = after.rounds[0].query_keys[std::size_t(victim)];
    a.victim_after = after.output.row(victim).transpose();
    const double moved = double((a.victim_after - a.victim_before).norm()), was = double(a.victim_before.norm());
    a.victim_change = was > 0 ? moved / was : moved;
    return a;
}

template AttackOutcome<float> attack_victim<float>(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&,
                                                   const CryptoAttentionConfig<float>&, int, int, const Vector<float>&,
                                                   std::uint64_t, std::function<bool(std::uint64_t, std::int64_t)>);
template AttackOutcome<double> attack_victim<double>(const Matrix<double>&, const Matrix<double>&, const Matrix<double>&,
                                                     const CryptoAttentionConfig<double>&, int, int,
                                                     const Vector<double>&, std::uint64_t,
                                                     std::function<bool(std::uint64_t, std::int64_t)>);

}  // namespace hashscope
