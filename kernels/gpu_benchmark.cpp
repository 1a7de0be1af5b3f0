// The GPU benchmark behind `hashscope bench --gpu`. Inputs are "grid" values (multiples of 1/8 in
// [-1, 1], random), exact in bf16 and giving exact dot products, so the spot checks against core
// can demand equal bits; they are never zeros, which would flatter the timings.
#include "kernels/gpu_benchmark.hpp"

#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <utility>
#include <string>

#include "core/dense_attention.hpp"
#include "core/digest.hpp"
#include "core/hamming_topk.hpp"
#include "core/reformer_attention.hpp"
#include "core/simhash.hpp"
#include "core/sparse_attention.hpp"
#include "kernels/blake3_kernel.hpp"
#include "kernels/dense_attention_kernel.hpp"
#include "kernels/hamming_decode_kernel.hpp"
#include "kernels/l2_flush.hpp"
#include "kernels/hamming_prefill_kernel.hpp"
#include "kernels/device_buffer.hpp"
#include "kernels/gpu.hpp"
#include "kernels/reformer_kernel.hpp"
#include "kernels/sha256_kernel.hpp"
#include "kernels/simhash_kernel.hpp"

namespace hashscope::gpu {
namespace {

using bf16 = __nv_bfloat16;

// Grid values from a xorshift generator: fast enough for the gigabyte inputs.
std::vector<float> grid_values(std::size_t count, std::uint64_t seed) {
    std::vector<float> v(count);
    std::uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (auto& x : v) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x = float(int(s % 17) - 8) / 8.f;
    }
    return v;
}

// Random 32-bit codes from a xorshift generator.
std::vector<std::uint32_t> random_words(std::size_t count) {
    std::vector<std::uint32_t> words(count);
    std::uint64_t state = 0x2545f4914f6cdd1dull;
    for (auto& w : words) state ^= state << 13, state ^= state >> 7, state ^= state << 17, w = std::uint32_t(state);
    return words;
}

std::vector<bf16> to_bf16(const std::vector<float>& v) {
    std::vector<bf16> r(v.size());
    std::transform(v.begin(), v.end(), r.begin(), [](float x) { return __float2bfloat16(x); });
    return r;
}

Matrix<float> rows_of(const std::vector<float>& v, std::size_t first_row, int rows, int cols) {
    return Eigen::Map<const Matrix<float>>(v.data() + first_row * cols, rows, cols);
}

void require(bool ok, const std::string& what) {
    if (!ok) throw GpuError("benchmark validation failed: " + what);
}

enum class Cache { warm, cold };

class Timer {
public:
    Timer() {
        check_cuda(cudaEventCreate(&start_), "cudaEventCreate");
        check_cuda(cudaEventCreate(&stop_), "cudaEventCreate");
    }
    ~Timer() {
        cudaEventDestroy(start_);
        cudaEventDestroy(stop_);
    }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Fills the row's median and minimum over `repeats` runs timed one by one with events. Cold:
    // the L2 cache is overwritten before each run (untimed), for kernels whose inputs would
    // otherwise stay in it between runs, as they would not between two decode steps of a model.
    template <class Launch>
    void time(const BenchOptions& o, BenchRow& row, Launch&& launch, Cache cache = Cache::warm) {
        for (int i = 0; i < o.warmup; ++i) launch();
        check_cuda(cudaDeviceSynchronize(), "warm-up");
        std::vector<double> ms;
        for (int i = 0; i < o.repeats; ++i) {
            if (cache == Cache::cold) flush_l2();
            check_cuda(cudaEventRecord(start_), "cudaEventRecord");
            launch();
            check_cuda(cudaEventRecord(stop_), "cudaEventRecord");
            check_cuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
            float elapsed = 0;
            check_cuda(cudaEventElapsedTime(&elapsed, start_, stop_), "cudaEventElapsedTime");
            ms.push_back(elapsed);
        }
        std::sort(ms.begin(), ms.end());
        row.median_ms = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
        row.min_ms = ms.front();
    }

private:
    // L2 filled with clean lines of a buffer twice its size (l2_flush.hpp), then the host waits,
    // so the timed run's launches are queued after it as in a warm run.
    void flush_l2() {
        if (flush_.size() == 0) {
            int device = 0, l2 = 0;
            check_cuda(cudaGetDevice(&device), "cudaGetDevice");
            check_cuda(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "cudaDeviceGetAttribute");
            flush_ = DeviceBuffer<uint4>(2 * std::size_t(l2) / sizeof(uint4));
            check_cuda(cudaMemset(flush_.get(), 1, flush_.size() * sizeof(uint4)), "L2 flush buffer");
        }
        launch_l2_flush(flush_.get(), flush_.size(), nullptr);
        check_cuda(cudaDeviceSynchronize(), "L2 flush");
    }

