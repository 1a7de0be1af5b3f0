// The bad-input catalog (tests/bad_inputs/catalog.json) as the CLI and GUI suites read it: the
// cases, and each case's input files built from the manifest (see its "about").
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/npy.hpp"
#include "core/random.hpp"

namespace hashscope_test::bad_inputs {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

inline std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

inline std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    EXPECT_TRUE(in) << file;
    return {std::istreambuf_iterator<char>(in), {}};
}

// A .npy file written by hand: version 1.0, the given header dict padded to 64 bytes, zero data.
inline std::string npy_raw(const std::string& header, std::size_t data_bytes) {
    std::string dict = header;
    while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += char(1);
    out += char(0);
    out += char(dict.size() & 0xff);
    out += char(dict.size() >> 8);
    return out + dict + std::string(data_bytes, '\0');
}

// A safetensors file: {name: [dtype, shape, begin, end]} and `pad` zero data bytes.
inline std::string safetensors(const json& spec) {
    json header = json::object();
    for (const auto& [name, t] : spec.items())
        if (name != "pad") header[name] = {{"dtype", t[0]}, {"shape", t[1]}, {"data_offsets", {t[2], t[3]}}};
    const std::string text = header.dump();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[std::size_t(i)] = char((std::uint64_t(text.size()) >> (8 * i)) & 0xff);
    return out + text + std::string(spec.value("pad", 0), '\0');
}

// Builds one input file from its manifest entry (see the manifest's "about").
inline void build_file(const fs::path& file, const json& spec) {
    if (spec.contains("npy")) {
        const json& a = spec["npy"];
        const auto shape = a["shape"].get<std::vector<std::int64_t>>();
        std::size_t count = 1;
        for (auto d : shape) count *= std::size_t(d);
        hashscope::Rng rng(a.value("seed", 1));
        std::vector<double> values(count);
        for (auto& x : values) x = rng.normal();
        if (a.contains("poison")) {
            const std::string what = a["poison"][1];
            values.at(a["poison"][0].get<std::size_t>()) = what == "nan" ? std::nan("") : what == "inf" ? HUGE_VAL : -HUGE_VAL;
        }
        hashscope::write_npy(file.string(), hashscope::make_npy<double>(values, shape));
        return;
    }
    std::string bytes;
    if (spec.contains("from")) bytes = read_bytes(fs::path(HASHSCOPE_TESTS_DIR) / spec["from"].get<std::string>());
    if (spec.contains("text")) bytes = spec["text"];
    if (spec.contains("hex")) bytes = from_hex(spec["hex"]);
    if (spec.contains("npy_raw")) bytes = npy_raw(spec["npy_raw"]["header"], spec["npy_raw"]["data_bytes"]);
    if (spec.contains("safetensors")) bytes = safetensors(spec["safetensors"]);
    bytes = bytes.substr(std::min(bytes.size(), spec.value("skip", std::size_t(0))));
    if (spec.contains("truncate")) bytes.resize(spec["truncate"].get<std::size_t>());
    for (const auto& p : spec.value("patch", json::array())) bytes.replace(p[0].get<std::size_t>(), p[1].get<std::string>().size() / 2, from_hex(p[1]));
    const std::string then = spec.contains("then_hex") ? from_hex(spec["then_hex"]) : spec.value("then_text", "");
    const int repeat = spec.value("repeat", 1);
    for (int i = 0; i < repeat; ++i) bytes += then;
    for (int i = 0; i < repeat; ++i) bytes += spec.value("close_text", "");
    std::ofstream(file, std::ios::binary) << bytes;
}

inline json catalog() {
    std::ifstream in(fs::path(HASHSCOPE_TESTS_DIR) / "bad_inputs" / "catalog.json");
    return json::parse(in);
}

// The case's text with {dir} standing for its scratch folder.
inline std::string in_dir(const std::string& text, const fs::path& dir) { return replace_all(text, "{dir}", dir.string()); }

// Builds every input file of case `c` in `dir`; returns their paths.
inline std::vector<fs::path> build_files(const json& c, const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& [name, spec] : c["files"].items()) {
        build_file(dir / name, spec);
        files.push_back(dir / name);
    }
    return files;
}

inline std::string case_name(const json& c) { return c["name"].get<std::string>(); }

}  // namespace hashscope_test::bad_inputs
