#include "core/model/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hashscope {

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw InputError(path + ": not a regular file");
    }
    const auto size = std::size_t(info.st_size);
    const void* data = nullptr;
    if (size > 0) {
        data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            throw InputError(path + ": cannot map (" + std::strerror(error) + ")");
        }
    }
    ::close(fd);  // the mapping stays valid without the descriptor
    return std::shared_ptr<const MappedFile>(new MappedFile(path, static_cast<const std::byte*>(data), size));
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

std::span<const std::byte> MappedFile::bytes(std::uint64_t offset, std::uint64_t length, const std::string& what) const {
    // Written so that neither comparison can overflow, whatever the crafted values.
    if (offset > size_ || length > size_ - offset)
        throw InputError(path_ + ": " + what + " runs past the end of the file (offset " + std::to_string(offset) +
                         ", " + std::to_string(length) + " bytes, file has " + std::to_string(size_) + ")");
    return {data_ + offset, std::size_t(length)};
}

std::string FileCursor::string(std::uint64_t length, const std::string& what) {
    const auto span = bytes(length, what);
    return {reinterpret_cast<const char*>(span.data()), span.size()};
}

std::span<const std::byte> FileCursor::bytes(std::uint64_t length, const std::string& what) {
    const auto span = file_.bytes(offset_, length, what);
    offset_ += length;
    return span;
}

}  // namespace hashscope