    cudaEvent_t start_{}, stop_{};
    DeviceBuffer<uint4> flush_;  // twice the L2 cache, allocated at the first cold run
};

double copy_bandwidth(const BenchOptions& o, Timer& timer) {
    const std::size_t bytes = o.quick ? std::size_t(64) << 20 : std::size_t(1) << 30;
    DeviceBuffer<unsigned char> a(bytes), b(bytes);
    check_cuda(cudaMemset(a.get(), 1, bytes), "cudaMemset");
    BenchRow row;
    timer.time(o, row, [&] { check_cuda(cudaMemcpyAsync(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice), "copy"); });
    return 2.0 * double(bytes) / (row.median_ms * 1e6);
}

// Times each stage of a pipeline as a row of its own, named "kernel/stage" under the parent's shape.
using Stage = std::pair<const char*, std::function<void()>>;
void time_stages(const BenchOptions& o, Timer& timer, const BenchRow& parent, std::initializer_list<Stage> stages,
                 std::vector<BenchRow>& rows, Cache cache = Cache::warm) {
    for (const auto& [name, launch] : stages) {
        BenchRow stage;
        stage.kernel = parent.kernel + "/" + name;
        stage.shape = parent.shape;
        timer.time(o, stage, launch, cache);
        rows.push_back(stage);
    }
}

template <class T>
BenchRow bench_simhash(const BenchOptions& o, Timer& timer, const std::vector<float>& keys, const SimHashShape& s) {
    BenchRow row;
    row.kernel = "simhash";
    row.shape = std::string(sizeof(T) == 2 ? "bf16" : "f32") + " keys [" + std::to_string(s.heads) + " heads x " +
                std::to_string(s.rows) + ", d " + std::to_string(s.d) + "] -> " + std::to_string(s.bits) + " bits";
    const std::vector<float> planes = grid_values(std::size_t(s.d) * s.bits, 11);
    DeviceBuffer<float> dplanes(planes);
    DeviceBuffer<std::uint32_t> codes(std::size_t(s.heads) * s.rows * s.words());
    std::vector<T> host_keys;
    if constexpr (sizeof(T) == 2) host_keys = to_bf16(keys);
    else host_keys = keys;
    DeviceBuffer<T> dkeys(host_keys);
    launch_simhash(dkeys.get(), dplanes.get(), codes.get(), s, nullptr);
    const auto got = codes.download();
    const std::size_t last_row = std::size_t(s.heads) * s.rows - 64;  // check the first and last 64 rows
    for (std::size_t first : {std::size_t(0), last_row}) {
        const SimHashCodes want = simhash_codes(rows_of(keys, first, 64, s.d), rows_of(planes, 0, s.d, s.bits));
        require(std::equal(want.words.begin(), want.words.end(), got.begin() + std::ptrdiff_t(first * s.words())),
                "simhash codes differ from core");
    }
    timer.time(o, row, [&] { launch_simhash(dkeys.get(), dplanes.get(), codes.get(), s, nullptr); });
    row.items = double(s.heads) * s.rows;
    row.items_name = "keys";
    row.bytes = row.items * (double(s.d) * sizeof(T) + 4.0 * s.words());
    row.flops = 2.0 * row.items * s.d * s.bits;
    return row;
}

// Rows for the whole forward and, at the n = 65536 (or the quick run's 4096), each stage.
std::vector<BenchRow> bench_reformer(const BenchOptions& o, Timer& timer, const ReformerShape& s) {
    BenchRow row;
    row.kernel = "reformer";
    row.shape = "bf16 n " + std::to_string(s.n) + ", " + std::to_string(s.heads) + " heads, d " + std::to_string(s.d) +
                ", " + std::to_string(s.rounds) + " rounds, " + std::to_string(s.buckets) + " buckets, chunk " +
                std::to_string(s.chunk) + (s.causal ? ", causal" : "");
    const std::size_t rows = std::size_t(s.heads) * s.n;
    const std::vector<float> x = grid_values(rows * s.d, 21), v = grid_values(rows * s.dv, 22);
    const std::vector<float> rot = grid_values(std::size_t(s.heads) * s.rounds * s.d * (s.buckets / 2), 23);
    DeviceBuffer<bf16> dx(to_bf16(x)), dv(to_bf16(v)), out(rows * s.dv);
    DeviceBuffer<float> drot(rot);
    ReformerWorkspace<bf16> w(s);
    launch_reformer(dx.get(), dv.get(), drot.get(), out.get(), s, w, nullptr);
    if (s.n <= 4096) {  // head 0 against core, as the tests do, while core stays quick
        ReformerConfig c;
        c.n_hashes = s.rounds, c.n_buckets = s.buckets, c.chunk = s.chunk, c.causal = s.causal;
        std::vector<Matrix<float>> r;
        for (int h = 0; h < s.rounds; ++h) r.push_back(rows_of(rot, std::size_t(h) * s.d, s.d, s.buckets / 2));
        const auto want = reformer_attention(rows_of(x, 0, s.n, s.d), rows_of(v, 0, s.n, s.dv), r, c);
        const auto got = out.download();
        double err = 0;
        for (int i = 0; i < s.n * s.dv; ++i) err = std::max(err, double(std::abs(float(got[std::size_t(i)]) - want.output.data()[i])));
        require(err <= 2e-2 * std::max(1.f, want.output.cwiseAbs().maxCoeff()), "reformer output differs from core");
    }
    timer.time(o, row, [&] { launch_reformer(dx.get(), dv.get(), drot.get(), out.get(), s, w, nullptr); });
    row.items = double(rows);
    row.items_name = "tokens";
    // Each of the rounds x n slots scores 2 x chunk keys over d and sums as many values over dv.
    row.flops = 2.0 * s.slots() * 2.0 * s.chunk * (s.d + s.dv);
    row.bytes = double(rows) * (s.d + 2 * s.dv) * sizeof(bf16);  // read x and v once, write the output
    std::vector<BenchRow> result{row};
    if (s.n != (o.quick ? 4096 : 65536)) return result;
    time_stages(o, timer, row,
                {{"hash", [&] { launch_reformer_hash(dx.get(), drot.get(), s, w, nullptr); }},
                 {"sort", [&] { launch_reformer_sort(s, w, nullptr); }},
                 {"attend", [&] { launch_reformer_attend(dx.get(), dv.get(), s, w, nullptr); }},
                 {"combine", [&] { launch_reformer_combine(out.get(), s, w, nullptr); }}},
                result);
    return result;
}

BenchRow bench_dense(const BenchOptions& o, Timer& timer, const DenseShape& s) {
    BenchRow row;
    row.kernel = "dense";
    row.shape = "bf16 n " + std::to_string(s.n) + ", " + std::to_string(s.heads) + " heads, d " + std::to_string(s.d) +
                (s.causal ? ", causal" : "");
    const std::size_t rows = std::size_t(s.heads) * s.n;
    const std::vector<float> q = grid_values(rows * s.d, 31), k = grid_values(rows * s.d, 32), v = grid_values(rows * s.dv, 33);
    DeviceBuffer<bf16> dq(to_bf16(q)), dk(to_bf16(k)), dv(to_bf16(v)), out(rows * s.dv);
    DeviceBuffer<float> lse(rows);
    launch_dense_attention(dq.get(), dk.get(), dv.get(), out.get(), lse.get(), s, nullptr);
    DenseOptions options;
    options.causal = s.causal;
    const auto want = dense_attention(rows_of(q, 0, 256, s.d), rows_of(k, 0, 256, s.d), rows_of(v, 0, 256, s.dv), options);
    const auto got = out.download();
    if (s.causal)  // with the causal mask the first 256 queries see only the first 256 keys
        for (int i = 0; i < 256 * s.dv; ++i)
            require(std::abs(float(got[std::size_t(i)]) - want.output.data()[i]) <= 2e-2f, "dense output differs from core");
    timer.time(o, row, [&] { launch_dense_attention(dq.get(), dk.get(), dv.get(), out.get(), lse.get(), s, nullptr); });
    row.items = double(rows);
    row.items_name = "queries";
    row.flops = 2.0 * s.heads * double(s.n) * s.m * (s.d + s.dv) * (s.causal ? 0.5 : 1.0);
    row.bytes = double(rows) * (2 * s.d + 2 * s.dv) * sizeof(bf16);
    return row;
}

// The decode shape of the issue: 32 query heads over 8 KV heads, d 128, 32-bit codes, k = n / 32,
// 128 sinks and a 128-token window; a selection per query head or, `shared`, one per KV head
// (summed distances of its 4 heads, rows gathered once for them).
HammingDecodeShape decode_shape(int n, bool shared) {
    HammingDecodeShape s;
    s.q_heads = 32, s.kv_heads = 8, s.n = n, s.d = 128, s.words = 1, s.k = n / 32, s.sinks = 128, s.window = 128;
    s.shared = shared;
    return s;
}

// The decode's operands at n cached tokens, made once for both selections' rows (at n = 1M, K and
// V are 2 GB of bf16 each, generated on the host): key codes then query codes, q, k and v.
struct DecodeOperands {
    explicit DecodeOperands(int n) {
        const HammingDecodeShape s = decode_shape(n, false);
        const std::size_t rows = std::size_t(s.kv_heads) * n * s.d;
        codes = DeviceBuffer<std::uint32_t>(random_words(std::size_t(s.kv_heads) * n + s.q_heads));
        q = DeviceBuffer<bf16>(to_bf16(grid_values(std::size_t(s.q_heads) * s.d, 51)));
        k = DeviceBuffer<bf16>(to_bf16(grid_values(rows, 52)));
        v = DeviceBuffer<bf16>(to_bf16(grid_values(rows, 53)));
    }
    DeviceBuffer<std::uint32_t> codes;
    DeviceBuffer<bf16> q, k, v;
};

// One decode row (select + attend) and, at n = 131072, one per stage.
std::vector<BenchRow> bench_hamming_decode(const BenchOptions& o, Timer& timer, const DecodeOperands& in, int n, bool shared) {
    const HammingDecodeShape s = decode_shape(n, shared);
    BenchRow row;
    row.kernel = shared ? "hamming_decode_shared" : "hamming_decode";
    row.shape = "bf16 n " + std::to_string(n) + ", 32 q / 8 kv heads, d 128, 32-bit codes, k " + std::to_string(s.k) +
                ", sinks 128, window 128" + (shared ? ", one selection per KV head" : "") + ", cold L2";
    DeviceBuffer<float> out(std::size_t(s.q_heads) * s.d);
    HammingDecodeWorkspace w(s);
    const std::uint32_t* query_codes = in.codes.get() + std::size_t(s.kv_heads) * n;
    auto select = [&] { launch_hamming_select(in.codes.get(), query_codes, s, w, nullptr); };
    auto attend = [&] { launch_sparse_decode(in.q.get(), in.k.get(), in.v.get(), out.get(), s, w, nullptr); };
    select();
    attend();
    const auto count = w.count.download();
    require(std::all_of(count.begin(), count.end(), [&](int c) { return c == s.capacity(); }), "hamming selection size");
    const auto selected = w.selected.download();
    const auto got = out.download();
    require(std::all_of(got.begin(), got.end(), [](float x) { return std::isfinite(x); }), "hamming decode output not finite");
    // Cold: the rows a selection gathers (18 MB shared at n = 131072) would otherwise stay in L2.
    timer.time(o, row, [&] { select(), attend(); }, Cache::cold);
    // A selection leaves its workspace ready for the next (histograms zeroed by its last block, the
    // list in position order): after every timed call, the same list and the same output bits.
    require(w.count.download() == count && w.selected.download() == selected, "hamming selection changed on reuse");
    require(out.download() == got, "hamming decode output changed on reuse");
    row.items = s.q_heads;
    row.items_name = "queries";
    // Codes read once per selection; each selected K and V row read once per selection (the
    // attention blocks of a shared selection serve its 4 heads).
    row.bytes = double(s.selections()) * n * 4 + double(s.selections()) * s.capacity() * s.d * 2 * 2;
    row.flops = 4.0 * s.q_heads * s.capacity() * s.d;
    std::vector<BenchRow> result{row};  // stages at every n: where the time goes moves with n
    time_stages(o, timer, row, {{"select", select}, {"attend", attend}}, result, Cache::cold);
    return result;
}

// The prefill: every query of n tokens, causal, the decode's heads and codes, top = n / 32 with
// n / 256 sinks and as large a window. Query head 0 is checked against core (selection and output)
// while core stays quick. Rows for select + attend together and, at the first n, each.
std::vector<BenchRow> bench_hamming_prefill(const BenchOptions& o, Timer& timer, int n, bool stages) {
    HammingPrefillShape s;
    s.q_heads = 32, s.kv_heads = 8, s.n_q = s.n_k = n, s.d = 128, s.words = 1;
    s.top = n / 32, s.sinks = s.window = s.top / 8, s.causal = true;
    BenchRow row;
    row.kernel = "hamming_prefill";
    row.shape = "bf16 n " + std::to_string(n) + " causal, 32 q / 8 kv heads, d 128, 32-bit codes, top " +
                std::to_string(s.top) + ", sinks " + std::to_string(s.sinks) + ", window " + std::to_string(s.window);
    const std::size_t key_rows = std::size_t(s.kv_heads) * n, query_rows = std::size_t(s.q_heads) * n;
    const std::vector<std::uint32_t> codes = random_words(key_rows + query_rows);
    const std::vector<float> q = grid_values(query_rows * s.d, 61), k = grid_values(key_rows * s.d, 62),
                             v = grid_values(key_rows * s.d, 63);
    DeviceBuffer<std::uint32_t> dcodes(codes);
    DeviceBuffer<bf16> dq(to_bf16(q)), dk(to_bf16(k)), dv(to_bf16(v));
    DeviceBuffer<float> out(query_rows * s.d);
    HammingPrefillWorkspace w(s);
    const std::uint32_t* query_codes = dcodes.get() + key_rows;
    auto select = [&] { launch_hamming_prefill_select(dcodes.get(), query_codes, s, w, nullptr); };
    auto attend = [&] { launch_hamming_prefill_attend(dq.get(), dk.get(), dv.get(), out.get(), s, w, nullptr); };
    select();
    attend();
    if (n <= 8192) {
        const auto packed = [&](std::size_t first) {
            PackedCodes c;
            c.rows = n, c.bits = 32, c.words_per_row = 1;
            c.words.assign(codes.begin() + std::ptrdiff_t(first), codes.begin() + std::ptrdiff_t(first + n));
            return c;
        };
        HammingTopKOptions options;
        options.top = s.top, options.sinks = s.sinks, options.window = s.window, options.causal = true;
        auto want = hashscope::hamming_topk(packed(key_rows), packed(0), options).selected;
        for (auto& r : want) std::sort(r.begin(), r.end());
        const auto selected = w.selected.download(), count = w.count.download();
        for (int i = 0; i < n; ++i)
            require(std::equal(want[std::size_t(i)].begin(), want[std::size_t(i)].end(), selected.begin() + std::ptrdiff_t(i) * s.top,
                               selected.begin() + std::ptrdiff_t(i) * s.top + count[std::size_t(i)]),
                    "hamming prefill selection differs from core");
        const auto attention = sparse_attention(rows_of(q, 0, n, s.d), rows_of(k, 0, n, s.d), rows_of(v, 0, n, s.d), want);
        const auto got = out.download();
        double err = 0;
        for (int i = 0; i < n * s.d; ++i) err = std::max(err, double(std::abs(got[std::size_t(i)] - attention.output.data()[i])));
        require(err <= 2e-2, "hamming prefill output differs from core");
    }
    timer.time(o, row, [&] { select(), attend(); });
    row.items = double(query_rows);
    row.items_name = "queries";
    // Codes and queries read once, each query's selected K and V rows gathered (rows two queries
    // share are counted twice: a per-query gather reads them twice), the float output written.
    const double kept = double(query_rows) * s.top;
    row.bytes = 4.0 * double(key_rows + query_rows) + double(query_rows) * s.d * (2 + 4) + kept * s.d * 2 * 2;
    row.flops = 4.0 * kept * s.d;
    std::vector<BenchRow> result{row};
    if (stages) time_stages(o, timer, row, {{"select", select}, {"attend", attend}}, result);
    return result;
}

// Digest bucketing (SHA-256 or BLAKE3) of `count` float32 keys, the first 1000 checked against
// core's digests (OpenSSL, the official BLAKE3 C code).
BenchRow bench_digest(const BenchOptions& o, Timer& timer, DigestAlgo algo, long long count, int d, int bits) {
    const bool sha256 = algo == DigestAlgo::sha256;
    const auto launch = sha256 ? launch_sha256_buckets : launch_blake3_buckets;
    BenchRow row;
    row.kernel = std::string(digest_name(algo));
    row.shape = std::to_string(count) + " keys of " + std::to_string(d * 4) + " bytes -> " + std::to_string(bits) + " bits";
    const std::vector<float> keys = grid_values(std::size_t(count) * d, 41);
    DeviceBuffer<float> dkeys(keys);
    DeviceBuffer<std::uint32_t> buckets{std::size_t(count)};
    launch(dkeys.get(), buckets.get(), count, d, bits, nullptr);
    const auto got = buckets.download();
    Digester digester(algo);
    for (std::size_t i = 0; i < 1000; ++i) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(keys.data() + i * d);
        const std::uint64_t head = digester.head({}, {bytes, std::size_t(d) * 4});
        require(got[i] == std::uint32_t(head >> (64 - bits)), row.kernel + " bucket differs from core");
    }
    timer.time(o, row, [&] { launch(dkeys.get(), buckets.get(), count, d, bits, nullptr); });
    row.items = double(count);
    row.items_name = "keys";
    row.bytes = double(count) * (d * 4 + 4);
    return row;
}

}  // namespace

