// Streamed file SHA-256 against FIPS 180-2's published vectors ("abc", and a million 'a' read in
// many buffers), and a folder's digest changing with any file in it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/file_digest.hpp"

namespace hashscope {
namespace {

namespace fs = std::filesystem;

fs::path write(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

TEST(FileDigest, PublishedVectors) {
    const fs::path dir = fs::temp_directory_path() / "hashscope_file_digest";
    fs::create_directories(dir);
    EXPECT_EQ(file_sha256(write(dir / "abc", "abc").string()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(file_sha256(write(dir / "million", std::string(1000000, 'a')).string()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    EXPECT_EQ(file_sha256(write(dir / "empty", "").string()),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_THROW(file_sha256((dir / "missing").string()), InputError);
    EXPECT_THROW(file_sha256("/dev/zero"), InputError);  // would never end
    fs::remove_all(dir);
}

TEST(FileDigest, FolderFollowsItsFiles) {
    const fs::path dir = fs::temp_directory_path() / "hashscope_folder_digest";
    fs::remove_all(dir);
    fs::create_directories(dir);
    write(dir / "config.json", "{}");
    write(dir / "model.safetensors", "weights");
    const std::string first = file_sha256(dir.string());
    EXPECT_EQ(file_sha256(dir.string()), first);
    write(dir / "model.safetensors", "weightz");
    const std::string changed = file_sha256(dir.string());
    EXPECT_NE(changed, first);
    write(dir / "extra.txt", "");
    EXPECT_NE(file_sha256(dir.string()), changed);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace hashscope
