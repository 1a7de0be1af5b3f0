// The Hamming top-k prefill kernels against core's hamming_topk (their CPU twin: kept sets equal,
// and gpu::hamming_topk's rows equal in order too) and the independent oracles
// (reference_hamming.hpp's full sort by (distance, position), and float64 sparse attention on the
// same bf16-rounded inputs, within 2e-2). Shapes cover n = 1, queries that see fewer keys than the
// budget, n off the 8-query block, grouped-query heads, codes of 16, 32 and 64 bits (thresholds
// past distance 32, and at the largest distance), ties everywhere, a budget taken whole by sinks
// and window, non-causal queries, and a chunk of queries after a cache (n_q < n_k).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/packed_codes.hpp"
#include "gpu_support.hpp"
#include "reference/reference_hamming.hpp"
#include "reference/reference_sparse_attention.hpp"

namespace {

using namespace hashscope;
namespace ref = hashscope_ref;

// Random codes with only the first `live` of `bits` bits random (the rest 0): few live bits make
// ties everywhere. Packed for the kernels and core, unpacked for the oracle.
struct Codes {
    SimHashCodes packed;
    ref::Bits bits;
};

template <class Bit>
Codes make_codes(int rows, int bits, const Bit& bit_of) {
    Matrix<double> signs(rows, bits);
    Codes c;
    for (int i = 0; i < rows; ++i) {
        std::vector<int> row;
        for (int b = 0; b < bits; ++b) {
            const int bit = bit_of(i, b);
            row.push_back(bit);
            signs(i, b) = bit ? 1.0 : -1.0;
        }
        c.bits.push_back(row);
    }
    c.packed = pack_signs(signs);
    return c;
}

Codes random_codes(int rows, int bits, int live, Rng& rng) {
    return make_codes(rows, bits, [&](int, int b) { return b < live ? int(rng.below(2)) : 0; });
}

struct PrefillCase {
    int q_heads, kv_heads, n_q, n_k, d, bits, live;
    HammingTopKOptions options;  // top, sinks, window, causal
};

std::vector<std::vector<std::int32_t>> ascending(std::vector<std::vector<std::int32_t>> rows) {
    for (auto& row : rows) std::sort(row.begin(), row.end());
    return rows;
}

// bf16 storage reads inputs already rounded to bf16, so both storages have exact inputs and
// differ only in the kernel's arithmetic: within 2e-2 (bf16, as the issue asks) and 1e-5 (float).
void expect_matches_references(const PrefillCase& c, gpu::Storage storage, std::uint64_t seed) {
    const auto& o = c.options;
    const bool bf16 = storage == gpu::Storage::bf16;
    SCOPED_TRACE("q_heads=" + std::to_string(c.q_heads) + " kv_heads=" + std::to_string(c.kv_heads) + " n_q=" +
                 std::to_string(c.n_q) + " n_k=" + std::to_string(c.n_k) + " d=" + std::to_string(c.d) + " bits=" +
                 std::to_string(c.bits) + " live=" + std::to_string(c.live) + " top=" + std::to_string(o.top) +
                 " sinks=" + std::to_string(o.sinks) + " window=" + std::to_string(o.window) +
                 (o.causal ? " causal" : "") + (bf16 ? " bf16" : " f32"));
    Rng rng(seed);
    std::vector<Matrix<float>> q, k, v;
    std::vector<Codes> query_codes, key_codes;
    // live = 0: queries all 0 and keys all 1 but every third, which holds bit 0 alone, so most
    // distances are the largest possible and the threshold lands there.
    const auto codes_for = [&](int rows, bool keys) {
        if (c.live > 0) return random_codes(rows, c.bits, c.live, rng);
        return make_codes(rows, c.bits, [&](int i, int b) { return keys && (i % 3 != 0 || b == 0) ? 1 : 0; });
    };
    std::vector<SimHashCodes> packed_queries, packed_keys;
    for (int h = 0; h < c.q_heads; ++h) {
        q.push_back(gpu::round_to_bf16(normal_matrix<float>(c.n_q, c.d, rng)));
        query_codes.push_back(codes_for(c.n_q, false));
        packed_queries.push_back(query_codes.back().packed);
    }
    for (int h = 0; h < c.kv_heads; ++h) {
        k.push_back(gpu::round_to_bf16(normal_matrix<float>(c.n_k, c.d, rng)));
        v.push_back(gpu::round_to_bf16(normal_matrix<float>(c.n_k, c.d, rng)));
        key_codes.push_back(codes_for(c.n_k, true));
        packed_keys.push_back(key_codes.back().packed);
    }
    const auto got = gpu::hamming_prefill(q, packed_queries, k, v, packed_keys, o, storage);
    ASSERT_EQ(int(got.selected.size()), c.q_heads);
    ASSERT_EQ(int(got.output.size()), c.q_heads);
    const int group = c.q_heads / c.kv_heads;
    for (int h = 0; h < c.q_heads; ++h) {
        SCOPED_TRACE("query head " + std::to_string(h));
        const auto kv = std::size_t(h / group);
        const auto twin = hamming_topk(packed_queries[std::size_t(h)], packed_keys[kv], o);
        const auto oracle = ref::hamming_topk(query_codes[std::size_t(h)].bits, key_codes[kv].bits, o.top, o.sinks,
                                              o.window, o.causal);
        ASSERT_EQ(got.selected[std::size_t(h)], ascending(twin.selected));
        ASSERT_EQ(got.selected[std::size_t(h)], ascending(oracle));
        // The selection alone, listed as core lists it: nearest first, by (distance, position).
        if (!bf16) {
            ASSERT_EQ(gpu::hamming_topk(packed_queries[std::size_t(h)], packed_keys[kv], o), twin.selected);
        }
        const ref::Mat want = ref::sparse_attention(ref::to_ref(q[std::size_t(h)]), ref::to_ref(k[kv]), ref::to_ref(v[kv]), oracle);
        ASSERT_TRUE(got.output[std::size_t(h)].allFinite());
        EXPECT_LE(ref::scaled_error(got.output[std::size_t(h)], want), bf16 ? 2e-2 : 1e-5);
    }
}

HammingTopKOptions budget(int top, int sinks, int window, bool causal) {
    HammingTopKOptions o;
    o.top = top, o.sinks = sinks, o.window = window, o.causal = causal;
    return o;
}

TEST(GpuHammingPrefill, MatchesCoreAndReferences) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    const std::vector<PrefillCase> cases = {
        {1, 1, 1, 1, 8, 32, 32, budget(1, 0, 0, true)},              // one token
        {4, 2, 37, 37, 16, 32, 32, budget(12, 2, 3, true)},          // grouped heads; early queries see < top keys
        {2, 1, 701, 701, 64, 32, 3, budget(60, 4, 8, true)},         // off the block; 3 live bits: ties everywhere
        {2, 2, 300, 300, 128, 64, 64, budget(40, 4, 4, true)},       // 64-bit codes, widest heads
        {1, 1, 300, 300, 32, 64, 64, budget(200, 0, 0, true)},       // 64-bit thresholds past distance 32
        {1, 1, 250, 250, 16, 16, 16, budget(30, 2, 2, true)},        // 16-bit codes
        {1, 1, 200, 200, 16, 32, 32, budget(8, 4, 4, true)},         // sinks + window take the whole budget
        {2, 2, 50, 400, 32, 32, 32, budget(30, 2, 2, false)},        // not causal: every query sees every key
        {2, 1, 64, 500, 32, 32, 2, budget(20, 1, 4, true)},          // a chunk after a cache, ties
        {1, 1, 300, 300, 16, 32, 0, budget(250, 2, 2, true)},        // threshold at distance 32
        {1, 1, 300, 300, 16, 64, 0, budget(250, 2, 2, true)},        // threshold at distance 64
    };
    std::uint64_t seed = 800;
    for (const auto& c : cases)
        for (const auto storage : {gpu::Storage::bf16, gpu::Storage::f32}) expect_matches_references(c, storage, ++seed);
}

