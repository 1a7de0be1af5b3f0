// Seeded toy Q/K/V sequences for the lab: small, understandable patterns on which the hash methods
// visibly succeed or fail. Only hashscope::Rng is used, so a seed gives the same numbers on every
// platform, and a screenshot or a bug report can be reproduced from its parameters alone.
//
// Every vector has entries of order 1 (norm about sqrt(d)), so a matching query-key pair has a
// dense logit q.k / sqrt(d) of about sqrt(d) against about N(0, 1) for an unrelated pair: matches
// stand out in the softmax. V is iid standard normal [n, dv] for every kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/matrix.hpp"

namespace hashscope {

enum class ToyKind {
    // Gaussian clusters: `clusters` centres of norm sqrt(d) in random directions, each token's q and
    // k drawn around the same centre with per-entry noise `spread` (so `spread` is the noise norm
    // relative to the centre norm). Labels are the clusters, which good buckets reproduce.
    clusters,
    // A random prefix of ceil(n/2) tokens from `vocab` (unit-RMS embeddings), repeated. q_i embeds
    // token i, k_j token j-1 (k_0 is noise), so a query in the copy matches the key after the previous
    // occurrence of its token, as an induction head does. Labels are the token ids; noise `spread`.
    induction,
    // Noise keys and one planted key (label 1, at `needle_position`, else drawn from the seed) that
    // every query points at with weight `needle_strength` plus noise `spread`; the rest is noise.
    needle,
    // q, k iid standard normal: no structure at all. Labels are 0.
    uniform,
    // Real-LLM-like keys: clusters with one vector added to every key, a mean of norm mean_scale *
    // sqrt(d) plus +-outlier_scale on `outlier_dims` channels. Softmax ignores a shared shift, so dense
    // attention equals clusters', but all keys point one way and SimHash puts them in one bucket.
    llm_like,
};

struct ToyParams {
    ToyKind kind = ToyKind::clusters;
    int n = 256;   // tokens
    int d = 64;    // q/k width
    int dv = 64;   // v width
    int clusters = 4;
    double spread = 0.15;
    std::uint64_t seed = 1;
    int vocab = 512;                // induction
    int needle_position = -1;       // needle; -1 draws it from the seed
    double needle_strength = 1.0;   // needle
    double mean_scale = 4.0;        // llm_like
    int outlier_dims = 2;           // llm_like
    double outlier_scale = 40.0;    // llm_like
};

struct ToySequence {
    Matrix<double> q, k, v;   // [n, d], [n, d], [n, dv]
    std::vector<int> labels;  // [n]: cluster, token id or planted role, by kind
    std::string description;  // one line naming the kind and its parameters
};

// Throws InputError naming the parameter (as its --flag) that is out of range; parameters that
// the chosen kind does not use are not checked.
void check_toy_params(const ToyParams& params);

ToySequence make_toy_sequence(const ToyParams& params);

const char* toy_kind_name(ToyKind kind);
std::optional<ToyKind> parse_toy_kind(std::string_view name);

}  // namespace hashscope
