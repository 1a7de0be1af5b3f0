// A small GGUF writer for tests, written from the specification (ggml docs/gguf.md), apart from
// core's reader: metadata of a few types, tensors given as raw block bytes, version and alignment
// selectable, offsets overridable so tests can craft broken files.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace hashscope_test {

class GgufWriter {
public:
    void u32(const std::string& key, std::uint32_t v) { kv(key, 4, raw(v)); }
    void f32(const std::string& key, float v) { kv(key, 6, raw(v)); }
    void boolean(const std::string& key, bool v) { kv(key, 7, raw(std::uint8_t(v))); }
    void string(const std::string& key, const std::string& v) { kv(key, 8, str(v)); }
    void strings(const std::string& key, const std::vector<std::string>& v) {
        Bytes b = raw(std::uint32_t(8));
        append(b, count(v.size()));
        for (const auto& s : v) append(b, str(s));
        kv(key, 9, b);
    }
    void floats(const std::string& key, const std::vector<float>& v) { kv(key, 9, array(6, v)); }
    void ints(const std::string& key, const std::vector<std::int32_t>& v) { kv(key, 9, array(5, v)); }

    // `shape` outermost first, as the reader reports it; written innermost first.
    void tensor(const std::string& name, std::vector<std::int64_t> shape, std::uint32_t ggml_type, std::vector<std::uint8_t> data,
                std::optional<std::uint64_t> offset = std::nullopt) {
        tensors_.push_back({name, std::move(shape), ggml_type, std::move(data), offset});
    }

    std::uint32_t version = 3;
    std::uint64_t alignment = 32;  // also written as general.alignment when not 32

    std::vector<std::uint8_t> bytes() const {
        Bytes out{'G', 'G', 'U', 'F'};
        append(out, raw(version));
        append(out, count(tensors_.size()));
        append(out, count(kvs_.size() + (alignment != 32)));
        for (const auto& k : kvs_) append(out, k);
        if (alignment != 32) {
            Bytes a = str("general.alignment");
            append(a, raw(std::uint32_t(4)));
            append(a, raw(std::uint32_t(alignment)));
            append(out, a);
        }
        std::uint64_t offset = 0;
        std::vector<std::uint64_t> offsets;
        for (const auto& t : tensors_) {
            append(out, str(t.name));
            append(out, raw(std::uint32_t(t.shape.size())));
            for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) append(out, count(std::uint64_t(*d)));
            append(out, raw(t.type));
            offsets.push_back(t.offset.value_or(offset));
            append(out, raw(offsets.back()));
            offset = (offset + t.data.size() + alignment - 1) / alignment * alignment;
        }
        out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
        const std::size_t data_start = out.size();
        for (std::size_t i = 0; i < tensors_.size(); ++i) {
            if (tensors_[i].offset) continue;  // crafted offsets point wherever the test wants
            out.resize(std::max(out.size(), data_start + offsets[i] + tensors_[i].data.size()), 0);
            std::memcpy(out.data() + data_start + offsets[i], tensors_[i].data.data(), tensors_[i].data.size());
        }
        return out;
    }

    void write(const std::string& path) const {
        const auto b = bytes();
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    }

private:
    using Bytes = std::vector<std::uint8_t>;
    struct Entry {
        std::string name;
        std::vector<std::int64_t> shape;
        std::uint32_t type;
        Bytes data;
        std::optional<std::uint64_t> offset;
    };

    template <class T>
    static Bytes raw(T v) {
        Bytes b(sizeof(T));
        std::memcpy(b.data(), &v, sizeof(T));
        return b;
    }
    static void append(Bytes& to, const Bytes& from) { to.insert(to.end(), from.begin(), from.end()); }
    // Counts and string lengths: 32-bit in version 1, 64-bit after.
    Bytes count(std::uint64_t n) const { return version == 1 ? raw(std::uint32_t(n)) : raw(n); }
    Bytes str(const std::string& s) const {
        Bytes b = count(s.size());
        b.insert(b.end(), s.begin(), s.end());
        return b;
    }
    template <class T>
    Bytes array(std::uint32_t type, const std::vector<T>& v) const {
        Bytes b = raw(type);
        append(b, count(v.size()));
        for (const auto& x : v) append(b, raw(x));
        return b;
    }
    void kv(const std::string& key, std::uint32_t type, const Bytes& value) {
        Bytes b = str(key);
        append(b, raw(type));
        append(b, value);
        kvs_.push_back(b);
    }

    std::vector<Bytes> kvs_;
    std::vector<Entry> tensors_;
};

}  // namespace hashscope_test