TEST(GpuHammingPrefill, RefusesWhatCoreRefusesAndWhatTheKernelsCannotTake) {
    HASHSCOPE_SKIP_WITHOUT_GPU();
    Rng rng(2);
    const auto codes = random_codes(4, 32, 32, rng).packed;
    const std::vector<Matrix<float>> x = {Matrix<float>::Ones(4, 8)};
    EXPECT_THROW(gpu::hamming_prefill(x, {codes}, x, x, {codes}, budget(5, 0, 0, true)), InputError);  // top > n
    EXPECT_THROW(gpu::hamming_prefill(x, {codes}, x, x, {codes}, budget(2, 2, 1, true)), InputError);  // sinks + window > top
    const auto wide = random_codes(4, 96, 96, rng).packed;
    // What only the kernels cannot take is a GpuError: callers run the CPU instead.
    EXPECT_THROW(gpu::hamming_prefill(x, {wide}, x, x, {wide}, budget(2, 0, 0, true)), gpu::GpuError);  // past 64 bits
    const std::vector<Matrix<float>> odd = {Matrix<float>::Ones(4, 6)};
    EXPECT_THROW(gpu::hamming_prefill(odd, {codes}, odd, odd, {codes}, budget(2, 0, 0, true)), gpu::GpuError);  // d = 6
}

}  // namespace
