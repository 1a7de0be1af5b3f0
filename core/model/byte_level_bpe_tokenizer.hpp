// GPT-2's byte-level BPE (Radford et al. 2019; Hugging Face ByteLevel + BPE): text is split by
// GPT-2's pre-tokenizer pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// each piece's UTF-8 bytes are mapped to printable characters (bytes_to_unicode: printable Latin-1
// bytes stand for themselves, the other 68 become U+0100..U+0143), and adjacent symbols are merged,
// lowest merge rank first (every occurrence of that pair at once), until no listed pair remains.
// \p{L}, \p{N} and \s are the Unicode Character Database's (unicode_classes.hpp). Added tokens
// (tokenizer.json's added_tokens, GGUF's control and user-defined tokens, e.g. "<|endoftext|>")
// written in the text are matched first, leftmost and longest, each becoming its own id; BPE runs
// on the text between them, as Hugging Face's added vocabulary does (its lstrip/rstrip options,
// which widen a match over neighbouring spaces, are not applied). With `add_prefix_space` (Hugging
// Face's ByteLevel option, GGUF's tokenizer.ggml.add_space_prefix) each run of text between added
// tokens that does not start with a space gets one first, so a text's first word is coded as every
// later word is (" And", not "And"), as llama2.c's encoder codes it with its dummy-prefix space.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/model/tokenizer.hpp"

namespace hashscope {

class ByteLevelBpeTokenizer : public Tokenizer {
public:
    // `pieces` as stored (byte-level characters); `merges` in rank order; `added`: ids whose pieces
    // are matched literally in the text before BPE. Errors name `source`.
    ByteLevelBpeTokenizer(std::string source, std::vector<std::string> pieces,
                          const std::vector<std::pair<std::string, std::string>>& merges, int bos, int eos,
                          const std::vector<int>& added = {}, bool add_prefix_space = false);

    std::vector<int> encode(std::string_view text, bool add_bos) const override;
    std::string decode_token(int previous, int token) const override;
    std::string decode(std::span<const int> tokens) const override;
    int vocab_size() const override { return int(pieces_.size()); }
    const std::string& piece(int id) const override { return pieces_.at(std::size_t(id)); }
    const char* kind() const override { return "byte-level-bpe"; }

    // The merges in rank order, as given (what a writer stores to rebuild this tokenizer).
    std::vector<std::pair<std::string, std::string>> merges() const;
    bool adds_prefix_space() const { return add_prefix_space_; }

    // GPT-2's pre-tokenizer alone: the pieces BPE then runs on, as UTF-8 text.
    static std::vector<std::string> pre_tokenize(std::string_view text);

private:
    // BPE of text that holds no added token.
    void encode_text(std::string_view text, std::vector<int>& tokens) const;

    std::vector<std::string> pieces_;
    std::vector<std::pair<std::string, int>> added_;  // (text, id), longest first
    std::unordered_map<std::string, int> ids_;
    std::map<std::pair<std::string, std::string>, int> ranks_;
    bool add_prefix_space_ = false;
};

}  // namespace hashscope
