// Device timings of every kernel on the shapes, for `hashscope bench --gpu`: CUDA events
// around each launch, the median of `repeats` timed runs after `warmup` untimed ones, and the
// bytes and flops each run must at least move or compute, so the report can say how close to the
// card's limits it is. Results are spot-checked against core before they are timed.
#pragma once

#include <string>
#include <vector>

#include "kernels/gpu_error.hpp"

namespace hashscope::gpu {

struct BenchOptions {
    int warmup = 5;
    int repeats = 30;
    std::vector<int> reformer_n = {4096, 16384, 65536, 262144, 1048576};
    std::vector<int> decode_n = {131072, 1048576};
    std::vector<int> prefill_n = {4096, 16384};
    bool quick = false;  // small shapes only (a smoke run)
};

struct BenchRow {
    std::string kernel;        // "simhash", "reformer", ...
    std::string shape;         // human-readable shape and parameters
    double median_ms = 0;
    double min_ms = 0;
    double bytes = 0;          // fewest bytes the kernel must move through device memory
    double flops = 0;          // arithmetic it must do (0 where it is not the point)
    double items = 0;          // keys hashed, tokens attended, ... (per run)
    std::string items_name;    // what `items` counts
};

struct BenchReport {
    std::string device;
    double copy_gbps = 0;  // measured device-to-device copy, bytes read + written: the practical ceiling
    std::vector<BenchRow> rows;
    // Kernels that failed (a CUDA error, or a spot check that disagreed with core), one line each:
    // the others still run, so one device run times everything that works.
    std::vector<std::string> failures;
};

// Throws GpuError without a device or when the copy measurement fails; a kernel's failure is
// recorded in the report's failures instead.
BenchReport run_gpu_benchmarks(const BenchOptions& options);

}  // namespace hashscope::gpu
