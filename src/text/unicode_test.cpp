#include "text/unicode.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook::text {
namespace {

TEST(IsCjk, ScriptsWithoutSpaces) {
    for (char32_t cp : {U'中', U'文', U'々', U'ぁ', U'カ', U'ㄅ', U'한', U'ᄀ', U'㐀', U'豈',
                        U'\U00020000', U'\U0002A700', U'ｶ'}) {
        EXPECT_TRUE(is_cjk(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'a', U'1', U' ', U'。', U'，', U'「', U'・', U'é', U'α', U'\uFFFD',
                        U'\U0001F600'}) {
        EXPECT_FALSE(is_cjk(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(IsWordChar, LettersAndDigitsOfSpacedScripts) {
    for (char32_t cp : {U'a', U'Z', U'0', U'9', U'é', U'ß', U'α', U'Д', U'٣', U'Ⅻ', U'²',
                        U'\u0301', U'ا'}) {
        EXPECT_TRUE(is_word_char(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'中', U'カ', U' ', U'_', U'-', U'.', U'\'', U'。', U'\uFFFD',
                        U'\U0001F600', U'$'}) {
        EXPECT_FALSE(is_word_char(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(IsSpace, UnicodeAndControlSpaces) {
    for (char32_t cp : {U' ', U'\t', U'\n', U'\v', U'\f', U'\r', U'\u0085', U'\u00A0',
                        U'\u2003', U'\u2028', U'\u2029', U'\u3000'}) {
        EXPECT_TRUE(is_space(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'a', U'\0', U'\u200B', U'\uFEFF', U'_', U'中'}) {
        EXPECT_FALSE(is_space(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(IsPunctuationOrSymbol, CoversPAndS) {
    for (char32_t cp : {U'.', U',', U'!', U'(', U'"', U'_', U'-', U'$', U'+', U'^', U'©', U'€',
                        U'。', U'「', U'」', U'…', U'\U0001F600'}) {
        EXPECT_TRUE(is_punctuation_or_symbol(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'a', U'1', U'中', U' ', U'\n', U'\u0301'}) {
        EXPECT_FALSE(is_punctuation_or_symbol(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(IsTrailingPunctuation, ClosersAndMarksButNotOpeners) {
    for (char32_t cp : {U'.', U',', U';', U':', U'!', U'?', U')', U']', U'}', U'。', U'，',
                        U'、', U'；', U'：', U'！', U'？', U'…', U'」', U'』', U'）', U'》',
                        U'\u201D', U'\u2019', U'\u00BB'}) {
        EXPECT_TRUE(is_trailing_punctuation(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'(', U'[', U'「', U'『', U'（', U'《', U'\u201C', U'\u2018', U'#',
                        U'-', U'*', U'"', U'\'', U'a', U'中', U' '}) {
        EXPECT_FALSE(is_trailing_punctuation(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(IsSentenceTerminal, TerminalMarksOnly) {
    for (char32_t cp : {U'.', U'!', U'?', U'。', U'！', U'？', U'；', U'…', U'｡', U'．',
                        U'‼', U'⁇', U'⁈', U'⁉'}) {
        EXPECT_TRUE(is_sentence_terminal(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U',', U';', U':', U'，', U'、', U'：', U'」', U')', U'a', U'中'}) {
        EXPECT_FALSE(is_sentence_terminal(cp)) << std::hex << static_cast<uint32_t>(cp);
    }
}

TEST(CharacterClasses, TerminalsAreTrailingAndClassesAreConsistentOnRealText) {
    // Every terminal is trailing punctuation, and no character is both space and word char,
    // over all characters of a real Chinese and a real English text.
    for (const char* file : {"drcd/DRCD_dev.json", "ollama-testdata/war-and-peace.txt"}) {
        const std::string text =
            openbook::testing::read_file(openbook::testing::shared_data(file));
        size_t pos = 0;
        size_t n_cjk = 0;
        size_t n_word = 0;
        while (pos < text.size()) {
            const char32_t cp = decode_utf8(text, pos);
            const auto code = static_cast<uint32_t>(cp);
            if (is_sentence_terminal(cp)) {
                ASSERT_TRUE(is_trailing_punctuation(cp)) << code;
            }
            ASSERT_FALSE(is_space(cp) && (is_word_char(cp) || is_cjk(cp))) << code;
            ASSERT_FALSE(is_cjk(cp) && is_word_char(cp)) << code;
            ASSERT_FALSE(is_punctuation_or_symbol(cp) && is_word_char(cp)) << code;
            n_cjk += is_cjk(cp);
            n_word += is_word_char(cp);
        }
        EXPECT_GT(n_cjk + n_word, text.size() / 4) << file;
    }
}

}  // namespace
}  // namespace openbook::text
