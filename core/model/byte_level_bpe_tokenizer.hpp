// GPT-2's byte-level BPE (Radford et al. 2019; Hugging Face ByteLevel + BPE): text is split by
// GPT-2's pre-tokenizer pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// each piece's UTF-8 bytes are mapped to printable characters (bytes_to_unicode: printable Latin-1
// bytes stand for themselves, the other 68 become U+0100..U+0143), and adjacent symbols are merged,
// lowest merge rank first (every occurrence of that pair at once), until no listed pair remains.
// The letter/number classes are exact for ASCII; beyond it, code points count as letters except
// common Unicode whitespace, punctuation and symbol blocks (an approximation of \p{L} and \p{N}).
// Special tokens written in the text (e.g. "<|endoftext|>") are not split out.
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
    // `pieces` as stored (byte-level characters); `merges` in rank order. Errors name `source`.
    ByteLevelBpeTokenizer(std::string source, std::vector<std::string> pieces,
                          const std::vector<std::pair<std::string, std::string>>& merges, int bos, int eos);

    std::vector<int> encode(std::string_view text, bool add_bos) const override;
    std::string decode_token(int previous, int token) const override;
    std::string decode(std::span<const int> tokens) const override;
    int vocab_size() const override { return int(pieces_.size()); }
    const std::string& piece(int id) const override { return pieces_.at(std::size_t(id)); }
    const char* kind() const override { return "byte-level-bpe"; }

    // The merges in rank order, as given (what a writer stores to rebuild this tokenizer).
    std::vector<std::pair<std::string, std::string>> merges() const;

    // GPT-2's pre-tokenizer alone: the pieces BPE then runs on, as UTF-8 text.
    static std::vector<std::string> pre_tokenize(std::string_view text);

private:
    std::vector<std::string> pieces_;
    std::unordered_map<std::string, int> ids_;
    std::map<std::pair<std::string, std::string>, int> ranks_;
};

}  // namespace hashscope
