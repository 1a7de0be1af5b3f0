#include "core/hamming_topk.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace hashscope {
namespace {

// Distances from one query code to keys [0, visible), into `out`; one-word codes (b <= 32, the
// common case) get a loop the compiler vectorises.
void distances_to(const PackedCodes& keys, const std::uint32_t* q, int visible, std::uint8_t* out) {
    const int words = keys.words_per_row;
    if (words == 1) {
        const std::uint32_t q0 = q[0];
        const std::uint32_t* k = keys.words.data();
        for (int j = 0; j < visible; ++j) out[j] = std::uint8_t(std::popcount(q0 ^ k[j]));
        return;
    }
    for (int j = 0; j < visible; ++j) out[j] = std::uint8_t(hamming_distance(q, keys.row(j), words));
}

// Calls f(j), in increasing j, for each j in [begin, end) with distance[j] <= threshold. Most
// candidates are farther (about top / n are kept), so with distances below 128 eight of them are
// tested in one 64-bit addition: byte x + (127 - threshold) stays below 128, leaving its high bit
// clear, exactly when x <= threshold, and no byte carries into the next.
template <class F>
void for_each_within(const std::uint8_t* distance, int begin, int end, int threshold, int bits, const F& f) {
    constexpr std::uint64_t ones = ~std::uint64_t(0) / 255, highs = ones * 128;
    int j = begin;
    if (bits < 128) {
        const std::uint64_t offset = ones * std::uint64_t(127 - threshold);
        for (; j + 8 <= end; j += 8) {
            std::uint64_t word;
            std::memcpy(&word, distance + j, sizeof word);
            for (std::uint64_t within = ~(word + offset) & highs; within; within &= within - 1)
                f(j + std::countr_zero(within) / 8);
        }
    }
    for (; j < end; ++j)
        if (distance[j] <= threshold) f(j);
}

// Counts of each distance among `count` candidates, in four interleaved partial histograms so that
// consecutive increments do not wait on one another.
void candidate_histogram(const std::uint8_t* distance, int count, std::vector<int>& histogram) {
    std::array<std::array<int, 256>, 4> part{};
    int j = 0;
    for (; j + 4 <= count; j += 4)
        for (int p = 0; p < 4; ++p) ++part[std::size_t(p)][distance[j + p]];
    for (; j < count; ++j) ++part[0][distance[j]];
    for (std::size_t d = 0; d < histogram.size(); ++d) histogram[d] = part[0][d] + part[1][d] + part[2][d] + part[3][d];
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
    const int nq = queries.rows, nk = keys.rows, bits = keys.bits;
    HammingTopKTrace t;
    t.queries = nq;
    t.keys = nk;
    t.bits = bits;
    t.selected.resize(std::size_t(nq));
    t.threshold.assign(std::size_t(nq), -1);
    t.forced.assign(std::size_t(nq), 0);
    t.visible.assign(std::size_t(nq), 0);
    if (o.trace_distances) t.distances.assign(std::size_t(nq) * std::size_t(nk), 255);

    std::vector<std::uint8_t> distance(static_cast<std::size_t>(nk));
    std::vector<int> histogram(static_cast<std::size_t>(bits) + 1), slot(static_cast<std::size_t>(bits) + 1);
    for (int i = 0; i < nq; ++i) {
        const int visible = o.causal ? i + (nk - nq) + 1 : nk;
        distances_to(keys, queries.row(i), visible, distance.data());
        if (o.trace_distances) std::copy_n(distance.data(), visible, t.distances.data() + std::size_t(i) * nk);

        // Always-kept keys: [0, sink_end) and [window_start, visible); candidates lie between.
        const int sink_end = std::min(o.sinks, visible);
        const int window_start = std::max(sink_end, visible - o.window);
        const int forced = sink_end + (visible - window_start);
        const int budget = std::min(o.top, visible) - forced;

        candidate_histogram(distance.data() + sink_end, window_start - sink_end, histogram);
        // Threshold: the smallest distance t whose cumulative count reaches the budget.
        int threshold = -1, below = 0;
        if (budget > 0) {
            threshold = 0;
            while (below + histogram[std::size_t(threshold)] < budget) below += histogram[std::size_t(threshold++)];
        }
        int take_at_threshold = budget - below;  // candidates at exactly `threshold`, in position order

        // Kept keys per distance (candidates nearer than the threshold, the ones taken at it, the
        // always-kept keys), then each key placed at its distance's next slot in position order:
        // a counting sort by (distance, position).
        for (int d = std::max(threshold, 0); d <= bits; ++d) histogram[std::size_t(d)] = 0;
        if (threshold >= 0) histogram[std::size_t(threshold)] = take_at_threshold;
        for (int j = 0; j < sink_end; ++j) ++histogram[distance[std::size_t(j)]];
        for (int j = window_start; j < visible; ++j) ++histogram[distance[std::size_t(j)]];
        for (int d = 0, offset = 0; d <= bits; ++d) {
            slot[std::size_t(d)] = offset;
            offset += histogram[std::size_t(d)];
        }
        auto& row = t.selected[std::size_t(i)];
        row.resize(std::size_t(forced + budget));
        const auto place = [&](int j) { row[std::size_t(slot[distance[std::size_t(j)]]++)] = j; };
        for (int j = 0; j < sink_end; ++j) place(j);
        // Candidates within the threshold, in position order; at the threshold only the first
        // `take_at_threshold` of them.
        if (threshold >= 0)
            for_each_within(distance.data(), sink_end, window_start, threshold, bits, [&](int j) {
                if (distance[std::size_t(j)] == threshold) {
                    if (take_at_threshold == 0) return;
                    --take_at_threshold;
                }
                place(j);
            });
        for (int j = window_start; j < visible; ++j) place(j);
        t.threshold[std::size_t(i)] = threshold;
        t.forced[std::size_t(i)] = forced;
        t.visible[std::size_t(i)] = visible;
    }
    return t;
}

}  // namespace hashscope
