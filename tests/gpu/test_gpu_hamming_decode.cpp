// The Hamming top-k decode kernels against a reference written here from the definition: sinks
// and window always kept, then the k nearest middle positions by Hamming distance, ties to the
// lower position; attention over exactly those rows in float64 on the same bf16-rounded inputs.
// Selected lists (ascending) must be equal; outputs within 2e-2. Shapes cover n = 1, n off the
// 2048-position selection tile, 64-bit codes, grouped-query heads, codes with massive ties (ranked
// across dozens of selection blocks at n = 100000), k past the middle, k = 0, and selections
// shared by a group (summed distances; core's shared_hamming_topk).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "gpu_support.hpp"

namespace {

using namespace hashscope;

SimHashCodes random_codes(int rows, int words, std::uint32_t mask, Rng& rng) {
    SimHashCodes c;
    c.rows = rows, c.bits = 32 * words, c.words_per_row = words;
    for (int i = 0; i < rows * words; ++i) c.words.push_back(std::uint32_t(rng.next_u64()) & mask);
    return c;
}

// The selection of the query codes `queries` (one, or a shared selection's group: distances summed).
std::vector<std::int32_t> reference_selection(const std::vector<const std::uint32_t*>& queries, const SimHashCodes& keys,
                                              int k, int sinks, int window) {
    const int n = keys.rows, begin = std::min(sinks, n), end = std::max(begin, n - window);
    std::vector<std::pair<int, int>> middle;  // (distance, position)
    std::vector<std::int32_t> chosen;
    for (int j = 0; j < n; ++j) {
        if (j >= begin && j < end) {
            int dist = 0;
            for (const std::uint32_t* query : queries)
                for (int w = 0; w < keys.words_per_row; ++w) dist += std::popcount(query[w] ^ keys.row(j)[w]);
            middle.emplace_back(dist, j);
        } else {
            chosen.push_back(j);
        }
    }
    std::sort(middle.begin(), middle.end());
    for (int i = 0; i < std::min<int>(k, int(middle.size())); ++i) chosen.push_back(middle[std::size_t(i)].second);
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<double> reference_attention(const Matrix<float>& q, int head, const Matrix<float>& k, const Matrix<float>& v,
                                        const std::vector<std::int32_t>& rows) {
    const int d = int(q.cols());
    std::vector<double> score;
    double peak = -INFINITY;
    for (int j : rows) {
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += double(q(head, c)) * k(j, c);
        score.push_back(dot / std::sqrt(double(d)));
        peak = std::max(peak, score.back());
    }
    std::vector<double> out(std::size_t(d), 0.0);
    double sum = 0;
    for (std::size_t e = 0; e < rows.size(); ++e) {
        const double p = std::exp(score[e] - peak);
        sum += p;
        for (int c = 0; c < d; ++c) out[std::size_t(c)] += p * v(rows[e], c);
    }
    for (auto& x : out) x /= sum;
    return out;
}

struct DecodeCase {
    int q_heads, kv_heads, n, d, words;
    std::uint32_t mask;  // code bits in play: a small mask makes ties everywhere
    gpu::HammingDecodeOptions options;
};

void expect_matches_reference(const DecodeCase& c, std::uint64_t seed) {
    SCOPED_TRACE("q_heads=" + std::to_string(c.q_heads) + " kv_heads=" + std::to_string(c.kv_heads) + " n=" +
                 std::to_string(c.n) + " d=" + std::to_string(c.d) + " words=" + std::to_string(c.words) +
                 " k=" + std::to_string(c.options.k) + " sinks=" + std::to_string(c.options.sinks) +
                 " window=" + std::to_string(c.options.window));
    Rng rng(seed);
    const Matrix<float> q = gpu::round_to_bf16(normal_matrix<float>(c.q_heads, c.d, rng));
    std::vector<Matrix<float>> k, v;
    std::vector<SimHashCodes> key_codes;
    for (int h = 0; h < c.kv_heads; ++h) {
        k.push_back(gpu::round_to_bf16(normal_matrix<float>(c.n, c.d, rng)));
        v.push_back(gpu::round_to_bf16(normal_matrix<float>(c.n, c.d, rng)));
        key_codes.push_back(random_codes(c.n, c.words, c.mask, rng));
    }
    const SimHashCodes query_codes = random_codes(c.q_heads, c.words, c.mask, rng);
    const auto got = gpu::hamming_decode(q, query_codes, k, v, key_codes, c.options);
    ASSERT_EQ(int(got.selected.size()), c.q_heads);
    const int group = c.q_heads / c.kv_heads;
    for (int h = 0; h < c.q_heads; ++h) {
        SCOPED_TRACE("head " + std::to_string(h));
        const auto& kv = std::size_t(h / group);
        std::vector<const std::uint32_t*> queries = {query_codes.row(h)};
        if (c.options.shared) {
            queries.clear();
            for (int g = 0; g < group; ++g) queries.push_back(query_codes.row(int(kv) * group + g));
        }
        const auto want = reference_selection(queries, key_codes[kv], c.options.k, c.options.sinks, c.options.window);
        ASSERT_EQ(got.selected[std::size_t(h)], want);
        const auto out = reference_attention(q, h, k[kv], v[kv], want);
        double err = 0, scale = 1;
        for (int col = 0; col < c.d; ++col) {
            err = std::max(err, std::abs(double(got.output(h, col)) - out[std::size_t(col)]));
            scale = std::max(scale, std::abs(out[std::size_t(col)]));
        }
        EXPECT_LE(err / scale, 2e-2);
    }
}

TEST(GpuHammingDecode, MatchesReference) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const std::vector<DecodeCase> cases = {
        {1, 1, 1, 8, 1, ~0u, {1, 0, 0}},           // one token
        {4, 2, 100, 16, 1, ~0u, {10, 3, 5}},       // grouped-query heads, small n
        {2, 1, 5000, 64, 1, 0x7u, {300, 4, 64}},   // n off the block; 3 bits in play: ties everywhere
        {8, 8, 3000, 128, 2, ~0u, {100, 16, 16}},  // 64-bit codes, widest heads
        {2, 2, 2500, 32, 1, 0x3u, {900, 0, 0}},    // ties spanning selection blocks
        {1, 1, 300, 32, 1, ~0u, {500, 8, 8}},      // k past the middle: everything kept
        {1, 1, 300, 32, 1, ~0u, {0, 8, 8}},        // k = 0: sinks and window alone
        {1, 1, 99999, 8, 1, 0x3u, {30000, 5, 7}},   // one selection over 49 tiles: ties across blocks
        {8, 8, 100000, 8, 1, 0x3u, {777, 0, 1}},    // eight selections; n % 4 = 0: codes read 4 a load
    };
    std::uint64_t seed = 500;
    for (const auto& c : cases) expect_matches_reference(c, ++seed);
}

// Shared selections (one per KV head, the group's distances summed): groups of 2, 3, 4 and 8
// heads (attention blocks of 2, 1, 4 and 4 heads; on tensor cores at d 64 and 128 for 1, 2 and 4
// heads, a warp's last rows a partial 16-row tile), all three bin widths (65, 256 and 513: sums up
// to 64, 255 and 512), 64-bit codes, ties, one KV head.
TEST(GpuHammingDecode, SharedSelectionMatchesReference) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const std::vector<DecodeCase> cases = {
        {4, 2, 100, 16, 1, ~0u, {10, 3, 5, true}},       {6, 2, 3000, 64, 1, ~0u, {200, 8, 8, true}},
        {8, 2, 5000, 128, 2, ~0u, {300, 16, 16, true}},  {8, 1, 2500, 32, 1, 0x3u, {900, 0, 0, true}},
        {32, 8, 4096, 128, 1, ~0u, {128, 16, 16, true}}, {16, 2, 700, 32, 2, 0x1u, {50, 0, 0, true}},
        {4, 1, 100000, 8, 1, 0x7u, {20000, 3, 3, true}}, {4, 2, 3000, 64, 1, ~0u, {201, 8, 8, true}},
    };
    std::uint64_t seed = 600;
    for (const auto& c : cases) expect_matches_reference(c, ++seed);
}

