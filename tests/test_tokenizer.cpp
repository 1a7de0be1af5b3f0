// The llama2.c tokenizer on stories260K's tok512.bin. Expected ids come from SentencePiece itself
// (Debian's python3-sentencepiece on tok512.model, the model tok512.bin was exported from):
//   sp.encode("Once upon a time, there was a little girl named Lily.") and
//   sp.encode("Hello wörld! 😀 zq"), the second exercising byte fallback (ö and 😀 are not pieces).
#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "core/model/sentencepiece_tokenizer.hpp"
#include "support/model_fixtures.hpp"

using namespace hashscope;
using hashscope_test::model_fixture;

namespace {

SentencePieceTokenizer stories_tokenizer() { return load_llama2c_tokenizer(model_fixture(hashscope_test::kStoriesTokenizer), 512); }

}  // namespace

TEST(Tokenizer, EncodesLikeSentencePiece) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStoriesTokenizer);
    const SentencePieceTokenizer tok = stories_tokenizer();
    EXPECT_EQ(tok.encode("Once upon a time, there was a little girl named Lily.", true),
              (std::vector<int>{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}));
    EXPECT_EQ(tok.encode("Hello wörld! 😀 zq", false),
              (std::vector<int>{346, 306, 414, 263, 198, 185, 420, 341, 443, 410, 243, 162, 155, 131, 410, 451, 456}));
    EXPECT_EQ(tok.encode("", true), (std::vector<int>{1}));
    EXPECT_TRUE(tok.encode("", false).empty());
}

TEST(Tokenizer, DecodesBackToTheText) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStoriesTokenizer);
    const SentencePieceTokenizer tok = stories_tokenizer();
    for (const std::string text : {"Once upon a time, there was a little girl named Lily.", "Hello wörld! 😀 zq"}) {
        const auto ids = tok.encode(text, true);
        EXPECT_EQ(tok.decode(ids), text);
    }
    EXPECT_EQ(tok.piece(1), "\n<s>\n");
    EXPECT_EQ(tok.decode_token(1, 403), "Once");    // the space after BOS is dropped
    EXPECT_EQ(tok.decode_token(403, 407), " upon");
    EXPECT_EQ(tok.decode_token(0, 3 + 0x41), "A");  // <0x41>
}

TEST(Tokenizer, RefusesAVocabularyOfTheWrongSize) {
    REQUIRE_MODEL_FIXTURE(hashscope_test::kStoriesTokenizer);
    try {
        load_llama2c_tokenizer(model_fixture(hashscope_test::kStoriesTokenizer), 500);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("holds 512 tokens, the model's vocab is 500"), std::string::npos) << e.what();
    }
}
