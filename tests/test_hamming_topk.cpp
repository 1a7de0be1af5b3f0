// Hamming top-k selection against the brute-force oracle (full sort by (distance, position)), a
// hand-worked example, the trace, and refusal of bad budgets; the same for a group's shared selection.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/hamming_topk.hpp"
#include "core/random.hpp"
#include "reference/reference_hamming.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;

// Random 0/1 codes, both packed for core and unpacked for the oracle.
struct Codes {
    PackedCodes packed;
    ref::Bits bits;
};

Codes random_codes(int rows, int bits, Rng& rng) {
    Matrix<double> signs(rows, bits);
    Codes c;
    for (int i = 0; i < rows; ++i) {
        std::vector<int> row;
        for (int b = 0; b < bits; ++b) {
            const int bit = int(rng.below(2));
            row.push_back(bit);
            signs(i, b) = bit ? 1.0 : -1.0;
        }
        c.bits.push_back(row);
    }
    c.packed = pack_signs(signs);
    return c;
}

// Keys 0..5 as 4-bit codes (bit 0 first) against the query 0000:
//   key:      0    1    2    3    4    5
//   bits:   1100 0000 1000 1111 0100 1110
//   distance: 2    0    1    4    1    3
// top 3, no sinks/window: distances 0, 1, 1 -> keys 1, 2, 4; threshold 1.
// top 3, sinks 1: key 0 forced (d 2); two more: 1, 2 (distance 1, lower position wins over 4)
//   -> sorted by (distance, position): 1, 2, 0.
// top 4, window 2: keys 4, 5 forced; two more among 0..3: 1, 2 -> order 1, 2, 4, 5.
TEST(HammingTopK, HandWorked) {
    Matrix<double> k(6, 4), q(1, 4);
    k << 1, 1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, 1, 1, 1, 1, -1, 1, -1, -1, 1, 1, 1, -1;
    q << -1, -1, -1, -1;
    const auto kc = pack_signs(k), qc = pack_signs(q);
    auto t = hamming_topk(qc, kc, {.top = 3, .trace_distances = true});
    EXPECT_EQ(t.selected[0], (std::vector<std::int32_t>{1, 2, 4}));
    EXPECT_EQ(t.threshold[0], 1);
    EXPECT_EQ(t.forced[0], 0);
    EXPECT_EQ(t.distances, (std::vector<std::uint8_t>{2, 0, 1, 4, 1, 3}));
    t = hamming_topk(qc, kc, {.top = 3, .sinks = 1});
    EXPECT_EQ(t.selected[0], (std::vector<std::int32_t>{1, 2, 0}));
    EXPECT_EQ(t.forced[0], 1);
    t = hamming_topk(qc, kc, {.top = 4, .window = 2});
    EXPECT_EQ(t.selected[0], (std::vector<std::int32_t>{1, 2, 4, 5}));
    EXPECT_EQ(t.threshold[0], 1);
}

struct Case {
    int nq, nk, bits, top, sinks, window;
    bool causal;
};

