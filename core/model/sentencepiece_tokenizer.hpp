// A SentencePiece-style BPE tokenizer as llama2.c runs it: pieces with scores, text encoded by
// (1) an optional BOS, (2) a dummy-prefix space, (3) one piece per UTF-8 character, or its bytes as
// <0xXX> pieces when the character is not in the vocabulary (byte fallback), then (4) repeatedly
// merging the adjacent pair whose concatenation is a piece with the highest score (leftmost on
// ties) until no pair merges. Pieces hold real spaces (GGUF's U+2581 is converted on load).
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/tokenizer.hpp"

namespace hashscope {

class SentencePieceTokenizer : public Tokenizer {
public:
    // `source` names the file in errors; bos/eos are the control tokens' ids. Pieces marked in
    // `special` (control, unknown) never match text.
    SentencePieceTokenizer(std::string source, std::vector<std::string> pieces, std::vector<float> scores, int bos, int eos,
                           std::vector<bool> special = {});

    std::vector<int> encode(std::string_view text, bool add_bos) const override;
    // The space after BOS is dropped, <0xXX> is the byte.
    std::string decode_token(int previous, int token) const override;
    std::string decode(std::span<const int> tokens) const override;
    int vocab_size() const override { return int(pieces_.size()); }
    const std::string& piece(int id) const override { return pieces_.at(std::size_t(id)); }
    const char* kind() const override { return "sentencepiece-bpe"; }
    float score(int id) const { return scores_.at(std::size_t(id)); }

private:
    int lookup(const std::string& piece) const;  // -1 when absent

    std::vector<std::string> pieces_;
    std::vector<float> scores_;
    std::unordered_map<std::string, int> ids_;  // first id of each piece
    std::array<int, 256> byte_ids_;             // id of <0xXX>, -1 when absent
};

// SentencePiece writes a space as U+2581 LOWER ONE EIGHTH BLOCK; this puts the spaces back.
std::string sentencepiece_spaces(const std::string& piece);

// llama2.c's tokenizer.bin: int32 max piece length, then per token float32 score, int32 length and
// the bytes. The file has no count, so `vocab` (the model's) is the number of records it must hold.
SentencePieceTokenizer load_llama2c_tokenizer(const std::string& path, int vocab);

}  // namespace hashscope
