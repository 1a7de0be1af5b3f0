// BLAKE3 (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020) of a message of at most one chunk
// (1024 bytes), written from the specification for the crypto-bucket kernel: the chunk is the root,
// so its last block's compression, flagged ROOT, gives the digest. Plain C++ that nvcc also
// compiles for the device, so the host tests check this very code against the official C
// implementation and the published test vectors without a GPU.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define HASHSCOPE_HOST_DEVICE __host__ __device__
#else
#define HASHSCOPE_HOST_DEVICE
#endif

namespace hashscope::gpu::blake3 {

inline constexpr int kChunkBytes = 1024, kBlockBytes = 64;
inline constexpr std::uint32_t kChunkStart = 1, kChunkEnd = 2, kRoot = 8;

HASHSCOPE_HOST_DEVICE inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

HASHSCOPE_HOST_DEVICE inline void mix(std::uint32_t (&v)[16], int a, int b, int c, int d, std::uint32_t x, std::uint32_t y) {
    v[a] += v[b] + x;
    v[d] = rotr(v[d] ^ v[a], 16);
    v[c] += v[d];
    v[b] = rotr(v[b] ^ v[c], 12);
    v[a] += v[b] + y;
    v[d] = rotr(v[d] ^ v[a], 8);
    v[c] += v[d];
    v[b] = rotr(v[b] ^ v[c], 7);
}

// The compression function's first eight output words, state[i] ^ state[i + 8]: the next chaining
// value, or for the root block the digest's first 32 bytes (little-endian words). Chunk counter 0.
HASHSCOPE_HOST_DEVICE inline void compress(std::uint32_t (&cv)[8], std::uint32_t (&m)[16], std::uint32_t block_len,
                                           std::uint32_t flags) {
    std::uint32_t v[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
                           0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au, 0, 0, block_len, flags};
    for (int round = 0; round < 7; ++round) {
        mix(v, 0, 4, 8, 12, m[0], m[1]);
        mix(v, 1, 5, 9, 13, m[2], m[3]);
        mix(v, 2, 6, 10, 14, m[4], m[5]);
        mix(v, 3, 7, 11, 15, m[6], m[7]);
        mix(v, 0, 5, 10, 15, m[8], m[9]);
        mix(v, 1, 6, 11, 12, m[10], m[11]);
        mix(v, 2, 7, 8, 13, m[12], m[13]);
        mix(v, 3, 4, 9, 14, m[14], m[15]);
        if (round == 6) break;
        // The message permutation between rounds: m'[i] = m[p[i]], p = 2 6 3 10 7 0 4 13 1 11 12 5 9 14 15 8.
        const std::uint32_t t[16] = {m[2], m[6], m[3], m[10], m[7], m[0], m[4], m[13],
                                     m[1], m[11], m[12], m[5], m[9], m[14], m[15], m[8]};
        for (int i = 0; i < 16; ++i) m[i] = t[i];
    }
    for (int i = 0; i < 8; ++i) cv[i] = v[i] ^ v[i + 8];
}

// The digest's first eight little-endian words for a message of `length` bytes (0..1024), read as
// little-endian words through word_at(i) (which must give zero bytes past the message).
template <class WordAt>
HASHSCOPE_HOST_DEVICE void digest_words(const WordAt& word_at, int length, std::uint32_t (&out)[8]) {
    std::uint32_t cv[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                           0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};
    const int blocks = length == 0 ? 1 : (length + kBlockBytes - 1) / kBlockBytes;
    for (int b = 0; b < blocks; ++b) {
        std::uint32_t m[16];
        for (int i = 0; i < 16; ++i) m[i] = 16 * b + i < (length + 3) / 4 ? word_at(16 * b + i) : 0u;
        const bool last = b == blocks - 1;
        const int block_len = last ? length - b * kBlockBytes : kBlockBytes;
        compress(cv, m, std::uint32_t(block_len), (b == 0 ? kChunkStart : 0u) | (last ? kChunkEnd | kRoot : 0u));
    }
    for (int i = 0; i < 8; ++i) out[i] = cv[i];
}

// The first `bits` (1..32) bits, big-endian, of BLAKE3 over `words` little-endian 32-bit words
// (at most 256: one chunk) — a float32 row's bytes, as core's crypto buckets read them.
template <class WordAt>
HASHSCOPE_HOST_DEVICE std::uint32_t bucket(const WordAt& word_at, int words, int bits) {
    std::uint32_t out[8];
    digest_words(word_at, 4 * words, out);
    const std::uint32_t w = out[0];
    const std::uint32_t first = (w << 24) | ((w << 8) & 0xFF0000u) | ((w >> 8) & 0xFF00u) | (w >> 24);
    return bits == 32 ? first : first >> (32 - bits);
}

}  // namespace hashscope::gpu::blake3
