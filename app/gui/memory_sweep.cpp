#include "app/gui/memory_sweep.hpp"

#include <cstdint>

namespace hashscope::gui {

const char* method_name(Method method) {
    switch (method) {
        case Method::dense: return "dense";
        case Method::simhash_topk: return "SimHash top-k";
        case Method::reformer: return "Reformer";
    }
    return "?";
}

std::vector<MemoryItem> method_memory(Method method, std::size_t n, const MemoryShape& shape) {
    switch (method) {
        case Method::dense: return dense_memory(n, n, shape.scalar_bytes);
        case Method::reformer: return reformer_memory(n, shape.d, shape.dv, shape.reformer, shape.scalar_bytes);
        case Method::simhash_topk: {
            auto items = simhash_memory(n, shape.d, shape.simhash_bits, shape.scalar_bytes);
            const std::size_t k = std::size_t(shape.top_k);
            items.push_back({"selected keys [n, k] int32", n * k * sizeof(std::int32_t)});
            items.push_back({"selected logits [n, k]", n * k * shape.scalar_bytes});
            return items;
        }
    }
    return {};
}

MemorySweep memory_sweep(const MemoryShape& shape) {
    MemorySweep sweep;
    for (std::size_t n = 64; n <= (std::size_t(1) << 20); n *= 2) sweep.n.push_back(double(n));
    for (const Method method : kAllMethods) {
        std::vector<double> bytes;
        for (const double n : sweep.n) bytes.push_back(double(total_bytes(method_memory(method, std::size_t(n), shape))));
        sweep.bytes.push_back(std::move(bytes));
    }
    return sweep;
}

}  // namespace hashscope::gui
