// The safetensors container (Hugging Face): an 8-byte little-endian header length N, N bytes of
// JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets from the end
// of the header; "__metadata__" holds free-form strings), then the raw row-major data. F32, F16 and
// BF16 are read; offsets, sizes and the header itself are checked against the file.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/model/mapped_file.hpp"
#include "core/model/model_weights.hpp"

namespace hashscope {

struct SafetensorsFile {
    std::shared_ptr<const MappedFile> file;
    std::map<std::string, Tensor> tensors;  // views into the mapping, shapes as stored
};

SafetensorsFile read_safetensors(const std::string& path);

}  // namespace hashscope
