#include "text/token_estimate.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace openbook::text {
namespace {

TEST(EstimateTokens, EmptyPunctuationAndSpaceCountNothing) {
    EXPECT_EQ(estimate_tokens(""), 0u);
    EXPECT_EQ(estimate_tokens("  \n\t"), 0u);
    EXPECT_EQ(estimate_tokens("... ,;!? -- () 。，「」"), 0u);
    EXPECT_EQ(estimate_tokens("\U0001F600 \u00A9"), 0u);
}

TEST(EstimateTokens, WordRunsCountOnce) {
    EXPECT_EQ(estimate_tokens("Hello, world!"), 2u);
    EXPECT_EQ(estimate_tokens("don't"), 2u);       // the apostrophe splits the run
    EXPECT_EQ(estimate_tokens("3.14"), 2u);
    EXPECT_EQ(estimate_tokens("GPT4o"), 1u);
    EXPECT_EQ(estimate_tokens("caf\u00E9 na\u00EFve"), 2u);
    EXPECT_EQ(estimate_tokens("e\u0301t\u00E9"), 1u);  // a combining mark stays in the word
    EXPECT_EQ(estimate_tokens("\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439"), 1u);
}

TEST(EstimateTokens, EachCjkCharacterCountsOne) {
    EXPECT_EQ(estimate_tokens("中文字"), 3u);
    EXPECT_EQ(estimate_tokens("ひらがな"), 4u);
    EXPECT_EQ(estimate_tokens("한국어"), 3u);
    EXPECT_EQ(estimate_tokens("我爱Python3编程"), 5u);   // 我 爱 Python3 编 程
    EXPECT_EQ(estimate_tokens("GPT-4模型。"), 4u);      // GPT 4 模 型
    EXPECT_EQ(estimate_tokens("\U00020000\U00020001"), 2u);
}

TEST(EstimateTokens, InvalidBytesAreNotWords) {
    EXPECT_EQ(estimate_tokens("\xFF\xFE"), 0u);
    EXPECT_EQ(estimate_tokens("ab\xFF" "cd"), 2u);  // the replacement splits the run
    EXPECT_EQ(estimate_tokens("\xE4\xB8"), 0u);     // truncated, not a CJK character
}

TEST(EstimateTokens, AdditiveAcrossSpacesOnRealText) {
    // Splitting a text at a space never changes the total: spaces count nothing and end runs.
    const std::string text = openbook::testing::read_file(
        openbook::testing::shared_data("ollama-testdata/war-and-peace.txt"));
    ASSERT_GT(text.size(), 1'000'000u);
    const size_t whole = estimate_tokens(text);
    for (size_t at : {size_t{1000}, size_t{123457}, text.size() / 2}) {
        const size_t space = text.find(' ', at);
        ASSERT_NE(space, std::string::npos);
        EXPECT_EQ(estimate_tokens(std::string_view(text).substr(0, space)) +
                      estimate_tokens(std::string_view(text).substr(space)),
                  whole);
    }
    // English prose: a bit more than one token per space-separated word (apostrophes, digits).
    size_t words = 0;
    bool in_word = false;
    for (char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    EXPECT_GE(whole, words * 95 / 100);
    EXPECT_LE(whole, words * 115 / 100);
}

TEST(EstimateTokens, ChineseParagraphCountsCharacters) {
    // 25 CJK characters, 3 marks, the number 1786 and the word "IAST".
    EXPECT_EQ(estimate_tokens("在歐洲，梵語的學術研究，由德國學者陸特和漢斯雷頓開創1786年IAST。"), 27u);
}

}  // namespace
}  // namespace openbook::text
