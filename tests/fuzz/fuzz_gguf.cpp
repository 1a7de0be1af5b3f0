// libFuzzer harness: GGUF containers (core/model/gguf_reader), header, metadata, tensor table and
// every tensor's bounds-checked data view.
#include "core/model/gguf_reader.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = hashscope_fuzz::write_input(data, size, "input.gguf");
    return hashscope_fuzz::refuse_only_with_input_error([&] {
        const hashscope::GgufFile gguf = hashscope::read_gguf(path);
        for (const auto& tensor : gguf.tensors) (void)gguf.tensor_data(tensor);
    });
}
