// GPT-2's byte-level BPE against Hugging Face `tokenizers`: tests/data/bpe holds a tokenizer.json
// trained by tests/reference/byte_level_bpe_recipe.py and the ids `tokenizers` gives for sample
// texts (contractions, runs of spaces, newlines, digits, accents, Greek, Cyrillic, CJK, emoji).
// The same vocabulary and merges as GGUF metadata (tokenizer.ggml.model = "gpt2") give the same ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/model/byte_level_bpe_tokenizer.hpp"
#include "core/model/unicode_classes.hpp"
#include "core/model/gguf_model.hpp"
#include "core/model/hf_model.hpp"
#include "support/gguf_writer.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;

namespace {

const std::string kFolder = HASHSCOPE_TEST_DATA_DIR "/bpe";

nlohmann::json load(const std::string& name) {
    std::ifstream in(kFolder + "/" + name);
    return nlohmann::json::parse(in);
}

void expect_matches_tokenizers(const Tokenizer& tok) {
    const auto expected = load("expected.json");
    for (std::size_t i = 0; i < expected["samples"].size(); ++i) {
        const std::string text = expected["samples"][i].get<std::string>();
        const auto ids = expected["ids"][i].get<std::vector<int>>();
        EXPECT_EQ(tok.encode(text, false), ids) << "sample " << i << ": " << text;
        EXPECT_EQ(tok.decode(ids), text) << "sample " << i;
    }
}

}  // namespace

TEST(ByteLevelBpe, TokenizerJsonEncodesLikeHuggingFaceTokenizers) {
    const auto tok = load_hf_tokenizer(kFolder, 420);
    ASSERT_NE(tok, nullptr);
    EXPECT_STREQ(tok->kind(), "byte-level-bpe");
    EXPECT_EQ(tok->bos(), 0);
    EXPECT_EQ(tok->eos(), 0);
    EXPECT_EQ(tok->encode("Hi", true).front(), 0);
    expect_matches_tokenizers(*tok);
}

TEST(ByteLevelBpe, PreTokenizerFollowsGpt2sPattern) {
    using V = std::vector<std::string>;
    EXPECT_EQ(ByteLevelBpeTokenizer::pre_tokenize("I'm  here, ok?\n\nyes 42"),
              (V{"I", "'m", " ", " here", ",", " ok", "?", "\n", "\n", "yes", " 42"}));  // \s+(?!\S) leaves one
    EXPECT_EQ(ByteLevelBpeTokenizer::pre_tokenize("end   "), (V{"end", "   "}));
    EXPECT_EQ(ByteLevelBpeTokenizer::pre_tokenize("a\n b"), (V{"a", "\n", " b"}));
}

// The fixture's tokenizer as GGUF metadata (tokenizer.ggml.model = "gpt2").
static void write_gguf_tokenizer(const std::string& path, bool add_space_prefix) {
    const auto json = load("tokenizer.json");
    std::vector<std::string> tokens(420);
    for (const auto& [piece, id] : json["model"]["vocab"].items()) tokens.at(id.get<std::size_t>()) = piece;
    std::vector<std::string> merges;
    for (const auto& m : json["model"]["merges"])
        merges.push_back(m.is_array() ? m[0].get<std::string>() + " " + m[1].get<std::string>() : m.get<std::string>());
    hashscope_test::GgufWriter w;
    w.string("tokenizer.ggml.model", "gpt2");
    w.strings("tokenizer.ggml.tokens", tokens);
    w.strings("tokenizer.ggml.merges", merges);
    w.u32("tokenizer.ggml.bos_token_id", 0);
    w.u32("tokenizer.ggml.eos_token_id", 0);
    std::vector<std::int32_t> types(420, 1);  // normal, but <|endoftext|> (id 0): control, as in added_tokens
    types[0] = 3;
    w.ints("tokenizer.ggml.token_type", types);
    if (add_space_prefix) w.boolean("tokenizer.ggml.add_space_prefix", true);
    w.write(path);
}

TEST(ByteLevelBpe, GgufGpt2TokenizerGivesTheSameIds) {
    hashscope_test::TempDir dir("bpe_gguf");
    write_gguf_tokenizer(dir / "tok.gguf", false);
    const auto tok = gguf_tokenizer(read_gguf(dir / "tok.gguf"), 420);
    ASSERT_NE(tok, nullptr);
    expect_matches_tokenizers(*tok);
    EXPECT_THROW(gguf_tokenizer(read_gguf(dir / "tok.gguf"), 500), InputError);
}

