// The toy generators. Draw order is part of the output: changing which number is drawn when
// changes every sequence, so the golden values in tests/test_toy_sequences.cpp pin it.
#include "core/toy_sequences.hpp"

#include <array>
#include <cmath>
#include <locale>
#include <sstream>
#include <utility>

#include "core/random.hpp"

namespace hashscope {
namespace {

constexpr std::array<std::pair<ToyKind, const char*>, 5> kKindNames{{
    {ToyKind::clusters, "clusters"},
    {ToyKind::induction, "induction"},
    {ToyKind::needle, "needle"},
    {ToyKind::uniform, "uniform"},
    {ToyKind::llm_like, "llm_like"},
}};

// For descriptions; the classic locale keeps "0.15" from becoming "0,15" under a GUI's locale.
std::string number(double x) {
    std::ostringstream s;
    s.imbue(std::locale::classic());
    s << x;
    return s.str();
}

void require_at_least(int value, int low, const char* flag) {
    if (value < low)
        throw InputError(std::string(flag) + " must be at least " + std::to_string(low) + ", got " +
                         std::to_string(value));
}

void require_non_negative(double value, const char* flag) {
    if (!std::isfinite(value) || value < 0)
        throw InputError(std::string(flag) + " must be finite and at least 0, got " + number(value));
}

// A standard-normal direction scaled to norm sqrt(d), i.e. entries of unit RMS. The sum is a
// plain sequential loop: a vectorised norm would sum in an order that depends on the SIMD width.
Vector<double> direction(int d, Rng& rng) {
    Vector<double> u(d);
    double square = 0;
    for (int j = 0; j < d; ++j) {
        u(j) = rng.normal();
        square = std::fma(u(j), u(j), square);
    }
    const double scale = std::sqrt(double(d) / square);
    for (int j = 0; j < d; ++j) u(j) *= scale;
    return u;
}

// Row i is base(i, j) + spread * N(0, 1), drawn row by row. The multiply-add is an explicit std::fma
// because the compiler fuses a * b + c only where the CPU has FMA, which would make the output
// depend on -march.
template <class Base>
Matrix<double> around(int rows, int d, double spread, Base base, Rng& rng) {
    Matrix<double> m(rows, d);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < d; ++j) m(i, j) = std::fma(spread, rng.normal(), base(i, j));
    return m;
}

void make_clusters(const ToyParams& p, Rng& rng, ToySequence& s) {
    Matrix<double> centres(p.clusters, p.d);
    for (int c = 0; c < p.clusters; ++c) centres.row(c) = direction(p.d, rng).transpose();
    s.labels.resize(std::size_t(p.n));
    for (auto& label : s.labels) label = int(rng.below(std::uint64_t(p.clusters)));
    const auto centre = [&](int i, int j) { return centres(s.labels[std::size_t(i)], j); };
    s.q = around(p.n, p.d, p.spread, centre, rng);
    s.k = around(p.n, p.d, p.spread, centre, rng);
    s.description = "clusters: " + std::to_string(p.clusters) + " clusters, spread " + number(p.spread);
}

void make_induction(const ToyParams& p, Rng& rng, ToySequence& s) {
    Matrix<double> embedding(p.vocab, p.d);
    for (int t = 0; t < p.vocab; ++t) embedding.row(t) = direction(p.d, rng).transpose();
    const int prefix = (p.n + 1) / 2;
    std::vector<int> tokens(static_cast<std::size_t>(prefix));
    for (auto& t : tokens) t = int(rng.below(std::uint64_t(p.vocab)));
    s.labels.resize(std::size_t(p.n));
    for (int i = 0; i < p.n; ++i) s.labels[std::size_t(i)] = tokens[std::size_t(i % prefix)];

    s.q = around(p.n, p.d, p.spread, [&](int i, int j) { return embedding(s.labels[std::size_t(i)], j); }, rng);
    // The first key has no previous token to carry, so it is plain noise.
    s.k.resize(p.n, p.d);
    s.k.row(0) = normal_matrix<double>(1, p.d, rng);
    s.k.bottomRows(p.n - 1) = around(
        p.n - 1, p.d, p.spread, [&](int i, int j) { return embedding(s.labels[std::size_t(i)], j); }, rng);
    s.description = "induction: " + std::to_string(prefix) + " tokens from a vocabulary of " +
                    std::to_string(p.vocab) + ", repeated; spread " + number(p.spread);
}

void make_needle(const ToyParams& p, Rng& rng, ToySequence& s) {
    const int where = p.needle_position >= 0 ? p.needle_position : int(rng.below(std::uint64_t(p.n)));
    const Vector<double> u = direction(p.d, rng);
    s.k = normal_matrix<double>(p.n, p.d, rng);
    s.k.row(where) = u.transpose();
    const Vector<double> pointer = p.needle_strength * u;
    s.q = around(p.n, p.d, p.spread, [&](int, int j) { return pointer(j); }, rng);
    s.labels.assign(std::size_t(p.n), 0);
    s.labels[std::size_t(where)] = 1;
    s.description = "needle: key " + std::to_string(where) + " planted, strength " + number(p.needle_strength) +
                    ", spread " + number(p.spread);
}

void make_uniform(const ToyParams& p, Rng& rng, ToySequence& s) {
    s.q = normal_matrix<double>(p.n, p.d, rng);
    s.k = normal_matrix<double>(p.n, p.d, rng);
    s.labels.assign(std::size_t(p.n), 0);
    s.description = "uniform: iid standard normal";
}

// Called after the clusters sequence (V included) is drawn, so q, labels and v equal that kind's.
void add_llm_shift(const ToyParams& p, Rng& rng, ToySequence& s) {
    const Vector<double> mean = direction(p.d, rng);
    Vector<double> outlier = Vector<double>::Zero(p.d);
    // Partial Fisher-Yates: the first outlier_dims entries become distinct random channels.
    std::vector<int> dims(static_cast<std::size_t>(p.d));
    for (int j = 0; j < p.d; ++j) dims[std::size_t(j)] = j;
    for (int o = 0; o < p.outlier_dims; ++o) {
        const auto pick = std::size_t(o) + std::size_t(rng.below(std::uint64_t(p.d - o)));
        std::swap(dims[std::size_t(o)], dims[pick]);
        outlier(dims[std::size_t(o)]) = rng.below(2) ? p.outlier_scale : -p.outlier_scale;
    }
    Vector<double> shift(p.d);
    for (int j = 0; j < p.d; ++j) shift(j) = std::fma(p.mean_scale, mean(j), outlier(j));
    s.k.rowwise() += shift.transpose();
    s.description = "llm_like: " + std::to_string(p.clusters) + " clusters, spread " + number(p.spread) +
                    ", keys shifted by a mean of scale " + number(p.mean_scale) + " and " +
                    std::to_string(p.outlier_dims) + " outlier channels of " + number(p.outlier_scale);
}

}  // namespace

