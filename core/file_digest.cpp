#include "core/file_digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "core/digest.hpp"
#include "core/error.hpp"

namespace hashscope {

namespace {

namespace fs = std::filesystem;

class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw InputError("SHA-256 is not available");
    }
    void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
    std::string hex() {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), out, &length);
        return to_hex(std::span<const std::uint8_t>(out, length));
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string regular_file_sha256(const fs::path& path) {
    // A device or a pipe (/dev/zero, a FIFO) would be read for ever: only plain files are digested.
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw InputError(path.string() + ": not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string() + ": cannot read");
    Sha256 sha;
    std::vector<char> buffer(1 << 16);
    while (in.read(buffer.data(), std::streamsize(buffer.size())) || in.gcount() > 0)
        sha.update(buffer.data(), std::size_t(in.gcount()));
    if (in.bad()) throw InputError(path.string() + ": read error");
    return sha.hex();
}

}  // namespace

std::string file_sha256(const std::string& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return regular_file_sha256(path);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.is_regular_file()) files.push_back(entry.path());
    if (ec) throw InputError(path + ": cannot list the folder");
    std::sort(files.begin(), files.end());
    Sha256 sha;
    for (const fs::path& file : files) {
        const std::string line = file.filename().string() + " " + regular_file_sha256(file) + "\n";
        sha.update(line.data(), line.size());
    }
    return sha.hex();
}

}  // namespace hashscope
