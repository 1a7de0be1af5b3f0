// libFuzzer harness: llama2.c's tokenizer.bin (core/model/sentencepiece_tokenizer). The file has no
// count, so the first input byte picks the model's vocabulary size (1..64) and the rest is the file;
// a loaded tokenizer also encodes and decodes a short text.
#include "core/model/sentencepiece_tokenizer.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const int vocab = 1 + data[0] % 64;
    const std::string path = hashscope_fuzz::write_input(data + 1, size - 1, "tokenizer.bin");
    return hashscope_fuzz::refuse_only_with_input_error([&] {
        const auto tokenizer = hashscope::load_llama2c_tokenizer(path, vocab);
        (void)tokenizer.decode(tokenizer.encode("Once upon a time", true));
    });
}
