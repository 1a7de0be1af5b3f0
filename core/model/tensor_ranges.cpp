#include "core/model/tensor_ranges.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace hashscope {

void refuse_overlapping_tensors(const std::string& path, std::vector<TensorRange> ranges) {
    std::sort(ranges.begin(), ranges.end(), [](const TensorRange& a, const TensorRange& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].begin < ranges[i - 1].end)
            throw InputError(path + ": tensors " + ranges[i - 1].name + " and " + ranges[i].name + " overlap (bytes " +
                             std::to_string(ranges[i].begin) + " to " +
                             std::to_string(std::min(ranges[i].end, ranges[i - 1].end)) + " are shared)");
}

}  // namespace hashscope
