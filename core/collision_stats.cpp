#include "core/collision_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

#include "core/crypto_buckets.hpp"

namespace hashscope {
namespace {

void check_bits(int bits) {
    if (bits < 1 || bits > 32) throw InputError("--bits " + std::to_string(bits) + " is outside 1..32");
}

// log of the Poisson(lambda) probability of k.
double log_poisson(double lambda, std::int64_t k) { return double(k) * std::log(lambda) - lambda - std::lgamma(double(k) + 1); }

// P(Poisson(lambda) > limit), summed term by term so that tiny tails keep their precision.
double poisson_tail(double lambda, std::int64_t limit) {
    double tail = 0;
    for (std::int64_t k = limit + 1;; ++k) {
        const double term = std::exp(log_poisson(lambda, k));
        tail += term;
        if (double(k) > lambda && (term == 0 || term < tail * 1e-17)) return tail;
    }
}

// Regularised lower incomplete gamma P(a, x) by its series (for x < a + 1).
double gamma_p_series(double a, double x) {
    double term = 1 / a, sum = term;
    for (int k = 1; k < 100000 && std::abs(term) > std::abs(sum) * 1e-16; ++k) sum += term *= x / (a + k);
    return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz, x >= a + 1).
double gamma_q_fraction(double a, double x) {
    constexpr double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; ++i) {
        const double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (std::abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1) < 1e-16) break;
    }
    return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double expected_colliding_pairs(std::int64_t n, int bits) {
    check_bits(bits);
    return double(n) * double(n - 1) / std::ldexp(1.0, bits + 1);
}

double expected_max_load(std::int64_t n, int bits) {
    check_bits(bits);
    if (n <= 0) return 0;
    const double m = std::ldexp(1.0, bits), lambda = double(n) / m;
    // Some bucket holds at least ceil(n / m) keys, and far below the mean every bucket exceeds the
    // limit almost surely: each such L adds exactly 1.
    const auto certain = std::int64_t(std::max(std::ceil(lambda), std::floor(lambda - 12 * std::sqrt(lambda) - 12)));
    double expected = double(certain);
    for (std::int64_t limit = certain; limit <= n; ++limit) {
        double below_or_at;
        if (limit == 1) {  // no two keys share a bucket: the birthday product, exactly
            double log_p = 0;
            for (std::int64_t i = 1; i < n; ++i) log_p += std::log1p(-double(i) / m);
            below_or_at = std::exp(log_p);
        } else {
            below_or_at = std::exp(m * std::log1p(-std::min(1.0, poisson_tail(lambda, limit))));
        }
        if (1 - below_or_at < 1e-12) break;
        expected += 1 - below_or_at;
    }
    return expected;
}

LoadStats load_stats(std::span<const std::int64_t> buckets, int bits) {
    check_bits(bits);
    LoadStats s;
    s.n = std::int64_t(buckets.size());
    s.buckets = std::ldexp(1.0, bits);
    std::unordered_map<std::int64_t, std::int64_t> load;
    for (std::int64_t b : buckets) {
        if (b < 0 || double(b) >= s.buckets)
            throw InputError("bucket " + std::to_string(b) + " is outside [0, 2^" + std::to_string(bits) + ")");
        ++load[b];
    }
    s.occupied = std::int64_t(load.size());
    for (const auto& [bucket, count] : load) {
        s.max_load = std::max(s.max_load, count);
        s.colliding_pairs += double(count) * double(count - 1) / 2;
    }
    s.histogram.assign(std::size_t(s.max_load + 1), 0);
    s.histogram[0] = std::int64_t(s.buckets) - s.occupied;
    for (const auto& [bucket, count] : load) ++s.histogram[std::size_t(count)];
    const double p = 1 / s.buckets, n = double(s.n);
    for (std::int64_t l = 0; l <= s.max_load; ++l) {
        const double log_pmf = std::lgamma(n + 1) - std::lgamma(double(l) + 1) - std::lgamma(n - double(l) + 1) +
                               double(l) * std::log(p) + (n - double(l)) * std::log1p(-p);
        s.expected_histogram.push_back(s.buckets * std::exp(log_pmf));
    }
    s.expected_pairs = expected_colliding_pairs(s.n, bits);
    s.expected_occupied = s.buckets * -std::expm1(n * std::log1p(-p));
    s.expected_max_load = expected_max_load(s.n, bits);
    return s;
}

Avalanche avalanche(DigestAlgo algo, const Matrix<float>& x, int bits) {
    check_bits(bits);
    require_finite(x, "vectors");
    Digester digester(algo);
    const std::size_t size = digester.size(), length = std::size_t(x.cols()) * sizeof(float);
    std::vector<std::uint8_t> message(length), base(size), flipped(size);
    std::vector<std::int64_t> output_flips(64, 0);
    std::int64_t flipped_bits = 0, bucket_changes = 0;
    Avalanche a;
    const auto head = [](const std::vector<std::uint8_t>& d) {
        std::uint64_t h = 0;
        for (int i = 0; i < 8; ++i) h = h << 8 | d[std::size_t(i)];
        return h;
    };
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        std::memcpy(message.data(), x.row(i).data(), length);
        digester.digest({}, message, base.data());
        for (std::size_t bit = 0; bit < length * 8; ++bit) {
            message[bit / 8] ^= std::uint8_t(1u << (bit % 8));
            digester.digest({}, message, flipped.data());
            message[bit / 8] ^= std::uint8_t(1u << (bit % 8));
            for (std::size_t byte = 0; byte < size; ++byte) flipped_bits += std::popcount(unsigned(base[byte] ^ flipped[byte]));
            const std::uint64_t diff = head(base) ^ head(flipped);
            for (int o = 0; o < 64; ++o) output_flips[std::size_t(o)] += (diff >> (63 - o)) & 1;
            bucket_changes += leading_bits(head(base), bits) != leading_bits(head(flipped), bits);
            ++a.trials;
        }
    }
    if (a.trials == 0) return a;
    a.mean_flipped_fraction = double(flipped_bits) / (double(a.trials) * double(size * 8));
    for (std::int64_t f : output_flips) a.per_output_bit.push_back(double(f) / double(a.trials));
    a.bucket_change_rate = double(bucket_changes) / double(a.trials);
    return a;
}

double chi_square_sf(double x, double dof) {
    if (x <= 0) return 1;
    const double a = dof / 2, h = x / 2;
    return h < a + 1 ? 1 - gamma_p_series(a, h) : gamma_q_fraction(a, h);
}

ChiSquare chi_square_uniformity(std::span<const std::int64_t> buckets, int bits) {
    check_bits(bits);
    const auto n = std::int64_t(buckets.size());
    if (n < 10) throw InputError("chi-square uniformity needs at least 10 keys (got " + std::to_string(n) + ")");
    ChiSquare c;
    c.bits_used = std::min(bits, int(std::floor(std::log2(double(n) / 5))));
    c.cells = std::int64_t(1) << c.bits_used;
    std::vector<std::int64_t> observed(std::size_t(c.cells), 0);
    for (std::int64_t b : buckets) ++observed[std::size_t(b >> (bits - c.bits_used))];
    const double expected = double(n) / double(c.cells);
    for (std::int64_t o : observed) c.statistic += (double(o) - expected) * (double(o) - expected) / expected;
    c.dof = double(c.cells - 1);
    c.p_value = chi_square_sf(c.statistic, c.dof);
    return c;
}

}  // namespace hashscope
