// Crypto bucketing throughput beside raw digest throughput on the same machine. The workload is the
// news piece's: d = 64 float32 keys, 256 bytes each, 16384 of them (4 MiB). Per algorithm:
//   BM_RawDigest      one reused Digester per thread over 256-byte messages, on 1 and 2 threads at
//                     once (the ceiling for bucketing on as many threads, as `openssl speed -multi`)
//   BM_OpenSslOneShot EVP_Digest per message, as `openssl speed -evp ALGO -bytes 256` times it
//   BM_Bucketing      crypto_buckets over the [16384, 64] matrix on 1 and 2 threads
// Bytes/s are message bytes. Every benchmark first checks its buckets/digests against the other path.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "core/crypto_buckets.hpp"
#include "core/random.hpp"

using namespace hashscope;

namespace {

constexpr int kRows = 16384, kDim = 64;
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
    int i = 0;
    for (auto _ : state) {
        d.digest({}, row_bytes(i), out);
        benchmark::DoNotOptimize(out);
        i = (i + 1) % kRows;
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
    for (int i = 0; i < kRows; i += 1021) {
        const auto d = digest(c.algo, row_bytes(i));
        if (t.buckets[std::size_t(i)] != (std::int64_t(d[0]) << 24 | d[1] << 16 | d[2] << 8 | d[3])) fail("buckets", c.algo);
    }
    for (auto _ : state) benchmark::DoNotOptimize(crypto_buckets(keys(), c).buckets.data());
    state.SetBytesProcessed(std::int64_t(state.iterations()) * kRows * std::int64_t(kMessage));
    state.SetLabel(std::string(digest_name(c.algo)) + " threads " + std::to_string(c.threads));
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
        for (int threads : {1, 2}) b->Args({int(a), threads});
}

}  // namespace

// Wall-clock rates throughout: on T threads the raw rate is the sum over the T threads hashing at
// once, which is what bucketing on T threads is held to (run on an idle machine).
BENCHMARK(BM_RawDigest)->Apply(all_algos)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_OpenSslOneShot)->Apply(openssl_algos);
BENCHMARK(BM_Bucketing)->Apply(algos_and_threads)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
