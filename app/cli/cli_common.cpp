#include "app/cli/cli_common.hpp"

#include <filesystem>
#include <iostream>
#include <new>

namespace hashscope::cli {

void add_common_options(CLI::App& command, CommonOptions& options) {
    const std::map<std::string, Precision> precisions{{"f32", Precision::f32}, {"f64", Precision::f64}};
    command.add_option("--precision", options.precision, "Compute in float32 (f32) or float64 end to end (f64)")
        ->transform(CLI::CheckedTransformer(precisions, CLI::ignore_case))
        ->default_str("f32");
    command.add_flag("--json", options.json, "Print one JSON object on stdout: shapes, parameters, timings, memory, metrics");
}

template <class T>
Matrix<T> load_matrix(const std::string& path, const std::string& flag) {
    return npy_to_matrix<T>(read_npy(path), flag + " " + path);
}
template Matrix<float> load_matrix<float>(const std::string&, const std::string&);
template Matrix<double> load_matrix<double>(const std::string&, const std::string&);

template <class T>
std::vector<Matrix<T>> load_heads(const std::string& path, const std::string& flag) {
    const NpyArray a = read_npy(path);
    const std::string what = flag + " " + path;
    if (a.shape.size() == 2) return {npy_to_matrix<T>(a, what)};
    if (a.shape.size() != 3) throw InputError(what + ": expected shape [n, d] or [heads, n, d], got " + a.shape_string());
    if (a.dtype != DType::f32 && a.dtype != DType::f64)
        throw InputError(what + ": expected float32 or float64 data, got " + dtype_name(a.dtype));
    const auto values = npy_values<T>(a);
    const auto heads = a.shape[0], n = a.shape[1], d = a.shape[2];
    std::vector<Matrix<T>> out;
    for (std::int64_t h = 0; h < heads; ++h) {
        out.push_back(Eigen::Map<const Matrix<T>>(values.data() + std::size_t(h * n * d), n, d));
        require_finite(out.back(), what);
    }
    return out;
}
template std::vector<Matrix<float>> load_heads<float>(const std::string&, const std::string&);
template std::vector<Matrix<double>> load_heads<double>(const std::string&, const std::string&);

void write_outputs(const std::vector<std::pair<std::string, NpyArray>>& outputs) {
    std::vector<std::string> written;
    try {
        for (const auto& [path, array] : outputs) {
            write_npy(path, array);
            written.push_back(path);
        }
    } catch (...) {
        for (const auto& path : written) std::filesystem::remove(path);
        throw;
    }
}

nlohmann::json shape_json(Eigen::Index rows, Eigen::Index cols) { return {rows, cols}; }

double Stopwatch::lap_ms() {
    const auto now = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    return ms;
}

int run_guarded(const std::string& command, const std::function<void()>& body) {
    try {
        body();
        return 0;
    } catch (const InputError& e) {
        std::cerr << "hashscope " << command << ": " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "hashscope " << command << ": out of memory (inputs too large for this machine)\n";
    }
    return 2;
}

}  // namespace hashscope::cli
