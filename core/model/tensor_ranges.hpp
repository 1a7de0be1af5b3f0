// Refuses tensors whose bytes overlap inside a container (GGUF, safetensors). A well-formed file
// gives each tensor its own range; a crafted one that aliases them would make a write through one
// tensor (head swaps, quantisation in place) show up in another, and safetensors' own loader
// rejects overlaps too. The error names the file and both tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hashscope {

struct TensorRange {
    std::string name;
    std::uint64_t begin = 0, end = 0;  // [begin, end) in bytes
};

void refuse_overlapping_tensors(const std::string& path, std::vector<TensorRange> ranges);

}  // namespace hashscope
