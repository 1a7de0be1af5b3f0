#include "core/hamming_topk.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace hashscope {
namespace {

// Distances from query i's codes (one row per head of the group; their sum when several) to keys
// [0, visible), into `out`. One-word codes (b <= 32, the common case) get loops the compiler
// vectorises.
template <class D>
void distances_to(const PackedCodes& keys, const std::vector<const PackedCodes*>& group, int i, int visible, D* out) {
    const int words = keys.words_per_row;
    if (words == 1) {
        const std::uint32_t* k = keys.words.data();
        const std::uint32_t q0 = group[0]->row(i)[0];
        for (int j = 0; j < visible; ++j) out[j] = D(std::popcount(q0 ^ k[j]));
        for (std::size_t g = 1; g < group.size(); ++g) {
            const std::uint32_t qg = group[g]->row(i)[0];
            for (int j = 0; j < visible; ++j) out[j] = D(out[j] + std::popcount(qg ^ k[j]));
        }
        return;
    }
    for (int j = 0; j < visible; ++j) {
        int sum = 0;
        for (const PackedCodes* q : group) sum += hamming_distance(q->row(i), keys.row(j), words);
        out[j] = D(sum);
    }
}

// Calls f(j), in increasing j, for each j in [begin, end) with distance[j] <= threshold. Most
// candidates are farther (about top / n are kept), so while distances stay below half the lane's
// range, 8 / sizeof(D) of them are tested in one 64-bit addition: lane x + (half - 1 - threshold)
// stays below half, leaving its high bit clear, exactly when x <= threshold, and no lane carries
// into the next.
template <class D, class F>
void for_each_within(const D* distance, int begin, int end, int threshold, int max_distance, const F& f) {
    constexpr int lane_bits = 8 * sizeof(D), lanes = 8 / sizeof(D);
    constexpr std::uint64_t half = std::uint64_t(1) << (lane_bits - 1);
    constexpr std::uint64_t ones = ~std::uint64_t(0) / (2 * half - 1), highs = ones * half;
    int j = begin;
    if (std::uint64_t(max_distance) < half) {
        const std::uint64_t offset = ones * (half - 1 - std::uint64_t(threshold));
        for (; j + lanes <= end; j += lanes) {
            std::uint64_t word;
            std::memcpy(&word, distance + j, sizeof word);
            for (std::uint64_t within = ~(word + offset) & highs; within; within &= within - 1)
                f(j + std::countr_zero(within) / lane_bits);
        }
    }
    for (; j < end; ++j)
        if (distance[j] <= threshold) f(j);
}

// One query's selection from its distance row; the buffers live across queries.
template <class D>
class RowSelector {
public:
    RowSelector(int keys, int max_distance)
        : max_distance_(max_distance), distance_(std::size_t(keys)), histogram_(std::size_t(max_distance) + 1),
          slot_(histogram_.size()), part_(4 * histogram_.size()) {}

    D* distances() { return distance_.data(); }

    // Keeps the always-kept keys and the nearest others of the `visible` keys as the header says:
    // the row nearest first; returns the threshold and the count of always-kept keys.
    void select(int visible, const HammingTopKOptions& o, std::vector<std::int32_t>& row, int& threshold, int& forced) {
        const D* distance = distance_.data();
        // Always-kept keys: [0, sink_end) and [window_start, visible); candidates lie between.
        const int sink_end = std::min(o.sinks, visible);
        const int window_start = std::max(sink_end, visible - o.window);
        forced = sink_end + (visible - window_start);
        const int budget = std::min(o.top, visible) - forced;

        candidate_histogram(sink_end, window_start);
        // Threshold: the smallest distance t whose cumulative count reaches the budget.
        int below = 0;
        threshold = -1;
        if (budget > 0) {
            threshold = 0;
            while (below + histogram_[std::size_t(threshold)] < budget) below += histogram_[std::size_t(threshold++)];
        }
        int take_at_threshold = budget - below;  // candidates at exactly `threshold`, in position order

        // Kept keys per distance (candidates nearer than the threshold, the ones taken at it, the
        // always-kept keys), then each key placed at its distance's next slot in position order:
        // a counting sort by (distance, position).
        for (int d = std::max(threshold, 0); d <= max_distance_; ++d) histogram_[std::size_t(d)] = 0;
        if (threshold >= 0) histogram_[std::size_t(threshold)] = take_at_threshold;
        for (int j = 0; j < sink_end; ++j) ++histogram_[distance[j]];
        for (int j = window_start; j < visible; ++j) ++histogram_[distance[j]];
        for (int d = 0, offset = 0; d <= max_distance_; ++d) {
            slot_[std::size_t(d)] = offset;
            offset += histogram_[std::size_t(d)];
        }
        row.resize(std::size_t(forced + budget));
        const auto place = [&](int j) { row[std::size_t(slot_[distance[j]]++)] = j; };
        for (int j = 0; j < sink_end; ++j) place(j);
        // Candidates within the threshold, in position order; at the threshold only the first
        // `take_at_threshold` of them.
        if (threshold >= 0)
            for_each_within(distance, sink_end, window_start, threshold, max_distance_, [&](int j) {
                if (distance[j] == D(threshold)) {
                    if (take_at_threshold == 0) return;
                    --take_at_threshold;
                }
                place(j);
            });
        for (int j = window_start; j < visible; ++j) place(j);
    }

private:
    // Counts of each distance among candidates [begin, end), in four interleaved partial histograms
    // so that consecutive increments do not wait on one another.
    void candidate_histogram(int begin, int end) {
        const std::size_t bins = histogram_.size();
        std::fill(part_.begin(), part_.end(), 0);
        const D* distance = distance_.data();
        int j = begin;
        for (; j + 4 <= end; j += 4)
            for (int p = 0; p < 4; ++p) ++part_[std::size_t(p) * bins + distance[j + p]];
        for (; j < end; ++j) ++part_[distance[j]];
        for (std::size_t d = 0; d < bins; ++d)
            histogram_[d] = part_[d] + part_[bins + d] + part_[2 * bins + d] + part_[3 * bins + d];
    }

