#include "core/model/safetensors_reader.hpp"

#include <nlohmann/json.hpp>

#include <limits>

#include "core/model/json_integer.hpp"
#include "core/model/tensor_ranges.hpp"

namespace hashscope {

SafetensorsFile read_safetensors(const std::string& path) {
    SafetensorsFile st{MappedFile::open(path), {}};
    const auto header_size = st.file->read<std::uint64_t>(0, "header length");
    const auto header_bytes = st.file->bytes(8, header_size, "header");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(reinterpret_cast<const char*>(header_bytes.data()),
                                       reinterpret_cast<const char*>(header_bytes.data()) + header_bytes.size());
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path + ": header is not JSON (" + std::string(e.what()) + ")");
    }
    if (!header.is_object()) throw InputError(path + ": header is not a JSON object");
    const std::uint64_t data_start = 8 + header_size;
    std::vector<TensorRange> ranges;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") continue;
        const std::string what = "tensor " + name;
        try {
            const std::string dtype = entry.at("dtype").get<std::string>();
            Tensor t;
            if (dtype == "F32") t.type = TensorType::f32;
            else if (dtype == "F16") t.type = TensorType::f16;
            else if (dtype == "BF16") t.type = TensorType::bf16;
            else throw InputError(path + ": " + what + " has unsupported dtype " + dtype + " (F32, F16, BF16 are read)");
            std::uint64_t count = 1;
            for (const auto& d : entry.at("shape")) {
                const auto dimension = json_integer(d, 1, std::numeric_limits<std::int64_t>::max());
                const std::int64_t size = dimension.value_or(0);
                // Each dimension and their product stay within the file (no overflow in the count).
                if (size <= 0 || std::uint64_t(size) > st.file->size() || count > st.file->size() / std::uint64_t(size))
                    throw InputError(path + ": " + what + " has implausible dimension " + d.dump().substr(0, 40));
                count *= std::uint64_t(size);
                t.shape.push_back(size);
            }
            const auto& offsets = entry.at("data_offsets");  // clang 14 lambdas cannot capture `entry` (a binding)
            const auto offset = [&](int i) {
                const auto value = json_integer(offsets.at(i), 0, std::numeric_limits<std::int64_t>::max());
                if (!value) throw InputError(path + ": " + what + " data_offsets are not offsets in the file");
                return std::uint64_t(*value);
            };
            const auto begin = offset(0);
            const auto end = offset(1);
            if (end < begin) throw InputError(path + ": " + what + " data_offsets run backwards");
            const auto needed = *tensor_bytes(t.type, std::uint64_t(t.count()));
            if (end - begin != needed)
                throw InputError(path + ": " + what + " " + t.shape_string() + " " + dtype + " needs " + std::to_string(needed) +
                                 " bytes, data_offsets give " + std::to_string(end - begin));
            if (begin > st.file->size() - std::min(st.file->size(), data_start))
                throw InputError(path + ": " + what + " data_offsets run past the end of the file");
            t.data = st.file->bytes(data_start + begin, needed, what + " data");
            t.owner = st.file;
            ranges.push_back({name, begin, end});
            st.tensors.emplace(name, std::move(t));
        } catch (const nlohmann::json::exception& e) {
            throw InputError(path + ": " + what + " entry is malformed (" + std::string(e.what()) + ")");
        }
    }
    refuse_overlapping_tensors(path, std::move(ranges));
    return st;
}

}  // namespace hashscope
