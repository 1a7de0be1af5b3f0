// Andrej Karpathy's llama2.c checkpoint (the legacy "version 0" export): seven int32 — dim, hidden,
// layers, heads, kv_heads, vocab, max sequence — then float32 arrays stacked over layers: token
// embedding, attention RMS, wq, wk, wv, wo, FFN RMS, w1, w2, w3, final RMS, RoPE cos/sin tables
// and, when the vocab field is negative, a separate classifier. A positive vocab means the
// classifier shares the embedding. RoPE is interleaved with theta 10000, RMSNorm eps 1e-5.
#pragma once

#include <string>

#include "core/model/model_weights.hpp"

namespace hashscope {

// Maps the file and exposes its tensors under the canonical names (w1 = ffn_gate, w3 = ffn_up,
// w2 = ffn_down). Truncated or over-long files are refused naming the array that does not fit.
ModelWeights load_llama2c_checkpoint(const std::string& path);

}  // namespace hashscope
