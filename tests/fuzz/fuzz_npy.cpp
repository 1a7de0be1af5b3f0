// libFuzzer harness: .npy files (core/npy), read and converted to a matrix as the CLI does.
#include "core/npy.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = hashscope_fuzz::write_input(data, size, "input.npy");
    return hashscope_fuzz::refuse_only_with_input_error([&] {
        const hashscope::NpyArray array = hashscope::read_npy(path);
        (void)hashscope::npy_values<double>(array);
        if (array.shape.size() == 2) (void)hashscope::npy_to_matrix<float>(array, path);
    });
}
