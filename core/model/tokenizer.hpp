// What every tokenizer offers the rest of hashscope: text to ids (optionally with BOS), ids back to
// text, and its pieces. Two kinds implement it: SentencePiece-style BPE merged by piece score
// (llama2.c tokenizer.bin, GGUF "llama", Llama-family tokenizer.json) and GPT-2's byte-level BPE
// merged by rank (GGUF "gpt2", GPT-2 tokenizer.json).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hashscope {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    virtual std::vector<int> encode(std::string_view text, bool add_bos) const = 0;
    // One token's text as it follows `previous`; BOS and EOS print nothing.
    virtual std::string decode_token(int previous, int token) const = 0;
    // The text of a whole sequence.
    virtual std::string decode(std::span<const int> tokens) const = 0;
    virtual int vocab_size() const = 0;
    virtual const std::string& piece(int id) const = 0;  // as stored
    virtual const char* kind() const = 0;                 // "sentencepiece-bpe", "byte-level-bpe"

    int bos() const { return bos_; }
    int eos() const { return eos_; }
    const std::string& source() const { return source_; }

protected:
    Tokenizer(std::string source, int bos, int eos) : source_(std::move(source)), bos_(bos), eos_(eos) {}

private:
    std::string source_;
    int bos_, eos_;
};

}  // namespace hashscope
