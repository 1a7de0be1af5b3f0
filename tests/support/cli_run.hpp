// Runs the real `hashscope` executable (HASHSCOPE_EXE, the build's; the environment variable of
// that name overrides it, as on the GPU machine, where the build travels elsewhere) with arguments
// and returns its exit code and everything it printed, stdout and stderr together.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace hashscope_test {

struct CliRun {
    int exit_code;
    std::string output;
};

inline CliRun run_cli(const std::string& args) {
    const char* override_exe = std::getenv("HASHSCOPE_EXE");
    const std::string command = std::string(override_exe ? override_exe : HASHSCOPE_EXE) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[4096];
    while (std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, got);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace hashscope_test
