// A model from a GGUF file: the architecture's hyper-parameters from `<arch>.*` metadata, tensors
// under their GGUF names (already the canonical ones), and the embedded SentencePiece-style
// tokenizer (tokenizer.ggml.model = "llama": tokens with U+2581 for spaces, scores, token types).
// Architectures: llama (and the Llama-shaped mistral) with interleaved RoPE — llama.cpp's converter
// permutes Hugging Face's Q/K rows into that layout —, qwen2 (q/k/v biases, halves RoPE) and gpt2.
// Anything else is refused by name.
#pragma once

#include <memory>
#include <string>

#include "core/model/gguf_reader.hpp"
#include "core/model/model_weights.hpp"
#include "core/model/tokenizer.hpp"

namespace hashscope {

ModelWeights gguf_model_weights(const GgufFile& gguf);

// The embedded tokenizer: tokenizer.ggml.model "llama" (SentencePiece-style: tokens, scores,
// token_type) or "gpt2" (byte-level BPE: tokens, merges); null when there is none or another kind.
// A malformed one is an InputError; its size must equal `vocab`.
std::shared_ptr<const Tokenizer> gguf_tokenizer(const GgufFile& gguf, int vocab);

}  // namespace hashscope
