// A minimal safetensors writer for tests, from the format's description: 8-byte header length, a
// JSON header of {name: {dtype, shape, data_offsets}}, then the data. Entries are written as given,
// so tests can also craft broken headers.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace hashscope_test {

struct SafetensorsWriter {
    nlohmann::json header = nlohmann::json::object();
    std::vector<std::uint8_t> data;

    // Appends `bytes` and records the entry with offsets that match them.
    void tensor(const std::string& name, const std::string& dtype, const std::vector<std::int64_t>& shape,
                const std::vector<std::uint8_t>& bytes) {
        header[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
        data.insert(data.end(), bytes.begin(), bytes.end());
    }

    void write(const std::string& path) const {
        const std::string text = header.dump();
        const std::uint64_t size = text.size();
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(&size), 8).write(text.data(), std::streamsize(text.size()));
        out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    }
};

}  // namespace hashscope_test
