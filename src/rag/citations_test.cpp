#include "rag/citations.h"

#include <random>

#include <gtest/gtest.h>

#include "text/utf8.h"

namespace openbook::rag {
namespace {

const std::vector<int> kValid = {1, 2, 3};

std::string cleaned(std::string_view text) { return clean_citations(text, kValid).text; }

TEST(Citations, ValidFormsAreKeptAsOneMarkerPerNumber) {
    EXPECT_EQ(cleaned("A [1]."), "A [1].");
    EXPECT_EQ(cleaned("A [1, 2]."), "A [1][2].");
    EXPECT_EQ(cleaned("A [1][3]."), "A [1][3].");
    EXPECT_EQ(cleaned("A [1-3]."), "A [1][2][3].");
    EXPECT_EQ(cleaned("A [1–2]."), "A [1][2].");
    EXPECT_EQ(cleaned("正規化可防止過擬合［2］。"), "正規化可防止過擬合[2]。");
    EXPECT_EQ(cleaned("正規化可防止過擬合【１、３】。"), "正規化可防止過擬合[1][3]。");
    EXPECT_EQ(cleaned("A [ 2 ,1 ]"), "A [2][1]");
}

TEST(Citations, InvalidNumbersAreRemovedAndReported) {
    auto r = clean_citations("Overfitting [7]. Yes [2, 9] and [4-5] no [0].", kValid);
    EXPECT_EQ(r.text, "Overfitting. Yes [2] and no.");
    ASSERT_EQ(r.removed.size(), 4u);
    EXPECT_EQ(r.removed[0].number, 7);
    EXPECT_EQ(r.removed[0].char_offset, 12);
    EXPECT_EQ(r.removed[1].number, 9);
    EXPECT_EQ(r.removed[2].number, 4);
    EXPECT_EQ(r.removed[2].number_last, 5);
    EXPECT_EQ(r.removed[3].number, 0);
    ASSERT_EQ(r.citations.size(), 1u);
    EXPECT_EQ(r.citations[0].number, 2);
}

TEST(Citations, RemovalKeepsWordsApartAndPunctuationTight) {
    EXPECT_EQ(cleaned("a [7] b"), "a b");
    EXPECT_EQ(cleaned("a [7]b"), "a b");
    EXPECT_EQ(cleaned("a [7]"), "a");
    EXPECT_EQ(cleaned("a [7][1] b"), "a [1] b");
    EXPECT_EQ(cleaned("a [7] [1] b"), "a [1] b");
    EXPECT_EQ(cleaned("過擬合[8]。"), "過擬合。");
    EXPECT_EQ(cleaned("x [99999999999999999999]"), "x");
}

TEST(Citations, OtherBracketsAreText) {
    EXPECT_EQ(cleaned("see [Note] and [a] and [1a] and [] and [x"),
              "see [Note] and [a] and [1a] and [] and [x");
    EXPECT_EQ(cleaned("unclosed [1 then text"), "unclosed [1 then text");
    EXPECT_EQ(cleaned("cut off at the end [1"), "cut off at the end");
    EXPECT_EQ(cleaned("cut off at the end ["), "cut off at the end [");
    EXPECT_EQ(cleaned("[[1]"), "[[1]");
}

TEST(Citations, PositionsAreCodePointsOfTheCleanedText) {
    auto r = clean_citations("正規化【2】與 dropout [3, 7]。", kValid);
    EXPECT_EQ(r.text, "正規化[2]與 dropout [3]。");
    ASSERT_EQ(r.citations.size(), 2u);
    for (const auto& c : r.citations) {
        // The span is exactly "[n]" in the cleaned text.
        std::u32string cps;
        for (size_t pos = 0; pos < r.text.size();) cps.push_back(text::decode_utf8(r.text, pos));
        std::u32string marker = U"[0]";
        marker[1] = static_cast<char32_t>(U'0' + c.number);
        EXPECT_EQ(cps.substr(c.char_start, c.char_end - c.char_start), marker);
        EXPECT_EQ(kValid[c.source_index], c.number);
    }
    EXPECT_EQ(r.citations[0].char_start, 3);
    EXPECT_EQ(r.cited_numbers(), (std::vector<int>{2, 3}));
}

// Any split of the text into pieces (bytes of a UTF-8 sequence included) gives the same output,
// and no released prefix ever shows an invalid number.
TEST(Citations, StreamingNeverShowsAnInvalidCitation) {
    const std::string text =
        "機器學習需要正規化【7】以防止過擬合［1］。Dropout helps [2, 8] and [9-12] and "
        "weight decay [3][44] too [Note]. 最後【５】。 end [6";
    const std::string expected = cleaned(text);
    std::mt19937 rng(42);
    for (int trial = 0; trial < 500; ++trial) {
        CitationFilter filter(kValid);
        std::string shown;
        for (size_t pos = 0; pos < text.size();) {
            size_t n = std::uniform_int_distribution<size_t>(1, 6)(rng);
            n = std::min(n, text.size() - pos);
            shown += filter.push(std::string_view(text).substr(pos, n));
            pos += n;
            // Invalid numbers never appear as a citation in anything shown so far.
            for (const char* bad : {"[7", "[8", "8]", "[9", "44", "5]", "５", "6"}) {
                ASSERT_EQ(shown.find(bad), std::string::npos) << bad << " in " << shown;
            }
            ASSERT_TRUE(text::is_valid_utf8(shown)) << shown;
        }
        shown += filter.flush();
        ASSERT_EQ(shown, expected);
        ASSERT_EQ(filter.result().text, expected);
    }
    EXPECT_EQ(expected,
              "機器學習需要正規化以防止過擬合[1]。Dropout helps [2] and and weight decay [3] too "
              "[Note]. 最後。 end");
}

TEST(Citations, EmptyValidListRemovesEveryCitation) {
    auto r = clean_citations("Nothing [1] here [2].", {});
    EXPECT_EQ(r.text, "Nothing here.");
    EXPECT_TRUE(r.citations.empty());
    EXPECT_EQ(r.removed.size(), 2u);
}

}  // namespace
}  // namespace openbook::rag
