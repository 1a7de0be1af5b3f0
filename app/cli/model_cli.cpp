#include "app/cli/model_cli.hpp"

#include <fstream>
#include <sstream>

namespace hashscope::cli {

LoadedModel load_model_flags(const std::string& model, const std::string& tokenizer) {
    if (model.empty()) throw InputError("--model is required");
    return load_model(model, tokenizer);
}

std::vector<int> parse_token_list(const std::string& text) {
    std::string spaced = text;
    for (char& ch : spaced)
        if (ch == ',') ch = ' ';
    std::istringstream in(spaced);
    std::vector<int> ids;
    std::string word;
    while (in >> word) {
        std::size_t used = 0;
        long value = -1;
        try {
            value = std::stol(word, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != word.size() || value < 0 || value > (1L << 30))
            throw InputError("--tokens: '" + word + "' is not a token id");
        ids.push_back(int(value));
    }
    if (ids.empty()) throw InputError("--tokens: no token ids given");
    return ids;
}

std::vector<int> encode_text(const LoadedModel& model, const std::string& text, const std::string& flag) {
    if (!model.tokenizer)
        throw InputError(flag + " needs a tokenizer: " + model.weights.source() + " has none embedded or beside it (give --tokenizer)");
    return model.tokenizer->encode(text, true);
}

std::string read_text_file(const std::string& path, const std::string& flag) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(flag + " " + path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace hashscope::cli
