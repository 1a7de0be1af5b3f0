// Where the real-model fixtures live (../shared/models beside the repository, see its README.md),
// and the float64 Python reference that tests run. Tests that need a fixture skip with a message
// naming the folder when it is missing, rather than failing or passing silently.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace hashscope_test {

inline std::string model_fixture(const std::string& relative) { return std::string(HASHSCOPE_MODELS_DIR) + "/" + relative; }

#define REQUIRE_MODEL_FIXTURE(relative)                                                                  \
    do {                                                                                                 \
        if (!std::filesystem::exists(hashscope_test::model_fixture(relative)))                          \
            GTEST_SKIP() << "model fixture " << hashscope_test::model_fixture(relative)                  \
                         << " is missing (the shared/models folder beside the repository)";             \
    } while (0)

inline const char* kStories = "stories260K/stories260K.bin";
inline const char* kStoriesTokenizer = "stories260K/tok512.bin";
inline const char* kStoriesGguf = "gguf/stories260K.gguf";
inline const char* kStoriesGgufV1 = "gguf/tinyllamas-stories-260k-f32.gguf";

// A fresh temporary directory, removed at destruction.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& tag)
        : path(std::filesystem::temp_directory_path() / ("hashscope_" + tag + "_" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// The message of the InputError `f` throws, or "" when it throws none.
template <class F>
std::string input_error_of(F&& f) {
    try {
        f();
    } catch (const hashscope::InputError& e) {
        return e.what();
    }
    return "";
}

// Runs a script from tests/reference with Debian's python3; returns its exit status.
inline int run_reference(const std::string& script_and_args) {
    const std::string command = std::string(HASHSCOPE_PYTHON3) + " " + HASHSCOPE_REFERENCE_DIR + "/" + script_and_args;
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace hashscope_test