void check_toy_params(const ToyParams& p) {
    require_at_least(p.n, 1, "--n");
    require_at_least(p.d, 1, "--d");
    require_at_least(p.dv, 1, "--dv");
    require_non_negative(p.spread, "--spread");
    // Parameters of other kinds are not checked: the app keeps them while the user switches kinds.
    switch (p.kind) {
        case ToyKind::llm_like:
            require_non_negative(p.mean_scale, "--mean-scale");
            if (p.outlier_dims < 0 || p.outlier_dims > p.d)
                throw InputError("--outlier-dims must be in [0, d = " + std::to_string(p.d) + "], got " +
                                 std::to_string(p.outlier_dims));
            require_non_negative(p.outlier_scale, "--outlier-scale");
            [[fallthrough]];
        case ToyKind::clusters: require_at_least(p.clusters, 1, "--clusters"); break;
        case ToyKind::induction: require_at_least(p.vocab, 1, "--vocab"); break;
        case ToyKind::needle:
            if (p.needle_position < -1 || p.needle_position >= p.n)
                throw InputError("--needle-position must be -1 (drawn) or in [0, n = " + std::to_string(p.n) +
                                 "), got " + std::to_string(p.needle_position));
            if (!std::isfinite(p.needle_strength))
                throw InputError("--needle-strength must be finite, got " + number(p.needle_strength));
            break;
        case ToyKind::uniform: break;
    }
}

ToySequence make_toy_sequence(const ToyParams& p) {
    check_toy_params(p);
    Rng rng(p.seed);
    ToySequence s;
    switch (p.kind) {
        case ToyKind::clusters:
        case ToyKind::llm_like: make_clusters(p, rng, s); break;
        case ToyKind::induction: make_induction(p, rng, s); break;
        case ToyKind::needle: make_needle(p, rng, s); break;
        case ToyKind::uniform: make_uniform(p, rng, s); break;
    }
    s.v = normal_matrix<double>(p.n, p.dv, rng);
    if (p.kind == ToyKind::llm_like) add_llm_shift(p, rng, s);
    s.description += "; n " + std::to_string(p.n) + ", d " + std::to_string(p.d) + ", dv " + std::to_string(p.dv) +
                     ", seed " + std::to_string(p.seed);
    return s;
}

const char* toy_kind_name(ToyKind kind) {
    for (const auto& [k, name] : kKindNames)
        if (k == kind) return name;
    return "unknown";
}

std::optional<ToyKind> parse_toy_kind(std::string_view name) {
    for (const auto& [k, kind_name] : kKindNames)
        if (name == kind_name) return k;
    return std::nullopt;
}

}  // namespace hashscope
