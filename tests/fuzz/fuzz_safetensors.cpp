// libFuzzer harness: safetensors files (core/model/safetensors_reader): the header length, the JSON
// header and every tensor's offsets against the file.
#include "core/model/safetensors_reader.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = hashscope_fuzz::write_input(data, size, "input.safetensors");
    return hashscope_fuzz::refuse_only_with_input_error([&] { (void)hashscope::read_safetensors(path); });
}
