#include "core/model/byte_level_bpe_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "core/error.hpp"
#include "core/model/unicode_classes.hpp"

namespace hashscope {
namespace {

// One code point of UTF-8 text: its value and byte length. A byte that starts no valid sequence is
// one symbol, U+FFFD (a symbol, class "other"), so that it never joins a run of letters.
std::pair<char32_t, std::size_t> code_point(std::string_view s, std::size_t i) {
    const auto b = (unsigned char)s[i];
    if (b < 0x80) return {b, 1};
    const std::size_t length = (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    constexpr std::pair<char32_t, std::size_t> kInvalid{0xFFFD, 1};
    if (length == 0 || i + length > s.size()) return kInvalid;
    char32_t c = b & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = (unsigned char)s[i + k];
        if ((next >> 6) != 2) return kInvalid;
        c = (c << 6) | (next & 0x3F);
    }
    return {c, length};
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

enum class Class { letter, number, space, other };
Class classify(char32_t c) {
    return is_unicode_letter(c) ? Class::letter
           : is_unicode_number(c) ? Class::number
           : is_unicode_space(c)  ? Class::space
                                  : Class::other;
}

// GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256, 257, ... in order.
const std::array<std::string, 256>& byte_symbols() {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        int next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            append_utf8(t[std::size_t(b)], char32_t(printable ? b : next++));
        }
        return t;
    }();
    return table;
}

}  // namespace

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(std::string source, std::vector<std::string> pieces,
                                             const std::vector<std::pair<std::string, std::string>>& merges, int bos, int eos,
                                             const std::vector<int>& added, bool add_prefix_space)
    : Tokenizer(std::move(source), bos, eos), pieces_(std::move(pieces)), add_prefix_space_(add_prefix_space) {
    for (int id : {bos, eos})
        if (id < 0 || id >= vocab_size())
            throw InputError(this->source() + ": control token id " + std::to_string(id) + " outside the vocabulary of " +
                             std::to_string(vocab_size()));
    for (const int id : added) {
        if (id < 0 || id >= vocab_size())
            throw InputError(this->source() + ": added token id " + std::to_string(id) + " outside the vocabulary of " +
                             std::to_string(vocab_size()));
        if (!pieces_[std::size_t(id)].empty()) added_.emplace_back(pieces_[std::size_t(id)], id);
    }
    std::stable_sort(added_.begin(), added_.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    for (int id = 0; id < vocab_size(); ++id) ids_.emplace(pieces_[std::size_t(id)], id);
    for (std::size_t rank = 0; rank < merges.size(); ++rank) ranks_.emplace(merges[rank], int(rank));
}

std::vector<std::string> ByteLevelBpeTokenizer::pre_tokenize(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    const auto class_at = [&](std::size_t at) { return classify(code_point(text, at).first); };
    // Extends from `at` over code points of class `c`; returns the end.
    const auto run = [&](std::size_t at, Class c) {
        while (at < text.size() && class_at(at) == c) at += code_point(text, at).second;
        return at;
    };
    while (i < text.size()) {
        std::size_t end = i;
        if (text[i] == '\'') {
            for (const std::string_view suffix : {"s", "t", "re", "ve", "m", "ll", "d"})
                if (text.substr(i + 1, suffix.size()) == suffix) {
                    end = i + 1 + suffix.size();
                    break;
                }
        }
        if (end == i) {
            const std::size_t start = text[i] == ' ' && i + 1 < text.size() && class_at(i + 1) != Class::space ? i + 1 : i;
            const Class c = class_at(start);
            if (c != Class::space) {
                end = run(start, c);
            } else {
                // Whitespace: all of it at the end of the text, else all but the last character,
                // which then leads the next piece (at least one character is always taken).
                const std::size_t stop = run(i, Class::space);
                end = stop;
                if (stop < text.size()) {
                    std::size_t last = i;
                    for (std::size_t k = i; k < stop; k += code_point(text, k).second) last = k;
                    end = last > i ? last : stop;
                }
            }
        }
        out.emplace_back(text.substr(i, end - i));
        i = end;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> ByteLevelBpeTokenizer::merges() const {
    std::vector<std::pair<int, std::pair<std::string, std::string>>> by_rank;  // a repeated merge kept its first rank
    for (const auto& [pair, rank] : ranks_) by_rank.push_back({rank, pair});
    std::sort(by_rank.begin(), by_rank.end());
    std::vector<std::pair<std::string, std::string>> ordered;
    for (auto& [rank, pair] : by_rank) ordered.push_back(std::move(pair));
    return ordered;
}

std::vector<int> ByteLevelBpeTokenizer::encode(std::string_view text, bool add_bos) const {
    std::vector<int> tokens;
    if (add_bos) tokens.push_back(bos());
    std::size_t done = 0;
    for (std::size_t i = 0; i < text.size() && !added_.empty(); ++i)
        for (const auto& [piece, id] : added_)  // longest first: the first that matches here wins
            if (text.compare(i, piece.size(), piece) == 0) {
                encode_text(text.substr(done, i - done), tokens);
                tokens.push_back(id);
                done = i + piece.size();
                i = done - 1;
                break;
            }
    encode_text(text.substr(done), tokens);
    return tokens;
}

void ByteLevelBpeTokenizer::encode_text(std::string_view text, std::vector<int>& tokens) const {
    std::string prefixed;
    if (add_prefix_space_ && !text.empty() && text.front() != ' ') {
        prefixed = " " + std::string(text);
        text = prefixed;
    }
    for (const auto& word : pre_tokenize(text)) {
        std::vector<std::string> symbols;
        for (const char ch : word) symbols.push_back(byte_symbols()[(unsigned char)ch]);
        for (;;) {
            int best = std::numeric_limits<int>::max();
            for (std::size_t k = 0; k + 1 < symbols.size(); ++k)
                if (const auto it = ranks_.find({symbols[k], symbols[k + 1]}); it != ranks_.end()) best = std::min(best, it->second);
            if (best == std::numeric_limits<int>::max()) break;
            std::vector<std::string> merged;
            for (std::size_t k = 0; k < symbols.size(); ++k) {
                const auto it = k + 1 < symbols.size() ? ranks_.find({symbols[k], symbols[k + 1]}) : ranks_.end();
                if (it != ranks_.end() && it->second == best) {
                    merged.push_back(symbols[k] + symbols[k + 1]);
                    ++k;
                } else {
                    merged.push_back(symbols[k]);
                }
            }
            symbols = std::move(merged);
        }
        for (const auto& s : symbols) {
            const auto it = ids_.find(s);
            if (it == ids_.end()) throw InputError(source() + ": byte-level piece '" + s + "' is not in the vocabulary");
            tokens.push_back(it->second);
        }
    }
}

std::string ByteLevelBpeTokenizer::decode_token(int, int token) const {
    if (token == bos() || token == eos()) return {};
    static const std::unordered_map<std::string, char> bytes = [] {
        std::unordered_map<std::string, char> m;
        for (int b = 0; b < 256; ++b) m.emplace(byte_symbols()[std::size_t(b)], char(b));
        return m;
    }();
    const std::string& p = piece(token);
    std::string out;
    for (std::size_t i = 0; i < p.size();) {
        const std::size_t length = code_point(p, i).second;
        const auto it = bytes.find(p.substr(i, length));
        out += it != bytes.end() ? std::string(1, it->second) : p.substr(i, length);
        i += length;
    }
    return out;
}

std::string ByteLevelBpeTokenizer::decode(std::span<const int> tokens) const {
    std::string text;
    for (const int token : tokens) text += decode_token(-1, token);
    return text;
}

}  // namespace hashscope
