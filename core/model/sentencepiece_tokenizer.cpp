#include "core/model/sentencepiece_tokenizer.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "core/model/mapped_file.hpp"

namespace hashscope {
namespace {

// "<0xAB>" -> 0xAB; -1 for anything else.
int byte_of_piece(const std::string& piece) {
    if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return -1;
    int value = 0;
    for (int i = 3; i < 5; ++i) {
        const char ch = piece[std::size_t(i)];
        const int digit = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::string source, std::vector<std::string> pieces, std::vector<float> scores,
                                               int bos, int eos, std::vector<bool> special)
    : Tokenizer(std::move(source), bos, eos), pieces_(std::move(pieces)), scores_(std::move(scores)) {
    if (pieces_.size() != scores_.size())
        throw InputError(this->source() + ": " + std::to_string(pieces_.size()) + " pieces but " +
                         std::to_string(scores_.size()) + " scores");
    for (int id : {bos, eos})
        if (id < 0 || id >= vocab_size())
            throw InputError(this->source() + ": control token id " + std::to_string(id) + " outside the vocabulary of " +
                             std::to_string(vocab_size()));
    byte_ids_.fill(-1);
    special.resize(pieces_.size(), false);
    for (int id = 0; id < vocab_size(); ++id) {
        if (special[std::size_t(id)]) continue;
        ids_.emplace(pieces_[std::size_t(id)], id);
        const int byte = byte_of_piece(pieces_[std::size_t(id)]);
        if (byte >= 0 && byte_ids_[std::size_t(byte)] < 0) byte_ids_[std::size_t(byte)] = id;
    }
}

int SentencePieceTokenizer::lookup(const std::string& piece) const {
    const auto it = ids_.find(piece);
    return it == ids_.end() ? -1 : it->second;
}

std::vector<int> SentencePieceTokenizer::encode(std::string_view text, bool add_bos) const {
    std::vector<int> tokens;
    if (add_bos) tokens.push_back(bos());
    if (text.empty()) return tokens;
    const int space = lookup(" ");
    if (space >= 0) tokens.push_back(space);

    for (std::size_t i = 0; i < text.size();) {
        std::size_t end = i + 1;
        while (end < text.size() && end - i < 4 && is_continuation((unsigned char)text[end])) ++end;
        const std::string character(text.substr(i, end - i));
        if (const int id = lookup(character); id >= 0) {
            tokens.push_back(id);
        } else {
            for (const char ch : character) {
                const int id_of_byte = byte_ids_[(unsigned char)ch];
                if (id_of_byte < 0) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02X", unsigned((unsigned char)ch));
                    throw InputError(source() + ": no piece and no byte piece <" + hex + "> for text at byte " +
                                     std::to_string(i));
                }
                tokens.push_back(id_of_byte);
            }
        }
        i = end;
    }

    const std::size_t first = add_bos ? 1 : 0;  // BOS never merges
    for (;;) {
        float best_score = 0;
        int best_id = -1;
        std::size_t best_at = 0;
        for (std::size_t i = first; i + 1 < tokens.size(); ++i) {
            const int id = lookup(pieces_[std::size_t(tokens[i])] + pieces_[std::size_t(tokens[i + 1])]);
            if (id >= 0 && (best_id < 0 || scores_[std::size_t(id)] > best_score)) {
                best_score = scores_[std::size_t(id)];
                best_id = id;
                best_at = i;
            }
        }
        if (best_id < 0) break;
        tokens[best_at] = best_id;
        tokens.erase(tokens.begin() + std::ptrdiff_t(best_at) + 1);
    }
    return tokens;
}

std::string SentencePieceTokenizer::decode_token(int previous, int token) const {
    if (token == bos() || token == eos()) return {};
    std::string text = piece(token);
    if (previous == bos() && !text.empty() && text[0] == ' ') text.erase(0, 1);
    if (const int byte = byte_of_piece(text); byte >= 0) return std::string(1, char(byte));
    return text;
}

std::string SentencePieceTokenizer::decode(std::span<const int> tokens) const {
    std::string text;
    int previous = -1;
    for (const int token : tokens) {
        text += decode_token(previous, token);
        previous = token;
    }
    return text;
}

std::string sentencepiece_spaces(const std::string& piece) {
    std::string out;
    for (std::size_t i = 0; i < piece.size(); ++i) {
        if (piece.compare(i, 3, "\xE2\x96\x81") == 0) {
            out += ' ';
            i += 2;
        } else {
            out += piece[i];
        }
    }
    return out;
}

SentencePieceTokenizer load_llama2c_tokenizer(const std::string& path, int vocab) {
    const auto file = MappedFile::open(path);
    FileCursor cursor(*file);
    const auto max_length = cursor.next<std::int32_t>("max_token_length");
    if (max_length <= 0 || max_length > (1 << 16))
        throw InputError(path + ": max_token_length " + std::to_string(max_length) + " is not plausible");
    std::vector<std::string> pieces;
    std::vector<float> scores;
    while (cursor.remaining() > 0) {
        const std::string what = "token " + std::to_string(pieces.size());
        scores.push_back(cursor.next<float>(what + " score"));
        const auto length = cursor.next<std::int32_t>(what + " length");
        if (length < 0 || length > max_length)
            throw InputError(path + ": " + what + " length " + std::to_string(length) + " outside 0.." +
                             std::to_string(max_length));
        pieces.push_back(cursor.string(std::uint64_t(length), what + " bytes"));
    }
    if (int(pieces.size()) != vocab)
        throw InputError(path + ": holds " + std::to_string(pieces.size()) + " tokens, the model's vocab is " +
                         std::to_string(vocab));
    // llama2.c's convention: 1 = BOS, 2 = EOS.
    if (vocab < 3) throw InputError(path + ": vocabulary of " + std::to_string(vocab) + " has no BOS/EOS");
    return SentencePieceTokenizer(path, std::move(pieces), std::move(scores), 1, 2);
}

}  // namespace hashscope
