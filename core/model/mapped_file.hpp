// A model file mapped read-only into memory, and a cursor that parses it front to back. Model files
// can be gigabytes, so they are mapped rather than read; every access goes through a bounds check
// against the file size, so a crafted header (offsets or lengths past the end, absurd counts) can
// only ever produce an InputError naming the file and the field, never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>

#include "core/error.hpp"

namespace hashscope {

class MappedFile {
public:
    // Maps `path`; throws InputError naming it when it cannot be opened or mapped.
    static std::shared_ptr<const MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::size_t size() const { return size_; }

    // [offset, offset + length) of the file; throws InputError naming `what` when it runs past the end.
    std::span<const std::byte> bytes(std::uint64_t offset, std::uint64_t length, const std::string& what) const;

    // A trivially copyable value at `offset` (little-endian files on a little-endian host).
    template <class T>
    T read(std::uint64_t offset, const std::string& what) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T value;
        std::memcpy(&value, bytes(offset, sizeof(T), what).data(), sizeof(T));
        return value;
    }

private:
    MappedFile(std::string path, const std::byte* data, std::size_t size) : path_(std::move(path)), data_(data), size_(size) {}
    std::string path_;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

// Sequential reads from a mapped file: headers, metadata tables, tokenizer records.
class FileCursor {
public:
    explicit FileCursor(const MappedFile& file, std::uint64_t offset = 0) : file_(file), offset_(offset) {}

    template <class T>
    T next(const std::string& what) {
        T value = file_.read<T>(offset_, what);
        offset_ += sizeof(T);
        return value;
    }
    std::string string(std::uint64_t length, const std::string& what);
    std::span<const std::byte> bytes(std::uint64_t length, const std::string& what);
    std::uint64_t offset() const { return offset_; }
    std::uint64_t remaining() const { return offset_ >= file_.size() ? 0 : file_.size() - offset_; }
    const MappedFile& file() const { return file_; }

private:
    const MappedFile& file_;
    std::uint64_t offset_;
};

}  // namespace hashscope
