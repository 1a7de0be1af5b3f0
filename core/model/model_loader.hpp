// Opens whatever model file the user has: a GGUF file (by its magic), a Hugging Face safetensors
// model (a .safetensors file or a folder with config.json) or a llama2.c checkpoint (anything
// else), with its tokenizer: the given one, the one embedded (GGUF, tokenizer.json) or, for
// llama2.c, tokenizer.bin / tok<vocab>.bin beside the checkpoint. Everything is mapped, not read,
// so loading is quick; it is still meant to run off the UI thread, reporting stages to `progress`.
// Every problem is an InputError naming the file and the field or tensor.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/model/model_weights.hpp"
#include "core/model/tokenizer.hpp"

namespace hashscope {

struct LoadedModel {
    ModelWeights weights;
    std::shared_ptr<const Tokenizer> tokenizer;  // null when none was given or found
};

using LoadProgress = std::function<void(const std::string& stage)>;

LoadedModel load_model(const std::string& model_path, const std::string& tokenizer_path = "",
                       const LoadProgress& progress = {});

}  // namespace hashscope
