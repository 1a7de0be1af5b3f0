// A Hugging Face model folder: config.json, the weights in model.safetensors or in shards listed by
// model.safetensors.index.json, and tokenizer.json. Names are mapped to the canonical ones:
//   llama, mistral, qwen2 (LlamaForCausalLM and kin): model.embed_tokens, model.layers.N.self_attn.
//     {q,k,v,o}_proj (+ q/k/v biases), mlp.{gate,up,down}_proj, input/post_attention_layernorm,
//     model.norm, lm_head; RoPE in the halves layout (rotate_half).
//   gpt2 (GPT2LMHeadModel): [transformer.]wte, wpe, h.N.ln_1, attn.c_attn, attn.c_proj, ln_2,
//     mlp.c_fc, mlp.c_proj, ln_f; Conv1D weights are stored [in, out] and marked transposed.
// `path` is the folder, its config.json, or a .safetensors file with config.json beside it.
#pragma once

#include <memory>
#include <string>

#include "core/model/model_weights.hpp"
#include "core/model/tokenizer.hpp"

namespace hashscope {

// True when `path` looks like a Hugging Face model (a folder with config.json, or a .safetensors file).
bool is_hf_model(const std::string& path);

ModelWeights load_hf_model(const std::string& path);

// tokenizer.json beside the weights: a BPE model with byte fallback is SentencePiece-style (Llama
// family; merges become scores, an earlier merge scoring higher), one without is GPT-2's
// byte-level BPE. Null when there is no tokenizer.json or it is another kind (WordPiece, Unigram).
std::shared_ptr<const Tokenizer> load_hf_tokenizer(const std::string& path, int vocab);

}  // namespace hashscope