BenchReport run_gpu_benchmarks(const BenchOptions& o) {
    if (!gpu_available()) throw GpuError("no CUDA device: " + device_description());
    if (o.repeats < 1 || o.warmup < 0) throw InputError("--repeats must be at least 1 and --warmup at least 0");
    BenchReport report;
    report.device = device_description();
    Timer timer;
    report.copy_gbps = copy_bandwidth(o, timer);
    // One kernel's rows, or its failure in the report (the error cleared, so that the next kernel
    // runs unless the context itself is lost, which its own failure line will then say).
    const auto attempt = [&](const std::string& what, const auto& rows_of_kernel) {
        try {
            for (auto& row : rows_of_kernel()) report.rows.push_back(std::move(row));
        } catch (const std::exception& e) {  // GpuError mostly; a host allocation or check may throw others
            report.failures.push_back(what + ": " + e.what());
            cudaGetLastError();
        }
    };

    SimHashShape sim;
    sim.heads = 8, sim.rows = o.quick ? 4096 : 131072, sim.d = 128, sim.bits = 32;
    const std::vector<float> keys = grid_values(std::size_t(sim.heads) * sim.rows * sim.d, 1);
    attempt("simhash bf16 32 bits", [&] { return std::vector{bench_simhash<bf16>(o, timer, keys, sim)}; });
    attempt("simhash f32 32 bits", [&] { return std::vector{bench_simhash<float>(o, timer, keys, sim)}; });
    sim.bits = 64;
    attempt("simhash bf16 64 bits", [&] { return std::vector{bench_simhash<bf16>(o, timer, keys, sim)}; });

    for (int n : o.reformer_n) {
        if (o.quick && n > 4096) continue;
        ReformerShape s;
        s.heads = 8, s.n = n, s.d = 64, s.dv = 64, s.rounds = 4, s.buckets = 64, s.chunk = 64, s.causal = true;
        attempt("reformer n " + std::to_string(n), [&] { return bench_reformer(o, timer, s); });
    }

    DenseShape dense;
    dense.heads = 8, dense.n = dense.m = o.quick ? 1024 : 8192, dense.d = 64, dense.dv = 64, dense.causal = true;
    attempt("dense", [&] { return std::vector{bench_dense(o, timer, dense)}; });

    for (int n : o.quick ? std::vector<int>{8192} : o.decode_n) {
        std::optional<DecodeOperands> operands;  // made by the first selection's row, kept for the second
        for (const bool shared : {false, true})
            attempt(std::string(shared ? "hamming_decode_shared" : "hamming_decode") + " n " + std::to_string(n), [&] {
                if (!operands) operands.emplace(n);
                return bench_hamming_decode(o, timer, *operands, n, shared);
            });
    }

    const std::vector<int> prefill_n = o.quick ? std::vector<int>{1024} : o.prefill_n;
    for (std::size_t i = 0; i < prefill_n.size(); ++i)
        attempt("hamming_prefill n " + std::to_string(prefill_n[i]),
                [&] { return bench_hamming_prefill(o, timer, prefill_n[i], i == 0); });

    for (const DigestAlgo algo : {DigestAlgo::sha256, DigestAlgo::blake3})
        attempt(std::string(digest_name(algo)), [&] { return std::vector{bench_digest(o, timer, algo, o.quick ? 65536 : 4 << 20, 64, 16)}; });
    return report;
}

}  // namespace hashscope::gpu