    int max_distance_;
    std::vector<D> distance_;
    std::vector<int> histogram_, slot_, part_;
};

template <class D>
HammingTopKTrace select_all(const std::vector<const PackedCodes*>& group, const PackedCodes& keys, int max_distance,
                            const HammingTopKOptions& o) {
    const int nq = group[0]->rows, nk = keys.rows;
    HammingTopKTrace t;
    t.queries = nq;
    t.keys = nk;
    t.bits = keys.bits;
    t.selected.resize(std::size_t(nq));
    t.threshold.assign(std::size_t(nq), -1);
    t.forced.assign(std::size_t(nq), 0);
    t.visible.assign(std::size_t(nq), 0);
    if (o.trace_distances) t.distances.assign(std::size_t(nq) * std::size_t(nk), 255);
    RowSelector<D> selector(nk, max_distance);
    for (int i = 0; i < nq; ++i) {
        const int visible = o.causal ? i + (nk - nq) + 1 : nk;
        distances_to(keys, group, i, visible, selector.distances());
        if (o.trace_distances)
            std::copy_n(selector.distances(), visible, t.distances.data() + std::size_t(i) * std::size_t(nk));
        selector.select(visible, o, t.selected[std::size_t(i)], t.threshold[std::size_t(i)], t.forced[std::size_t(i)]);
        t.visible[std::size_t(i)] = visible;
    }
    return t;
}

}  // namespace

void check_hamming_topk(const PackedCodes& queries, const PackedCodes& keys, const HammingTopKOptions& o) {
    if (queries.bits != keys.bits)
        throw InputError("hamming top-k: query codes have " + std::to_string(queries.bits) + " bits but key codes " +
                         std::to_string(keys.bits));
    if (keys.bits < 1 || keys.bits > 254)
        throw InputError("hamming top-k: codes must have 1 to 254 bits, got " + std::to_string(keys.bits));
    if (o.top < 1) throw InputError("--top must be at least 1, got " + std::to_string(o.top));
    if (o.top > keys.rows)
        throw InputError("--top " + std::to_string(o.top) + " exceeds the number of keys (" + std::to_string(keys.rows) +
                         ")");
    if (o.sinks < 0) throw InputError("--sinks must be >= 0, got " + std::to_string(o.sinks));
    if (o.window < 0) throw InputError("--window must be >= 0, got " + std::to_string(o.window));
    if (std::int64_t(o.sinks) + o.window > o.top)
        throw InputError("--sinks " + std::to_string(o.sinks) + " + --window " + std::to_string(o.window) +
                         " exceed the budget --top " + std::to_string(o.top));
    if (o.causal && queries.rows > keys.rows)
        throw InputError("hamming top-k: causal mask needs at least as many keys (" + std::to_string(keys.rows) +
                         ") as queries (" + std::to_string(queries.rows) + ")");
}

HammingTopKTrace hamming_topk(const PackedCodes& queries, const PackedCodes& keys, const HammingTopKOptions& o) {
    check_hamming_topk(queries, keys, o);
    return select_all<std::uint8_t>({&queries}, keys, keys.bits, o);
}

HammingTopKTrace shared_hamming_topk(const std::vector<PackedCodes>& group, const PackedCodes& keys,
                                     const HammingTopKOptions& o) {
    if (group.empty()) throw InputError("shared hamming top-k: the group has no query heads");
    std::vector<const PackedCodes*> heads;
    for (const PackedCodes& queries : group) {
        check_hamming_topk(queries, keys, o);
        if (queries.rows != group[0].rows)
            throw InputError("shared hamming top-k: the group's query heads have " + std::to_string(group[0].rows) + " and " +
                             std::to_string(queries.rows) + " queries");
        heads.push_back(&queries);
    }
    const std::int64_t max_distance = std::int64_t(group.size()) * keys.bits;
    if (max_distance > 65535)
        throw InputError("shared hamming top-k: " + std::to_string(group.size()) + " heads x " + std::to_string(keys.bits) +
                         " bits exceed the summed distances it counts (65535)");
    if (max_distance <= 254) return select_all<std::uint8_t>(heads, keys, int(max_distance), o);
    if (o.trace_distances)
        throw InputError("shared hamming top-k: the distance trace holds distances up to 254, not " +
                         std::to_string(max_distance));
    return select_all<std::uint16_t>(heads, keys, int(max_distance), o);
}

}  // namespace hashscope
