// Shared by the libFuzzer harnesses: every parser in hashscope reads from a path (files are mapped
// or streamed), so each input is written to a scratch file of this process and the real loader
// opens it. The contract under test is the CLI's: bad input may only end in hashscope::InputError
// (run_guarded turns it into exit 2); any other exception, crash or sanitizer report is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace hashscope_fuzz {

// A folder of this process's own under the temp directory (removed by nobody: it is one small file).
inline std::filesystem::path scratch_dir() {
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("hashscope_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// Writes the input to scratch_dir()/name and returns its path.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
    const auto path = scratch_dir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path.string();
}

// Runs `parse`, accepting only InputError as a way to refuse.
template <class F>
int refuse_only_with_input_error(F&& parse) {
    try {
        parse();
    } catch (const hashscope::InputError&) {
    }
    return 0;
}

}  // namespace hashscope_fuzz
