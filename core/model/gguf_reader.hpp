// The GGUF container (ggml's docs/gguf.md): magic "GGUF", version, tensor and metadata counts, the
// metadata key/value table, the tensor table (name, dimensions innermost first, ggml type,
// offset), then the tensor data starting at the next multiple of general.alignment (default 32).
// Versions 2 and 3 use 64-bit counts and string lengths; version 1 used 32-bit ones and is read
// too. Every count, length and offset is checked against the file size before it is used, so a
// crafted file is refused naming the field, never read out of bounds or allocated without limit.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/mapped_file.hpp"
#include "core/model/tensor_types.hpp"

namespace hashscope {

// GGUF metadata value types, numbered as the specification does.
enum class GgufType : std::uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
    u64 = 10, i64 = 11, f64 = 12
};

struct GgufValue {
    GgufType type = GgufType::u8;
    std::int64_t integer = 0;  // every integer type and bool (u64 above 2^63 is refused)
    double real = 0;           // f32, f64
    std::string text;          // string
    GgufType element = GgufType::u8;  // array element type
    std::vector<GgufValue> items;     // array
};

struct GgufTensorInfo {
    std::string name;
    std::vector<std::int64_t> shape;  // outermost first (the file's dimensions reversed)
    TensorType type = TensorType::f32;
    std::uint64_t offset = 0;  // from the start of the data section
};

struct GgufFile {
    std::shared_ptr<const MappedFile> file;
    std::uint32_t version = 0;
    std::map<std::string, GgufValue> metadata;
    std::vector<GgufTensorInfo> tensors;
    std::uint64_t alignment = 32;
    std::uint64_t data_offset = 0;

    const std::string& path() const { return file->path(); }
    bool has(const std::string& key) const { return metadata.count(key) != 0; }
    // Typed metadata; InputError naming the file and key when absent or of another kind.
    std::int64_t integer(const std::string& key) const;
    std::int64_t integer(const std::string& key, std::int64_t fallback) const;
    double real(const std::string& key, double fallback) const;  // any numeric type
    const std::string& text(const std::string& key) const;
    const GgufValue& array(const std::string& key) const;
    // The bytes of a tensor, bounds-checked.
    std::span<const std::byte> tensor_data(const GgufTensorInfo& tensor) const;
};

// True when the file starts with the GGUF magic.
bool is_gguf(const MappedFile& file);

GgufFile read_gguf(const std::string& path);

}  // namespace hashscope
