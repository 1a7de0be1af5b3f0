// Learned hashing at the sizes of issue #4 (issue 5):
//   BM_HammingTopK: one query against n = 2^20 packed 32-bit codes, k = n / 32 = 32768, one core
//                   (target <= 5 ms). Bytes read: 4 MiB of codes (+ 1 MiB of distances written).
//   BM_LearnToRecall: training 4096 queries x 4096 keys, d = 64, 32 bits, top 32 on the llm_like toy
//                   data, on 2 threads, stopped (through the cancel flag) at the first epoch whose
//                   recall@32 on the training queries reaches 0.8 (target <= 30 s). Counters: epochs
//                   run, that recall, recall@32 on 4096 held-out queries, and SimHash's at 32 bits.
// Validates first (selection against a full sort on a smaller case), then times:
//   ./build/tests/bench/bench_hamming --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <numeric>

#include "core/hamming_topk.hpp"
#include "core/learned_hash_training.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/simhash.hpp"
#include "core/toy_sequences.hpp"

namespace {

using namespace hashscope;

PackedCodes random_codes(int rows, std::uint64_t seed) {
    Rng rng(seed);
    PackedCodes c{rows, 32, 1, std::vector<std::uint32_t>(std::size_t(rows))};
    for (auto& w : c.words) w = std::uint32_t(rng.next_u64());
    return c;
}

// Hamming top-k of one query over 2^16 codes against a full sort by (distance, position).
bool validate_selection() {
    const PackedCodes keys = random_codes(1 << 16, 3), query = random_codes(1, 4);
    const int top = (1 << 16) / 32;
    std::vector<std::int32_t> order(std::size_t(keys.rows));
    std::iota(order.begin(), order.end(), 0);
    const auto distance = [&](std::int32_t j) { return hamming_distance(query.row(0), keys.row(j), 1); };
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return distance(a) < distance(b); });
    order.resize(std::size_t(top));
    return hamming_topk(query, keys, {.top = top}).selected[0] == order;
}

void BM_HammingTopK(benchmark::State& state) {
    const int n = 1 << 20;
    const PackedCodes keys = random_codes(n, 1), query = random_codes(1, 2);
    for (auto _ : state) benchmark::DoNotOptimize(hamming_topk(query, keys, {.top = n / 32}).selected[0].data());
    state.SetBytesProcessed(state.iterations() * std::int64_t(n) * 4);
}

struct ToyData {
    Matrix<float> keys, train_q, test_q;
};

// llm_like with 128 clusters (32 keys each on average): keys and training queries are the first
// 4096 tokens; the held-out queries are the last 4096 tokens' queries (same clusters).
const ToyData& toy() {
    static const ToyData data = [] {
        ToyParams p;
        p.kind = ToyKind::llm_like;
        p.n = 8192;
        p.d = 64;
        p.clusters = 128;
        p.seed = 1;
        const ToySequence s = make_toy_sequence(p);
        return ToyData{s.k.topRows(4096).cast<float>(), s.q.topRows(4096).cast<float>(), s.q.bottomRows(4096).cast<float>()};
    }();
    return data;
}

void BM_LearnToRecall(benchmark::State& state) {
    const ToyData& data = toy();
    LearnResult r;
    for (auto _ : state) {
        std::atomic<bool> reached = false;
        LearnOptions o;
        o.bits = 32;
        o.top = 32;
        o.epochs = 50;
        o.threads = 2;
        o.cancel = &reached;
        o.on_progress = [&](const LearnProgress& p) { reached = p.recall >= 0.8; };
        r = learn_hash<float>({data.train_q}, {data.keys}, o);
    }
    const auto truth = exact_top_k(data.test_q, data.keys, 32, false);
    const auto learned = hamming_topk(learned_codes(r.model, 0, HashSide::query, data.test_q),
                                      learned_codes(r.model, 0, HashSide::key, data.keys), {.top = 32});
    const Matrix<float> planes = random_planes<float>(64, 32, 1);
    const auto simhash = hamming_topk(simhash_codes(data.test_q, planes), simhash_codes(data.keys, planes), {.top = 32});
    state.counters["epochs"] = double(r.curve.size());
    state.counters["train_recall"] = r.curve.back().recall;
    state.counters["heldout_recall"] = recall_at_k(truth, learned.selected);
    state.counters["simhash_recall"] = recall_at_k(truth, simhash.selected);
}

BENCHMARK(BM_HammingTopK)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LearnToRecall)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
    Eigen::setNbThreads(1);
    if (!validate_selection()) {
        std::fprintf(stderr, "bench_hamming: validation failed, not timing\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
