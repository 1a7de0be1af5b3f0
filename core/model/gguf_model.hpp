// A model from a GGUF file: the architecture's hyper-parameters from `<arch>.*` metadata, tensors
// under their GGUF names (already the canonical ones), and the embedded SentencePiece-style
// tokenizer (tokenizer.ggml.model = "llama": tokens with U+2581 for spaces, scores, token types).
// Architectures: llama (and the Llama-shaped mistral) with interleaved RoPE — llama.cpp's converter
// permutes Hugging Face's Q/K rows into that layout —, qwen2 (q/k/v biases, halves RoPE) and gpt2.
// Anything else is refused by name.
#pragma once

#include <optional>
#include <string>

#include "core/model/gguf_reader.hpp"
#include "core/model/model_weights.hpp"
#include "core/model/tokenizer.hpp"

namespace hashscope {

ModelWeights gguf_model_weights(const GgufFile& gguf);

// The embedded tokenizer, or nullopt when the file has none this code reads (GPT-2 BPE merges are
// not read yet); a malformed one is an InputError. Its size must equal `vocab`.
std::optional<Tokenizer> gguf_tokenizer(const GgufFile& gguf, int vocab);

}  // namespace hashscope
