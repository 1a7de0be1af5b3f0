// Message digests for crypto bucket hashing (the news piece's "hash each token with SHA-256 or
// BLAKE3"): SHA-256, SHA-512/256, BLAKE2s-256 and BLAKE2b-512 through OpenSSL's EVP API, BLAKE3
// from its official C implementation, and XXH3-64 as a fast non-cryptographic baseline that shows
// what the "crypto" costs. Every digest is a byte string; XXH3's 64-bit value is written big-endian
// (xxHash's canonical form, what `xxhsum -H3` prints), so "the first b bits" means the same thing
// for every algorithm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hashscope {

enum class DigestAlgo { sha256, sha512_256, blake2s, blake2b, blake3, xxh3 };

// Every algorithm, in the order of the enum (for loops in benchmarks, tests and the view).
std::span<const DigestAlgo> all_digest_algos();
// The CLI's name: "sha256", "sha512_256", "blake2s", "blake2b", "blake3", "xxh3".
std::string_view digest_name(DigestAlgo algo);
// Inverse of digest_name; throws InputError listing the known names.
DigestAlgo parse_digest_algo(std::string_view name);
// Digest length in bytes: 32, 32, 32, 64, 32, 8.
std::size_t digest_size(DigestAlgo algo);

// A reusable digester: one per thread. It keeps its OpenSSL context and fetched algorithm between
// messages, because creating them per message costs more than hashing 256 bytes.
class Digester {
public:
    explicit Digester(DigestAlgo algo);
    ~Digester();
    Digester(Digester&&) noexcept;
    Digester& operator=(Digester&&) noexcept;

    DigestAlgo algo() const { return algo_; }
    std::size_t size() const { return digest_size(algo_); }
    // Digest of prefix || body (the salt is the prefix; nothing is copied), size() bytes to `out`.
    void digest(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body, std::uint8_t* out);
    // The digest's first 64 bits as a big-endian number: all that bucketing needs, and for XXH3 the
    // hash value itself, with no byte shuffling.
    std::uint64_t head(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body);

private:
    struct State;
    std::uint64_t xxh3(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> body);
    DigestAlgo algo_;
    std::unique_ptr<State> state_;
};

// One-shot convenience: the digest of `message`.
std::vector<std::uint8_t> digest(DigestAlgo algo, std::span<const std::uint8_t> message);

// Lower-case hex of bytes, and its inverse (even length, hex digits only; throws InputError naming `what`).
std::string to_hex(std::span<const std::uint8_t> bytes);
std::vector<std::uint8_t> parse_hex(std::string_view hex, const std::string& what);

// OpenSSL 3 provider name of an EVP algorithm; nullptr for BLAKE3 and XXH3 (not through OpenSSL).
const char* openssl_name(DigestAlgo algo);

}  // namespace hashscope