// \p{L}, \p{N} and \s as the Unicode Character Database has them, at code points whose category
// is not in doubt, including the ones an ASCII-plus-blocks guess gets wrong.
TEST(ByteLevelBpe, UnicodeClassesFollowTheCharacterDatabase) {
    for (const char32_t c : {U'A', U'\u00E9', U'\u00DF', U'\u03A9', U'\u4E2D', U'\u30A2', U'\u02B0', U'\U0001D400'})
        EXPECT_TRUE(is_unicode_letter(c)) << std::hex << std::uint32_t(c);
    for (const char32_t c : {U'7', U'\u0663', U'\u216B', U'\u00BD', U'\u00B2'})
        EXPECT_TRUE(is_unicode_number(c)) << std::hex << std::uint32_t(c);
    for (const char32_t c : {U' ', U'\t', U'\u0085', U'\u00A0', U'\u3000', U'\u2029'})
        EXPECT_TRUE(is_unicode_space(c)) << std::hex << std::uint32_t(c);
    // Currency, a dash, an emoji, a combining accent (Mn) and a zero-width space (not White_Space):
    // none of the three.
    for (const char32_t c : {U'\u20AC', U'\u2014', U'\U0001F600', U'\u0301', U'\u200B', U'_'}) {
        EXPECT_FALSE(is_unicode_letter(c)) << std::hex << std::uint32_t(c);
        EXPECT_FALSE(is_unicode_number(c)) << std::hex << std::uint32_t(c);
        EXPECT_FALSE(is_unicode_space(c)) << std::hex << std::uint32_t(c);
    }
    // A combining accent is not a letter, so it breaks a run of letters as GPT-2's regex does.
    using V = std::vector<std::string>;
    EXPECT_EQ(ByteLevelBpeTokenizer::pre_tokenize("cafe\u0301 \u216B!"), (V{"cafe", "\u0301", " \u216B", "!"}));
    // A byte that starts no UTF-8 sequence stands alone, as a symbol.
    EXPECT_EQ(ByteLevelBpeTokenizer::pre_tokenize("ab\xFF" "cd"), (V{"ab", "\xFF", "cd"}));
}

// Added tokens (tokenizer.json's added_tokens) written in the text become their own id, and BPE
// runs on the text around them, as Hugging Face's added vocabulary does.
TEST(ByteLevelBpe, AddedTokensAreMatchedInTheText) {
    const auto tok = load_hf_tokenizer(kFolder, 420);
    const std::vector<int> hello = tok->encode("Hello world", false), lily = tok->encode(" Lily", false);
    std::vector<int> expected = hello;
    expected.push_back(0);  // <|endoftext|>
    expected.insert(expected.end(), lily.begin(), lily.end());
    EXPECT_EQ(tok->encode("Hello world<|endoftext|> Lily", false), expected);
    EXPECT_EQ(tok->encode("<|endoftext|><|endoftext|>", false), (std::vector<int>{0, 0}));
    EXPECT_NE(tok->encode("<|endoftext|", false).back(), 0);  // incomplete: ordinary text
}

// Hugging Face's ByteLevel add_prefix_space (kjv-llama's tokenizer; GGUF's tokenizer.ggml.add_space_prefix):
// a space before each run of text between added tokens that does not start with one, so the first
// word is coded like every later word. Hand-worked against the same tokenizer without the option.
TEST(ByteLevelBpe, PrefixSpaceCodesTheFirstWordLikeTheOthers) {
    const auto plain = load_hf_tokenizer(kFolder, 420);
    auto json = load("tokenizer.json");
    hashscope_test::TempDir dir("bpe_prefix");
    const auto with_pre_tokenizer = [&](const nlohmann::json& pre) {
        json["pre_tokenizer"] = pre;
        std::ofstream(dir / "tokenizer.json") << json.dump();
        return load_hf_tokenizer(dir.path.string(), 420);
    };
    const nlohmann::json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    write_gguf_tokenizer(dir / "tok.gguf", true);
    for (const auto& prefixed : {with_pre_tokenizer(byte_level),
                                 with_pre_tokenizer({{"type", "Sequence"}, {"pretokenizers", {byte_level}}}),
                                 gguf_tokenizer(read_gguf(dir / "tok.gguf"), 420)}) {
        ASSERT_NE(prefixed, nullptr);
        EXPECT_EQ(prefixed->encode("Lily", false), plain->encode(" Lily", false));
        EXPECT_NE(prefixed->encode("Lily", false), plain->encode("Lily", false));
        EXPECT_EQ(prefixed->encode(" Lily", false), plain->encode(" Lily", false));  // already starts with one
        EXPECT_EQ(prefixed->encode("Hello world", true), plain->encode(" Hello world", true));
        EXPECT_TRUE(prefixed->encode("", false).empty());
        // Each run between added tokens gets its own space.
        std::vector<int> expected = plain->encode(" Hello", false);
        expected.push_back(0);
        for (const int id : plain->encode(" Lily", false)) expected.push_back(id);
        EXPECT_EQ(prefixed->encode("Hello<|endoftext|>Lily", false), expected);
        EXPECT_EQ(prefixed->decode(prefixed->encode("Hello", false)), " Hello");  // Hugging Face keeps it too
    }
    // The option off, or not a ByteLevel option: no space.
    EXPECT_EQ(with_pre_tokenizer({{"type", "ByteLevel"}, {"add_prefix_space", false}})->encode("Lily", false), plain->encode("Lily", false));
    EXPECT_EQ(with_pre_tokenizer({{"type", "Whitespace"}, {"add_prefix_space", true}})->encode("Lily", false), plain->encode("Lily", false));
    EXPECT_EQ(with_pre_tokenizer({{"type", "ByteLevel"}, {"add_prefix_space", "yes"}})->encode("Lily", false), plain->encode("Lily", false));
}
