#include "app/gui/bucket_collisions.hpp"

#include <algorithm>
#include <unordered_set>

#include "core/metrics.hpp"

namespace hashscope::gui {

CollisionStats collision_stats(std::span<const std::int32_t> buckets, int n_buckets,
                               const std::vector<std::vector<std::int32_t>>& truth) {
    const Collisions shared = collisions(buckets, n_buckets);
    CollisionStats s;
    s.pairs = shared.pairs;
    s.expected_uniform = shared.expected_uniform;
    std::unordered_set<std::uint64_t> neighbours;
    for (std::size_t i = 0; i < truth.size() && i < buckets.size(); ++i)
        for (const std::int32_t j : truth[i]) {
            if (j < 0 || std::size_t(j) >= buckets.size() || std::size_t(j) == i) continue;
            const auto lo = std::uint64_t(std::min<std::size_t>(i, std::size_t(j)));
            const auto hi = std::uint64_t(std::max<std::size_t>(i, std::size_t(j)));
            neighbours.insert(lo << 32 | hi);
        }
    std::int64_t together = 0;
    for (const std::uint64_t pair : neighbours)
        together += buckets[std::size_t(pair >> 32)] == buckets[std::size_t(pair & 0xFFFFFFFFu)];
    s.neighbour_pairs = std::int64_t(neighbours.size());
    s.misses = s.neighbour_pairs - together;
    s.false_collisions = s.pairs - together;
    return s;
}

}  // namespace hashscope::gui
