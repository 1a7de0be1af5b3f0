// What every headless subcommand shares: --precision / --json, loading operands from .npy files
// with the flag named in errors, writing outputs all-or-nothing, and the JSON report.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/matrix.hpp"
#include "core/npy.hpp"

namespace hashscope::cli {

enum class Precision { f32, f64 };

struct CommonOptions {
    Precision precision = Precision::f32;
    bool json = false;
};

void add_common_options(CLI::App& command, CommonOptions& options);

// Reads `path` (given by `flag`) as a 2-D float matrix in precision T; errors name the flag and file.
template <class T>
Matrix<T> load_matrix(const std::string& path, const std::string& flag);

// Reads `path` as heads: [n, d] is one head, [heads, n, d] one matrix per head; finite values only.
template <class T>
std::vector<Matrix<T>> load_heads(const std::string& path, const std::string& flag);

// Writes every (path, array) or none: if one write fails, the ones already written are removed.
void write_outputs(const std::vector<std::pair<std::string, NpyArray>>& outputs);

// Shape of a matrix as a JSON array [rows, cols].
nlohmann::json shape_json(Eigen::Index rows, Eigen::Index cols);

class Stopwatch {
public:
    double lap_ms();  // milliseconds since construction or the previous lap

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Runs a command body: InputError and allocation failure become one line on stderr and exit 2.
int run_guarded(const std::string& command, const std::function<void()>& body);

}  // namespace hashscope::cli
