#include "core/model/gguf_reader.hpp"

#include <cstring>
#include <limits>

#include "core/model/tensor_ranges.hpp"

namespace hashscope {
namespace {

constexpr std::uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

class Parser {
public:
    Parser(const MappedFile& file, std::uint32_t version) : cursor_(file, 8), version_(version) {}

    // Counts and lengths are 32-bit in version 1, 64-bit after.
    std::uint64_t count(const std::string& what) {
        return version_ == 1 ? cursor_.next<std::uint32_t>(what) : cursor_.next<std::uint64_t>(what);
    }
    // A count of things taking at least `min_bytes` each must fit in what is left of the file.
    std::uint64_t bounded_count(const std::string& what, std::uint64_t min_bytes) {
        const std::uint64_t n = count(what);
        if (n > cursor_.remaining() / min_bytes)
            throw InputError(cursor_.file().path() + ": " + what + " " + std::to_string(n) + " does not fit in the file");
        return n;
    }
    std::string string(const std::string& what) { return cursor_.string(count(what + " length"), what); }

    GgufValue value(GgufType type, const std::string& what) {
        GgufValue v;
        v.type = type;
        switch (type) {
        case GgufType::u8: v.integer = cursor_.next<std::uint8_t>(what); break;
        case GgufType::i8: v.integer = cursor_.next<std::int8_t>(what); break;
        case GgufType::u16: v.integer = cursor_.next<std::uint16_t>(what); break;
        case GgufType::i16: v.integer = cursor_.next<std::int16_t>(what); break;
        case GgufType::u32: v.integer = cursor_.next<std::uint32_t>(what); break;
        case GgufType::i32: v.integer = cursor_.next<std::int32_t>(what); break;
        case GgufType::boolean: v.integer = cursor_.next<std::uint8_t>(what) != 0; break;
        case GgufType::i64: v.integer = cursor_.next<std::int64_t>(what); break;
        case GgufType::u64: {
            const auto u = cursor_.next<std::uint64_t>(what);
            if (u > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
                throw InputError(cursor_.file().path() + ": " + what + " = " + std::to_string(u) + " is too large");
            v.integer = std::int64_t(u);
            break;
        }
        case GgufType::f32: v.real = cursor_.next<float>(what); break;
        case GgufType::f64: v.real = cursor_.next<double>(what); break;
        case GgufType::string: v.text = string(what); break;
        case GgufType::array: {
            v.element = GgufType(cursor_.next<std::uint32_t>(what + " element type"));
            if (v.element == GgufType::array) throw InputError(cursor_.file().path() + ": " + what + " is an array of arrays");
            const auto n = bounded_count(what + " length", 1);
            v.items.reserve(std::size_t(n));
            for (std::uint64_t i = 0; i < n; ++i) v.items.push_back(value(v.element, what));
            break;
        }
        default:
            throw InputError(cursor_.file().path() + ": " + what + " has unknown value type " +
                             std::to_string(std::uint32_t(type)));
        }
        return v;
    }

    FileCursor& cursor() { return cursor_; }

private:
    FileCursor cursor_;
    std::uint32_t version_;
};

InputError metadata_error(const GgufFile& f, const std::string& key, const std::string& problem) {
    return InputError(f.path() + ": metadata " + key + " " + problem);
}

bool is_integer(GgufType t) {
    return t != GgufType::f32 && t != GgufType::f64 && t != GgufType::string && t != GgufType::array;
}

}  // namespace

bool is_gguf(const MappedFile& file) { return file.size() >= 4 && std::memcmp(file.bytes(0, 4, "magic").data(), "GGUF", 4) == 0; }

std::int64_t GgufFile::integer(const std::string& key) const {
    const auto it = metadata.find(key);
    if (it == metadata.end()) throw metadata_error(*this, key, "is missing");
    if (!is_integer(it->second.type)) throw metadata_error(*this, key, "is not an integer");
    return it->second.integer;
}

std::int64_t GgufFile::integer(const std::string& key, std::int64_t fallback) const { return has(key) ? integer(key) : fallback; }

double GgufFile::real(const std::string& key, double fallback) const {
    const auto it = metadata.find(key);
    if (it == metadata.end()) return fallback;
    if (it->second.type == GgufType::f32 || it->second.type == GgufType::f64) return it->second.real;
    if (is_integer(it->second.type)) return double(it->second.integer);
    throw metadata_error(*this, key, "is not a number");
}

const std::string& GgufFile::text(const std::string& key) const {
    const auto it = metadata.find(key);
    if (it == metadata.end()) throw metadata_error(*this, key, "is missing");
    if (it->second.type != GgufType::string) throw metadata_error(*this, key, "is not a string");
    return it->second.text;
}

const GgufValue& GgufFile::array(const std::string& key) const {
    const auto it = metadata.find(key);
    if (it == metadata.end()) throw metadata_error(*this, key, "is missing");
    if (it->second.type != GgufType::array) throw metadata_error(*this, key, "is not an array");
    return it->second;
}

std::span<const std::byte> GgufFile::tensor_data(const GgufTensorInfo& t) const {
    std::uint64_t count = 1;
    for (const auto d : t.shape) count *= std::uint64_t(d);
    const auto bytes = tensor_bytes(t.type, count);
    if (!bytes)
        throw InputError(path() + ": tensor " + t.name + " has " + std::to_string(count) + " values, not a whole number of " +
                         tensor_type_name(t.type) + " blocks");
    if (t.offset > file->size() - data_offset)
        throw InputError(path() + ": tensor " + t.name + " offset " + std::to_string(t.offset) + " runs past the end of the file");
    return file->bytes(data_offset + t.offset, *bytes, "tensor " + t.name + " data");
}

GgufFile read_gguf(const std::string& path) {
    GgufFile f;
    f.file = MappedFile::open(path);
    if (!is_gguf(*f.file)) throw InputError(path + ": not a GGUF file (magic is not \"GGUF\")");
    f.version = f.file->read<std::uint32_t>(4, "version");
    if (f.version < 1 || f.version > 3)
        throw InputError(path + ": GGUF version " + std::to_string(f.version) + " is not supported (1, 2 and 3 are)");
    Parser p(*f.file, f.version);
    const auto n_tensors = p.bounded_count("tensor count", 16);
    const auto n_metadata = p.bounded_count("metadata count", 8);
    for (std::uint64_t i = 0; i < n_metadata; ++i) {
        const std::string key = p.string("metadata key " + std::to_string(i));
        const auto type = GgufType(p.cursor().next<std::uint32_t>("metadata " + key + " type"));
        f.metadata[key] = p.value(type, "metadata " + key);
    }
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
        GgufTensorInfo t;
        t.name = p.string("tensor " + std::to_string(i) + " name");
        const auto n_dims = p.cursor().next<std::uint32_t>("tensor " + t.name + " dimension count");
        if (n_dims == 0 || n_dims > kMaxDims)
            throw InputError(path + ": tensor " + t.name + " has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
        std::uint64_t count = 1;
        for (std::uint32_t d = 0; d < n_dims; ++d) {
            const std::uint64_t size = p.count("tensor " + t.name + " dimension");
            if (size == 0 || size > f.file->size() * 2 || count > (std::uint64_t(1) << 62) / size)
                throw InputError(path + ": tensor " + t.name + " dimension " + std::to_string(size) + " is not plausible");
            count *= size;
            t.shape.insert(t.shape.begin(), std::int64_t(size));  // innermost first in the file
        }
        const auto type_id = p.cursor().next<std::uint32_t>("tensor " + t.name + " type");
        const auto type = tensor_type_from_ggml(type_id);
        if (!type) throw InputError(path + ": tensor " + t.name + " has unsupported type id " + std::to_string(type_id));
        t.type = *type;
        t.offset = p.cursor().next<std::uint64_t>("tensor " + t.name + " offset");
        f.tensors.push_back(std::move(t));
    }
    if (f.has("general.alignment")) {
        const auto a = f.integer("general.alignment");
        if (a <= 0 || (a & (a - 1)) != 0 || a > 65536)
            throw metadata_error(f, "general.alignment", "= " + std::to_string(a) + " is not a power of two");
        f.alignment = std::uint64_t(a);
    }
    const std::uint64_t end = p.cursor().offset();
    f.data_offset = (end + f.alignment - 1) / f.alignment * f.alignment;
    if (f.data_offset > f.file->size()) throw InputError(path + ": data section starts past the end of the file");
    std::vector<TensorRange> ranges;
    for (const auto& t : f.tensors) {
        if (t.offset % f.alignment != 0)
            throw InputError(path + ": tensor " + t.name + " offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                             std::to_string(f.alignment));
        ranges.push_back({t.name, t.offset, t.offset + f.tensor_data(t).size()});  // bounds check now, not at a later read
    }
    refuse_overlapping_tensors(path, std::move(ranges));
    return f;
}

}  // namespace hashscope
