// What the model subcommands (capture, info, eval) share: loading --model with its --tokenizer,
// and turning --tokens / --prompt / a text file into token ids, each error naming the flag.
#pragma once

#include <string>
#include <vector>

#include "core/model/model_loader.hpp"

namespace hashscope::cli {

LoadedModel load_model_flags(const std::string& model, const std::string& tokenizer);

// "1 403 12" or "1,403,12" -> ids; errors name --tokens.
std::vector<int> parse_token_list(const std::string& text);

// The text encoded with BOS by the model's tokenizer; `flag` names where the text came from.
std::vector<int> encode_text(const LoadedModel& model, const std::string& text, const std::string& flag);

// The whole file as text; errors name `flag` and the path.
std::string read_text_file(const std::string& path, const std::string& flag);

}  // namespace hashscope::cli
