#include "core/model/model_loader.hpp"

#include <filesystem>
#include <optional>

#include "core/model/gguf_model.hpp"
#include "core/model/hf_model.hpp"
#include "core/model/llama2c_checkpoint.hpp"
#include "core/model/mapped_file.hpp"
#include "core/model/sentencepiece_tokenizer.hpp"

namespace hashscope {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> llama2c_tokenizer_beside(const std::string& model_path, int vocab) {
    const fs::path folder = fs::path(model_path).parent_path();
    for (const std::string& name : {std::string("tokenizer.bin"), "tok" + std::to_string(vocab) + ".bin"})
        if (fs::exists(folder / name)) return (folder / name).string();
    return std::nullopt;
}

std::shared_ptr<const Tokenizer> llama2c_tokenizer(const std::string& path, int vocab) {
    return std::make_shared<SentencePieceTokenizer>(load_llama2c_tokenizer(path, vocab));
}

}  // namespace

LoadedModel load_model(const std::string& model_path, const std::string& tokenizer_path, const LoadProgress& progress) {
    const auto report = [&](const std::string& stage) {
        if (progress) progress(stage);
    };
    report("mapping " + model_path);
    if (!std::filesystem::is_directory(model_path) && is_gguf(*MappedFile::open(model_path))) {
        report("reading GGUF tables");
        const GgufFile gguf = read_gguf(model_path);
        LoadedModel loaded{gguf_model_weights(gguf), nullptr};
        const int vocab = loaded.weights.config.vocab;
        loaded.tokenizer = tokenizer_path.empty() ? gguf_tokenizer(gguf, vocab) : llama2c_tokenizer(tokenizer_path, vocab);
        report("ready");
        return loaded;
    }
    if (is_hf_model(model_path)) {
        report("reading config.json and safetensors headers");
        LoadedModel loaded{load_hf_model(model_path), nullptr};
        const int vocab = loaded.weights.config.vocab;
        loaded.tokenizer = tokenizer_path.empty() ? load_hf_tokenizer(model_path, vocab) : llama2c_tokenizer(tokenizer_path, vocab);
        report("ready");
        return loaded;
    }
    LoadedModel loaded{load_llama2c_checkpoint(model_path), nullptr};
    const int vocab = loaded.weights.config.vocab;
    const auto tokenizer = tokenizer_path.empty() ? llama2c_tokenizer_beside(model_path, vocab) : tokenizer_path;
    if (tokenizer) {
        report("reading tokenizer " + *tokenizer);
        loaded.tokenizer = llama2c_tokenizer(*tokenizer, vocab);
    }
    report("ready");
    return loaded;
}

}  // namespace hashscope
