// SimHash signatures on the device, the twin of core/simhash.hpp: codes[h][r] packs bit i = 1 where
// keys[h][r] . planes[h][:, i] >= 0 (ties at exactly 0 give 1), 32 bits to a word, least
// significant first. Keys are f32 or bf16; planes and the dot products are f32.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace hashscope::gpu {

struct SimHashShape {
    int heads = 1;
    int rows = 0;  // per head
    int d = 0;
    int bits = 0;
    std::size_t planes_head_stride = 0;  // floats between heads' planes; 0 shares one [d, bits] set
    int words() const { return (bits + 31) / 32; }
};

// keys [heads][rows][d], planes [heads][d][bits], codes [heads][rows][words].
template <class T>
void launch_simhash(const T* keys, const float* planes, std::uint32_t* codes, const SimHashShape& shape,
                    cudaStream_t stream);

}  // namespace hashscope::gpu
