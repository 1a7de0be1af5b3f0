// How a round's buckets agree with the true neighbours, for the Buckets view: pairs that share a
// bucket without being neighbours ("false collisions", work wasted) and neighbours split apart
// ("misses", attention lost). A neighbour pair is one where either token is among the other's true
// top-k keys by dense attention weight.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hashscope::gui {

struct CollisionStats {
    std::int64_t pairs = 0;             // unordered pairs sharing a bucket
    double expected_uniform = 0.0;      // `pairs` expected for uniformly random buckets
    std::int64_t neighbour_pairs = 0;   // unordered neighbour pairs
    std::int64_t false_collisions = 0;  // pairs sharing a bucket that are not neighbours
    std::int64_t misses = 0;            // neighbour pairs in different buckets
};

// `truth[i]` lists token i's true top-k keys (positions; i itself is ignored).
CollisionStats collision_stats(std::span<const std::int32_t> buckets, int n_buckets,
                               const std::vector<std::vector<std::int32_t>>& truth);

}  // namespace hashscope::gui
