// Writes a loaded model as GGUF v3 (ggml's docs/gguf.md), the mirror of gguf_reader: llama.cpp's
// metadata keys for the llama and gpt2 architectures, the tokenizer (byte-level BPE as
// tokenizer.ggml.model "gpt2": tokens, merges, types, BOS/EOS), and every tensor under its canonical
// name. Vectors (norms, biases) stay F32; matrices are written as `matrix_type` (F32, F16 or Q8_0,
// quantised the way ggml does: per 32 values d = max|x| / 127 stored as f16, q = round(x / d)).
// Layouts become GGUF's: GPT-2's Conv1D [in, out] matrices are transposed to [out, in], and Llama
// Q/K projections of Hugging Face's rotate-half layout are permuted to the interleaved pairs GGUF
// llama uses (what llama.cpp's converter does), so the file means the same model to any reader.
// Written to a temporary name and renamed: a failure leaves no partial file.
#pragma once

#include <string>

#include "core/model/byte_level_bpe_tokenizer.hpp"
#include "core/model/model_weights.hpp"

namespace hashscope {

// `name` goes to general.name. InputError for a matrix type other than f32, f16, q8_0, a Q8_0
// matrix whose rows are not a multiple of 32 values, or a file that cannot be written.
void write_gguf(const ModelWeights& model, const ByteLevelBpeTokenizer& tokenizer, const std::string& path,
                TensorType matrix_type, const std::string& name);

}  // namespace hashscope