TEST(HammingTopK, MatchesBruteForce) {
    Rng rng(7);
    const Case cases[] = {
        {1, 200, 32, 10, 0, 0, false},  {1, 300, 4, 40, 0, 0, false},   {5, 120, 8, 12, 2, 3, false},
        {40, 40, 6, 8, 1, 2, true},     {30, 50, 40, 9, 0, 4, true},     {20, 64, 64, 16, 4, 0, true},
        {3, 100, 96, 25, 5, 5, false},  {64, 64, 3, 64, 0, 0, true},     {10, 30, 1, 5, 2, 2, false},    {6, 90, 160, 20, 1, 1, true},
        {4, 77, 127, 9, 0, 0, false},   {4, 77, 128, 9, 0, 3, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE("nq=" + std::to_string(c.nq) + " nk=" + std::to_string(c.nk) + " bits=" + std::to_string(c.bits) +
                     " top=" + std::to_string(c.top) + " sinks=" + std::to_string(c.sinks) +
                     " window=" + std::to_string(c.window) + " causal=" + std::to_string(c.causal));
        const Codes q = random_codes(c.nq, c.bits, rng), k = random_codes(c.nk, c.bits, rng);
        const auto t = hamming_topk(q.packed, k.packed,
                                    {.top = c.top, .sinks = c.sinks, .window = c.window, .causal = c.causal,
                                     .trace_distances = true});
        const auto want = ref::hamming_topk(q.bits, k.bits, c.top, c.sinks, c.window, c.causal);
        ASSERT_EQ(t.selected.size(), want.size());
        for (int i = 0; i < c.nq; ++i) {
            ASSERT_EQ(t.selected[std::size_t(i)], want[std::size_t(i)]) << "query " << i;
            for (int j = 0; j < t.visible[std::size_t(i)]; ++j)
                ASSERT_EQ(t.distances[std::size_t(i) * std::size_t(c.nk) + std::size_t(j)],
                          ref::hamming(q.bits[std::size_t(i)], k.bits[std::size_t(j)]));
        }
    }
}

TEST(HammingTopK, ThresholdIsTheFarthestCodePick) {
    Rng rng(3);
    const Codes q = random_codes(8, 16, rng), k = random_codes(500, 16, rng);
    const auto t = hamming_topk(q.packed, k.packed, {.top = 20, .sinks = 2, .window = 2, .trace_distances = true});
    for (int i = 0; i < 8; ++i) {
        int farthest = -1, nearer_left_out = 0;
        for (int j : t.selected[std::size_t(i)])
            if (j >= 2 && j < 498) farthest = std::max(farthest, int(t.distances[std::size_t(i) * 500 + std::size_t(j)]));
        EXPECT_EQ(t.threshold[std::size_t(i)], farthest);
        for (int j = 2; j < 498; ++j) {
            const bool kept = std::find(t.selected[std::size_t(i)].begin(), t.selected[std::size_t(i)].end(), j) !=
                              t.selected[std::size_t(i)].end();
            if (!kept && t.distances[std::size_t(i) * 500 + std::size_t(j)] < farthest) ++nearer_left_out;
        }
        EXPECT_EQ(nearer_left_out, 0);
        EXPECT_EQ(t.forced[std::size_t(i)], 4);
    }
}

// Two heads over the hand-worked keys above: head A's query 0000 (distances 2 0 1 4 1 3) and head
// B's 0011 (bit 0 first; distances 4 2 3 2 3 3) sum to 6 2 4 6 4 6. top 3 shares keys 1, 2, 4
// (threshold 4), where B alone would keep 1, 3, 2; top 2 keeps 1 and, of the tie at 4, key 2.
TEST(HammingTopK, SharedSelectionSumsTheGroupsDistances) {
    Matrix<double> k(6, 4), a(1, 4), b(1, 4);
    k << 1, 1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, 1, 1, 1, 1, -1, 1, -1, -1, 1, 1, 1, -1;
    a << -1, -1, -1, -1;
    b << -1, -1, 1, 1;
    const auto kc = pack_signs(k);
    const std::vector<PackedCodes> group = {pack_signs(a), pack_signs(b)};
    auto t = shared_hamming_topk(group, kc, {.top = 3, .trace_distances = true});
    EXPECT_EQ(t.selected[0], (std::vector<std::int32_t>{1, 2, 4}));
    EXPECT_EQ(t.threshold[0], 4);
    EXPECT_EQ(t.distances, (std::vector<std::uint8_t>{6, 2, 4, 6, 4, 6}));
    EXPECT_EQ(hamming_topk(group[1], kc, {.top = 3}).selected[0], (std::vector<std::int32_t>{1, 3, 2}));
    t = shared_hamming_topk(group, kc, {.top = 2});
    EXPECT_EQ(t.selected[0], (std::vector<std::int32_t>{1, 2}));
}

struct SharedCase {
    int heads, nq, nk, bits, top, sinks, window;
    bool causal;
};

// Against the oracle's summed distances; 8 x 32 and 7 x 40 bits pass 254 (two-byte distances),
// 4 x 3 bits ties everywhere, one head is plain hamming_topk.
TEST(HammingTopK, SharedSelectionMatchesBruteForce) {
    Rng rng(11);
    const SharedCase cases[] = {
        {1, 5, 120, 8, 12, 2, 3, false}, {2, 30, 50, 32, 9, 0, 4, true}, {4, 20, 200, 32, 16, 4, 4, false},
        {4, 64, 64, 3, 20, 1, 0, true},  {8, 6, 300, 32, 30, 2, 2, false}, {7, 10, 90, 40, 20, 1, 1, true},
        {3, 4, 77, 64, 9, 0, 3, false},
    };
    for (const SharedCase& c : cases) {
        SCOPED_TRACE("heads=" + std::to_string(c.heads) + " nq=" + std::to_string(c.nq) + " nk=" + std::to_string(c.nk) +
                     " bits=" + std::to_string(c.bits) + " top=" + std::to_string(c.top));
        std::vector<PackedCodes> group;
        std::vector<ref::Bits> group_bits;
        for (int h = 0; h < c.heads; ++h) {
            Codes q = random_codes(c.nq, c.bits, rng);
            group.push_back(std::move(q.packed));
            group_bits.push_back(std::move(q.bits));
        }
        const Codes k = random_codes(c.nk, c.bits, rng);
        const bool traced = c.heads * c.bits <= 254;
        const auto t = shared_hamming_topk(
            group, k.packed, {.top = c.top, .sinks = c.sinks, .window = c.window, .causal = c.causal, .trace_distances = traced});
        const auto want = ref::shared_hamming_topk(group_bits, k.bits, c.top, c.sinks, c.window, c.causal);
        ASSERT_EQ(t.selected, want);
        if (c.heads == 1) {
            const HammingTopKOptions alone{.top = c.top, .sinks = c.sinks, .window = c.window, .causal = c.causal};
            EXPECT_EQ(t.selected, hamming_topk(group[0], k.packed, alone).selected);
        }
        if (!traced) continue;
        for (int i = 0; i < c.nq; ++i)
            for (int j = 0; j < t.visible[std::size_t(i)]; ++j) {
                int sum = 0;
                for (const auto& q : group_bits) sum += ref::hamming(q[std::size_t(i)], k.bits[std::size_t(j)]);
                ASSERT_EQ(t.distances[std::size_t(i) * std::size_t(c.nk) + std::size_t(j)], sum);
            }
    }
}

TEST(HammingTopK, SharedSelectionRefusesBadGroups) {
    Rng rng(2);
    const Codes k = random_codes(10, 32, rng), q = random_codes(4, 32, rng), short_q = random_codes(3, 32, rng),
                q16 = random_codes(4, 16, rng);
    EXPECT_THROW(shared_hamming_topk({}, k.packed, {.top = 4}), InputError);
    EXPECT_THROW(shared_hamming_topk({q.packed, short_q.packed}, k.packed, {.top = 4}), InputError);
    EXPECT_THROW(shared_hamming_topk({q.packed, q16.packed}, k.packed, {.top = 4}), InputError);
    EXPECT_THROW(shared_hamming_topk({q.packed, q.packed}, k.packed, {.top = 11}), InputError);
    const std::vector<PackedCodes> eight(8, q.packed);
    EXPECT_THROW(shared_hamming_topk(eight, k.packed, {.top = 4, .trace_distances = true}), InputError);
    EXPECT_NO_THROW(shared_hamming_topk(eight, k.packed, {.top = 4}));
    const Codes wide_k = random_codes(4, 254, rng), wide_q = random_codes(1, 254, rng);
    EXPECT_THROW(shared_hamming_topk(std::vector<PackedCodes>(259, wide_q.packed), wide_k.packed, {.top = 2}), InputError);
}

TEST(HammingTopK, RefusesBadBudgets) {
    Rng rng(1);
    const Codes q = random_codes(4, 32, rng), k = random_codes(10, 32, rng), k16 = random_codes(10, 16, rng);
    EXPECT_THROW(hamming_topk(q.packed, k.packed, {.top = 11}), InputError);
    EXPECT_THROW(hamming_topk(q.packed, k.packed, {.top = 0}), InputError);
    EXPECT_THROW(hamming_topk(q.packed, k.packed, {.top = 4, .sinks = 3, .window = 2}), InputError);
    EXPECT_THROW(hamming_topk(q.packed, k.packed, {.top = 4, .sinks = -1}), InputError);
    EXPECT_THROW(hamming_topk(q.packed, k16.packed, {.top = 4}), InputError);
    const Codes many = random_codes(11, 32, rng);
    EXPECT_THROW(hamming_topk(many.packed, k.packed, {.top = 4, .causal = true}), InputError);
}

}  // namespace
