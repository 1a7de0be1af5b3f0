// libFuzzer harness: llama2.c checkpoints (core/model/llama2c_checkpoint): the seven-int header and
// the weight arrays it implies.
#include "core/model/llama2c_checkpoint.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = hashscope_fuzz::write_input(data, size, "input.bin");
    return hashscope_fuzz::refuse_only_with_input_error([&] { (void)hashscope::load_llama2c_checkpoint(path); });
}
