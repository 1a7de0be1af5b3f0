// Splits [0, count) into `threads` contiguous ranges and runs them at once, the caller's thread
// taking the last. The forward pass uses it for its matrix products (split by rows) and its
// attention heads, crypto bucketing for its rows; the work per call is large enough that starting
// threads per call is cheap.
// An exception in any range (a bad attention hook, say) is rethrown on the caller's thread.
#pragma once

#include <algorithm>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace hashscope {

inline void parallel_for(int count, int threads, const std::function<void(int begin, int end)>& body) {
    threads = std::max(1, std::min(threads, count));
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    const auto range = [&](int t) {
        try {
            body(count * t / threads, count * (t + 1) / threads);
        } catch (...) {
            errors[std::size_t(t)] = std::current_exception();
        }
    };
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t + 1 < threads; ++t) workers.emplace_back(range, t);
        range(threads - 1);
    }
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
}

}  // namespace hashscope