// The shared selection is core's shared_hamming_topk with top = k + sinks + window.
TEST(GpuHammingDecode, SharedSelectionIsCoresSharedTopK) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(77);
    const int n = 3000, d = 32, group = 4;
    const Matrix<float> q = normal_matrix<float>(group, d, rng);
    const SimHashCodes query_codes = random_codes(group, 1, ~0u, rng), key_codes = random_codes(n, 1, ~0u, rng);
    const auto got = gpu::hamming_decode(q, query_codes, {normal_matrix<float>(n, d, rng)}, {normal_matrix<float>(n, d, rng)},
                                         {key_codes}, {100, 4, 12, true});
    std::vector<PackedCodes> heads;
    for (int h = 0; h < group; ++h) heads.push_back({1, 32, 1, {query_codes.row(h)[0]}});
    auto want = shared_hamming_topk(heads, key_codes, {.top = 116, .sinks = 4, .window = 12}).selected[0];
    std::sort(want.begin(), want.end());
    for (int h = 0; h < group; ++h) EXPECT_EQ(got.selected[std::size_t(h)], want);
}

// 16 heads x 64 bits sum past the kernel's 512 distance bins: GpuError, so callers run core's twin.
TEST(GpuHammingDecode, SharedSelectionRefusesWideGroups) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(3);
    const Matrix<float> q = Matrix<float>::Ones(16, 8);
    EXPECT_THROW(gpu::hamming_decode(q, random_codes(16, 2, ~0u, rng), {Matrix<float>::Ones(40, 8)}, {Matrix<float>::Ones(40, 8)},
                                     {random_codes(40, 2, ~0u, rng)}, {4, 0, 0, true}),
                 gpu::GpuError);
}

TEST(GpuHammingDecode, RefusesEmptySelection) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(1);
    const Matrix<float> q = Matrix<float>::Ones(1, 8);
    EXPECT_THROW(gpu::hamming_decode(q, random_codes(1, 1, ~0u, rng), {Matrix<float>::Ones(4, 8)}, {Matrix<float>::Ones(4, 8)},
                                     {random_codes(4, 1, ~0u, rng)}, {0, 0, 0}),
                 InputError);
}

}  // namespace
