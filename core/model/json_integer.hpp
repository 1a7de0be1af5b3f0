// Integers read from untrusted JSON (tokenizer.json, safetensors headers, claims configs): only a
// JSON integer inside [lo, hi] is taken. nlohmann's get<int>() converts a float — or an integer
// literal too long for 64 bits, which parses as a float — with undefined behaviour (the tokenizer.json
// fuzzer found it with an id of a hundred digits).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace hashscope {

inline std::optional<std::int64_t> json_integer(const nlohmann::json& value, std::int64_t lo, std::int64_t hi) {
    if (value.is_number_unsigned()) {
        const std::uint64_t u = value.get<std::uint64_t>();
        if (hi >= 0 && u <= std::uint64_t(hi) && (lo <= 0 || u >= std::uint64_t(lo))) return std::int64_t(u);
    } else if (value.is_number_integer()) {
        const std::int64_t i = value.get<std::int64_t>();
        if (i >= lo && i <= hi) return i;
    }
    return std::nullopt;
}

}  // namespace hashscope
