// Crypto bucketing throughput beside raw digest throughput on the same machine. The workload is the
// news piece's: d = 64 float32 keys, 256 bytes each, 131072 of them (one head's keys at 128K tokens,
// 32 MiB). Per algorithm:
//   BM_RawDigest      one reused Digester per thread over 256-byte messages, on 1 and 2 threads at
//                     once (the ceiling for bucketing on as many threads, as `openssl speed -multi`)
//   BM_OpenSslOneShot EVP_Digest per message, as `openssl speed -evp ALGO -bytes 256` times it
//   BM_Bucketing      crypto_buckets over the [131072, 64] matrix on 1 and 2 threads, into fresh
//                     output buffers or reused ones
// Bytes/s are message bytes. Every benchmark first checks its buckets/digests against the other path.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "core/crypto_buckets.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

constexpr int kRows = 131072, kDim = 64;
constexpr std::size_t kMessage = kDim * sizeof(float);

const Matrix<float>& keys() {
    static const Matrix<float> k = [] {
        Rng rng(1);
        return normal_matrix<float>(kRows, kDim, rng);
    }();
    return k;
}

std::span<const std::uint8_t> row_bytes(int i) {
    return {reinterpret_cast<const std::uint8_t*>(keys().row(i).data()), kMessage};
}

void fail(const char* what, DigestAlgo algo) {
    std::fprintf(stderr, "validation failed: %s (%s)\n", what, std::string(digest_name(algo)).c_str());
    std::exit(1);
}

void BM_RawDigest(benchmark::State& state) {
    const auto algo = DigestAlgo(state.range(0));
    Digester d(algo);
    std::uint8_t out[64];
    d.digest({}, row_bytes(0), out);
    if (std::vector<std::uint8_t>(out, out + d.size()) != digest(algo, row_bytes(0))) fail("reused digester", algo);
    // Each thread cycles over its own share of the rows, as bucketing's threads do, so that two
    // threads do not serve each other's rows from the shared cache.
    const int begin = kRows * state.thread_index() / state.threads(), end = kRows * (state.thread_index() + 1) / state.threads();
    int i = begin;
    for (auto _ : state) {
        d.digest({}, row_bytes(i), out);
        benchmark::DoNotOptimize(out);
        if (++i == end) i = begin;
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(kMessage));
    state.SetLabel(std::string(digest_name(algo)));
}

void BM_OpenSslOneShot(benchmark::State& state) {
    const auto algo = DigestAlgo(state.range(0));
    EVP_MD* md = EVP_MD_fetch(nullptr, openssl_name(algo), nullptr);
    unsigned char out[64];
    unsigned int length = 0;
    EVP_Digest(row_bytes(0).data(), kMessage, out, &length, md, nullptr);
    if (std::vector<std::uint8_t>(out, out + length) != digest(algo, row_bytes(0))) fail("EVP_Digest", algo);
    int i = 0;
    for (auto _ : state) {
        EVP_Digest(row_bytes(i).data(), kMessage, out, &length, md, nullptr);
        benchmark::DoNotOptimize(out);
        i = (i + 1) % kRows;
    }
    EVP_MD_free(md);
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(kMessage));
    state.SetLabel(std::string(digest_name(algo)));
}

void BM_Bucketing(benchmark::State& state) {
    CryptoBucketConfig<float> c;
    c.algo = DigestAlgo(state.range(0));
    c.bits = 32;
    c.threads = int(state.range(1));
    const CryptoBucketTrace t = crypto_buckets(keys(), c);
    for (int i = 0; i < kRows; i += 8191) {
        const auto d = digest(c.algo, row_bytes(i));
        if (t.buckets[std::size_t(i)] != (std::int64_t(d[0]) << 24 | d[1] << 16 | d[2] << 8 | d[3])) fail("buckets", c.algo);
    }
    // Fresh output buffers per call (a one-shot caller), or the previous call's reused (a caller that
    // buckets again): the difference is allocating and first-touching 16 bytes per key.
    CryptoBucketTrace reused;
    for (auto _ : state) {
        if (state.range(2)) {
            crypto_buckets(keys(), c, reused);
            benchmark::DoNotOptimize(reused.buckets.data());
        } else {
            benchmark::DoNotOptimize(crypto_buckets(keys(), c).buckets.data());
        }
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * kRows * std::int64_t(kMessage));
    state.SetLabel(std::string(digest_name(c.algo)) + " threads " + std::to_string(c.threads) +
                   (state.range(2) ? " reused" : " fresh"));
}

void all_algos(benchmark::internal::Benchmark* b) {
    for (DigestAlgo a : all_digest_algos()) b->Arg(int(a));
}

void openssl_algos(benchmark::internal::Benchmark* b) {
    for (DigestAlgo a : all_digest_algos())
        if (openssl_name(a)) b->Arg(int(a));
}

void algos_and_threads(benchmark::internal::Benchmark* b) {
    for (DigestAlgo a : all_digest_algos())
        for (int threads : {1, 2})
            for (int reuse : {0, 1}) b->Args({int(a), threads, reuse});
}

}  // namespace

// Wall-clock rates throughout: on T threads the raw rate is the sum over the T threads hashing at
// once, which is what bucketing on T threads is held to. Run on an idle machine with
// --benchmark_enable_random_interleaving=true: the repetitions of all cases are shuffled, so a
// virtual machine's drifting speed falls on raw and bucketing alike.
BENCHMARK(BM_RawDigest)->Apply(all_algos)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_OpenSslOneShot)->Apply(openssl_algos);
BENCHMARK(BM_Bucketing)->Apply(algos_and_threads)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
