// `hashscope attend --method crypto`: the flags and the body of crypto-hash attention, kept apart
// from attend_command.cpp so that each method's options live with the method.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "app/cli/cli_common.hpp"

namespace hashscope::cli {

struct CryptoAttendOptions {
    std::string algo = "sha256", route = "key", aggregate = "mean", salt, quantize, planes;
    int bits = 0, rounds = 1, load_cap = 0, lsh_bits = 8, threads = 1;
};

// The operands and shared flags attend already parsed.
struct AttendOperands {
    std::string q, k, v, out;
    bool causal = false;
    std::uint64_t seed = 0;
    std::size_t budget_bytes = 0;  // dense comparison only when its score matrix fits
};

// Registers the crypto-only flags. --bits and --planes are shared with the top-k methods, so attend
// registers them once and copies them into `bits` and `planes`.
void add_crypto_attend_options(CLI::App& app, CryptoAttendOptions& o);

template <class T>
void run_crypto_attend(const CryptoAttendOptions& o, const AttendOperands& operands, nlohmann::json& report,
                       Stopwatch& clock);

}  // namespace hashscope::cli
