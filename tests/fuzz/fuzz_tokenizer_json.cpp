// libFuzzer harness: Hugging Face tokenizer.json (core/model/hf_model load_hf_tokenizer, both the
// SentencePiece-style and the byte-level BPE readers). The first input byte picks the model's
// vocabulary size (1..256), the rest is the file; a loaded tokenizer encodes and decodes a text.
#include "core/model/hf_model.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const int vocab = 1 + data[0];
    const std::string path = hashscope_fuzz::write_input(data + 1, size - 1, "tokenizer.json");
    return hashscope_fuzz::refuse_only_with_input_error([&] {
        const auto tokenizer = hashscope::load_hf_tokenizer(path, vocab);
        if (!tokenizer) return;
        (void)tokenizer->decode(tokenizer->encode("Once upon a time, caf\xc3\xa9", true));
    });
}
