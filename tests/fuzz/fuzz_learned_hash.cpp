// libFuzzer harness: hashscope's learned hash model files (core/learned_hash), as `learn` writes
// them and `topk`/`attend` read them.
#include "core/learned_hash.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = hashscope_fuzz::write_input(data, size, "model.hslh");
    return hashscope_fuzz::refuse_only_with_input_error([&] { (void)hashscope::load_learned_hash(path); });
}
