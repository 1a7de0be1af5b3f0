// Bytes each attention method allocates, for the memory view: the current run's structures and a
// sweep over sequence lengths. Built on core/metrics' accounting (dense_memory, reformer_memory,
// simhash_memory); SimHash top-k adds the selected key lists it keeps per query.
#pragma once

#include <cstddef>
#include <vector>

#include "core/metrics.hpp"
#include "core/reformer_attention.hpp"

namespace hashscope::gui {

enum class Method { dense, simhash_topk, reformer };
inline constexpr Method kAllMethods[] = {Method::dense, Method::simhash_topk, Method::reformer};
const char* method_name(Method method);

struct MemoryShape {
    std::size_t d = 64, dv = 64;
    ReformerConfig reformer;
    int simhash_bits = 16;
    int top_k = 32;
    std::size_t scalar_bytes = 8;
};

// The buffers of one run at n tokens (shared Q/K, as the scene uses), named as core names them.
std::vector<MemoryItem> method_memory(Method method, std::size_t n, const MemoryShape& shape);

struct MemorySweep {
    std::vector<double> n;                        // 64, 128, ..., 1048576
    std::vector<std::vector<double>> bytes;       // [method in kAllMethods order][point]
};
// n = 2^6 .. 2^20 (the scene's n is on it); a chunk no smaller than n follows Reformer's standard
// path, as the algorithm does.
MemorySweep memory_sweep(const MemoryShape& shape);

}  // namespace hashscope::gui
