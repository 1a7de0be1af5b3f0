// SHA-256 kernel (FIPS 180-4), one thread per row. Rows are whole float32 words, so the message
// words are the rows' words byte-swapped to big-endian; the padding (0x80, zeros, 64-bit bit
// length) is generated on the fly rather than copied. The schedule is a rolling window of 16 words
// held in registers (all indices compile-time after unrolling).
#include "kernels/sha256_kernel.hpp"

#include "kernels/device_buffer.hpp"

namespace hashscope::gpu {
namespace {

__constant__ std::uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

__device__ std::uint32_t rotr(std::uint32_t x, int n) { return __funnelshift_r(x, x, n); }

__device__ void compress(std::uint32_t (&state)[8], std::uint32_t (&w)[16]) {
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
                  h = state[7];
#pragma unroll
    for (int t = 0; t < 64; ++t) {
        if (t >= 16) {
            const std::uint32_t w15 = w[(t - 15) % 16], w2 = w[(t - 2) % 16];
            const std::uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
            const std::uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
            w[t % 16] += s0 + w[(t - 7) % 16] + s1;
        }
        const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[t] + w[t % 16];
        const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    state[0] += a, state[1] += b, state[2] += c, state[3] += d;
    state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

__global__ void sha256_kernel(const std::uint32_t* __restrict__ rows, std::uint32_t* __restrict__ buckets,
                              long long count, int d, int bits) {
    const long long r = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (r >= count) return;
    const std::uint32_t* row = rows + r * d;
    // Message words: d data words, the 0x80 marker, zeros, then the 64-bit length in bits.
    const int blocks = (d + 1 + 2 + 15) / 16;
    const std::uint64_t length_bits = std::uint64_t(d) * 32;
    std::uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int blk = 0; blk < blocks; ++blk) {
        std::uint32_t w[16];
#pragma unroll
        for (int t = 0; t < 16; ++t) {
            const int word = blk * 16 + t;
            std::uint32_t value = 0;
            if (word < d) value = __byte_perm(__ldg(row + word), 0, 0x0123);
            else if (word == d) value = 0x80000000u;
            else if (word == blocks * 16 - 2) value = std::uint32_t(length_bits >> 32);
            else if (word == blocks * 16 - 1) value = std::uint32_t(length_bits);
            w[t] = value;
        }
        compress(state, w);
    }
    buckets[r] = bits == 32 ? state[0] : state[0] >> (32 - bits);
}

}  // namespace

void launch_sha256_buckets(const float* rows, std::uint32_t* buckets, long long count, int d, int bits,
                           cudaStream_t stream) {
    if (count == 0) return;
    constexpr int threads = 128;
    sha256_kernel<<<unsigned((count + threads - 1) / threads), threads, 0, stream>>>(
        reinterpret_cast<const std::uint32_t*>(rows), buckets, count, d, bits);
    check_launch("sha256_kernel");
}

}  // namespace hashscope::gpu
