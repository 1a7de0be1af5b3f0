// The Reformer's chunk attention on mma.sync fragments (bf16), the fast path of
// launch_reformer_attend: scores, softmax and probabilities stay in registers, and a block walks
// several consecutive chunks of the sorted sequence, so each chunk's rows are gathered once (as
// queries and keys of their own chunk, then as the look-back of the next) while the next chunk's
// rows load in the background. Same meaning as chunk_attention_kernel in reformer_kernel.cu.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/reformer_kernel.hpp"

namespace hashscope::gpu {

// The shapes the fragment kernel takes: chunks with a look-back, chunk a multiple of 16, and equal
// head dimensions of 64 or 128 (rows swizzled in 16-byte pieces across the 128-byte line).
bool chunk_attention_mma_applies(const ReformerShape& shape);

// round_output [heads][rounds][n][dv] and round_logsumexp [heads][rounds][n], as the other kernel.
void launch_chunk_attention_mma(const __nv_bfloat16* x, const __nv_bfloat16* v, const float* key_scale,
                                const std::int32_t* sorted, const ReformerShape& shape, __nv_bfloat16* round_output,
                                float* round_logsumexp, cudaStream_t stream);

}  // namespace hashscope::gpu
