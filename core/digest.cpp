#include "core/digest.hpp"

#include <openssl/evp.h>
#include <xxhash.h>

#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "blake3.h"
#include "core/error.hpp"

namespace hashscope {
namespace {

constexpr std::array<DigestAlgo, 6> kAlgos{DigestAlgo::sha256, DigestAlgo::sha512_256, DigestAlgo::blake2s,
                                           DigestAlgo::blake2b, DigestAlgo::blake3, DigestAlgo::xxh3};

bool uses_openssl(DigestAlgo algo) { return openssl_name(algo) != nullptr; }

}  // namespace

const char* openssl_name(DigestAlgo algo) {
    switch (algo) {
        case DigestAlgo::sha256: return "SHA2-256";
        case DigestAlgo::sha512_256: return "SHA2-512/256";
        case DigestAlgo::blake2s: return "BLAKE2S-256";
        case DigestAlgo::blake2b: return "BLAKE2B-512";
        default: return nullptr;
    }
}

std::span<const DigestAlgo> all_digest_algos() { return kAlgos; }

std::string_view digest_name(DigestAlgo algo) {
    switch (algo) {
        case DigestAlgo::sha256: return "sha256";
        case DigestAlgo::sha512_256: return "sha512_256";
        case DigestAlgo::blake2s: return "blake2s";
        case DigestAlgo::blake2b: return "blake2b";
        case DigestAlgo::blake3: return "blake3";
        case DigestAlgo::xxh3: return "xxh3";
    }
    return "?";
}

DigestAlgo parse_digest_algo(std::string_view name) {
    std::string known;
    for (DigestAlgo a : kAlgos) {
        if (digest_name(a) == name) return a;
        if (!known.empty()) known += '|';
        known += digest_name(a);
    }
    throw InputError("--algo: unknown algorithm '" + std::string(name) + "' (expected " + known + ")");
}

std::size_t digest_size(DigestAlgo algo) {
    switch (algo) {
        case DigestAlgo::blake2b: return 64;
        case DigestAlgo::xxh3: return 8;
        default: return 32;
    }
}

struct Digester::State {
    EVP_MD* md = nullptr;
    EVP_MD_CTX* ctx = nullptr;
    blake3_hasher blake3;
    std::vector<std::uint8_t> joined;  // XXH3's one-shot path takes one buffer: prefix || body

    ~State() {
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
    }
};

Digester::Digester(DigestAlgo algo) : algo_(algo), state_(std::make_unique<State>()) {
    if (uses_openssl(algo)) {
        // Fetching once (not EVP_sha256() per message) avoids OpenSSL 3's per-call provider lookup.
        state_->md = EVP_MD_fetch(nullptr, openssl_name(algo), nullptr);
        state_->ctx = EVP_MD_CTX_new();
        if (!state_->md || !state_->ctx)
            throw std::runtime_error(std::string("OpenSSL does not provide ") + openssl_name(algo));
    }
}

Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::digest(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body, std::uint8_t* out) {
    State& s = *state_;
    switch (algo_) {
        case DigestAlgo::blake3:
            blake3_hasher_init(&s.blake3);
            blake3_hasher_update(&s.blake3, prefix.data(), prefix.size());
            blake3_hasher_update(&s.blake3, body.data(), body.size());
            blake3_hasher_finalize(&s.blake3, out, BLAKE3_OUT_LEN);
            return;
        case DigestAlgo::xxh3: {
            XXH64_canonical_t canonical;  // big-endian bytes
            XXH64_canonicalFromHash(&canonical, xxh3(prefix, body));
            std::memcpy(out, canonical.digest, sizeof canonical.digest);
            return;
        }
        default: {
            unsigned int length = 0;
            const bool ok = EVP_DigestInit_ex2(s.ctx, s.md, nullptr) == 1 &&
                            EVP_DigestUpdate(s.ctx, prefix.data(), prefix.size()) == 1 &&
                            EVP_DigestUpdate(s.ctx, body.data(), body.size()) == 1 &&
                            EVP_DigestFinal_ex(s.ctx, out, &length) == 1;
            if (!ok || length != size()) throw std::runtime_error("OpenSSL digest failed");
        }
    }
}

std::uint64_t Digester::xxh3(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body) {
    if (prefix.empty()) return XXH3_64bits(body.data(), body.size());
    State& s = *state_;
    s.joined.assign(prefix.begin(), prefix.end());
    s.joined.insert(s.joined.end(), body.begin(), body.end());
    return XXH3_64bits(s.joined.data(), s.joined.size());
}

std::uint64_t Digester::head(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body) {
    if (algo_ == DigestAlgo::xxh3) return xxh3(prefix, body);
    std::uint8_t out[64];
    digest(prefix, body, out);
    std::uint64_t h;
    std::memcpy(&h, out, sizeof h);
    return std::endian::native == std::endian::little ? __builtin_bswap64(h) : h;
}

std::vector<std::uint8_t> digest(DigestAlgo algo, std::span<const std::uint8_t> message) {
    Digester d(algo);
    std::vector<std::uint8_t> out(d.size());
    d.digest({}, message, out.data());
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        hex += kDigits[b >> 4];
        hex += kDigits[b & 15];
    }
    return hex;
}

std::vector<std::uint8_t> parse_hex(std::string_view hex, const std::string& what) {
    const auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw InputError(what + ": '" + std::string(hex) + "' is not hex (character '" + std::string(1, c) + "')");
    };
    if (hex.empty() || hex.size() % 2)
        throw InputError(what + ": '" + std::string(hex) + "' needs an even, non-zero number of hex digits");
    std::vector<std::uint8_t> bytes(hex.size() / 2);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = std::uint8_t(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return bytes;
}

}  // namespace hashscope
