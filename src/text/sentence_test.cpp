#include "text/sentence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::text {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> sentences(std::string_view text) {
    std::vector<std::string> out;
    for (const ByteSpan& span : split_sentences(text)) {
        out.emplace_back(text.substr(span.begin, span.size()));
    }
    return out;
}

TEST(SplitSentences, EmptyAndBlankTextHaveNoSentences) {
    EXPECT_TRUE(split_sentences("").empty());
    EXPECT_TRUE(split_sentences(" \n\t \r\n\u3000").empty());
}

TEST(SplitSentences, EnglishExactSpans) {
    const std::string_view text = "  Hello world. How are you?  Fine!\n";
    std::vector<ByteSpan> spans = split_sentences(text);
    EXPECT_THAT(spans, ElementsAre(ByteSpan{2, 14}, ByteSpan{15, 27}, ByteSpan{29, 34}));
}

TEST(SplitSentences, NoTerminalIsOneSentenceTrimmed) {
    EXPECT_THAT(split_sentences("  just a fragment \n "), ElementsAre(ByteSpan{2, 17}));
}

TEST(SplitSentences, AbbreviationsDoNotEndSentences) {
    EXPECT_THAT(sentences("Mr. Smith met Dr. Jones at 5 p.m. yesterday. They talked."),
                ElementsAre("Mr. Smith met Dr. Jones at 5 p.m. yesterday.", "They talked."));
    EXPECT_THAT(sentences("Use tools, e.g. hammers, i.e. heavy ones. Fine."),
                ElementsAre("Use tools, e.g. hammers, i.e. heavy ones.", "Fine."));
    EXPECT_THAT(sentences("See Fig. 3 and No. 7 for apples, pears, etc. and more. Done."),
                ElementsAre("See Fig. 3 and No. 7 for apples, pears, etc. and more.", "Done."));
    EXPECT_THAT(sentences("J. R. R. Tolkien wrote it. Smith et al. agree."),
                ElementsAre("J. R. R. Tolkien wrote it.", "Smith et al. agree."));
}

TEST(SplitSentences, NoIsOnlyAnAbbreviationBeforeANumber) {
    EXPECT_THAT(sentences("He said no. Then he left."),
                ElementsAre("He said no.", "Then he left."));
}

TEST(SplitSentences, DecimalsVersionsAndFileNamesDoNotSplit) {
    EXPECT_THAT(sentences("Pi is 3.14 roughly. Open config.json now. Python 3.11.2 works."),
                ElementsAre("Pi is 3.14 roughly.", "Open config.json now.",
                            "Python 3.11.2 works."));
}

TEST(SplitSentences, NumberedListItemIsNotASentenceByItself) {
    EXPECT_THAT(sentences("1. Install it. 2. Run it."),
                ElementsAre("1. Install it.", "2. Run it."));
}

TEST(SplitSentences, EllipsisStaysTogether) {
    EXPECT_THAT(sentences("Wait... then what? He left... The end."),
                ElementsAre("Wait... then what?", "He left...", "The end."));
    EXPECT_THAT(sentences("Well… OK."), ElementsAre("Well…", "OK."));
}

TEST(SplitSentences, ClosingQuotesAndBracketsStayWithTheSentence) {
    EXPECT_THAT(sentences("He said \"Stop.\" She ran. (It was late.) \u201cWhy?\u201d "
                          "Nobody knew."),
                ElementsAre("He said \"Stop.\"", "She ran.", "(It was late.)",
                            "\u201cWhy?\u201d", "Nobody knew."));
    // A quote or bracket closing right after the mark, with no space, is still part of it.
    EXPECT_THAT(sentences("'Go.'\"Now!\") Yes"), ElementsAre("'Go.'\"Now!\")", "Yes"));
}

TEST(SplitSentences, RepeatedTerminalsStayTogether) {
    EXPECT_THAT(sentences("Really?! Yes!!! OK."), ElementsAre("Really?!", "Yes!!!", "OK."));
}

TEST(SplitSentences, ChineseTerminals) {
    const std::string text = "今天天氣很好。我們去公園吧！你去嗎？我去；他也去……好的";
    EXPECT_THAT(sentences(text), ElementsAre("今天天氣很好。", "我們去公園吧！", "你去嗎？",
                                             "我去；", "他也去……", "好的"));
    // Exact byte offsets: each CJK character and mark is 3 bytes.
    std::vector<ByteSpan> spans = split_sentences(text);
    ASSERT_EQ(spans.size(), 6u);
    EXPECT_EQ(spans[0], (ByteSpan{0, 21}));
    EXPECT_EQ(spans[1], (ByteSpan{21, 42}));
    EXPECT_EQ(spans[5], (ByteSpan{text.size() - 6, text.size()}));
}

TEST(SplitSentences, ChineseClosingQuoteStaysWithSentence) {
    EXPECT_THAT(sentences("他說：「好。」然後走了。"),
                ElementsAre("他說：「好。」", "然後走了。"));
    EXPECT_THAT(sentences("書名是《三體》。『真的嗎？』她問。"),
                ElementsAre("書名是《三體》。", "『真的嗎？』", "她問。"));
}

TEST(SplitSentences, ChineseRunsOfMarksStayInThePrecedingSentence) {
    EXPECT_THAT(sentences("真的嗎！？是的。。好"), ElementsAre("真的嗎！？", "是的。。", "好"));
    // Trailing punctuation after a terminal never starts a sentence.
    EXPECT_THAT(sentences("好。，然後"), ElementsAre("好。，然後"));
}

TEST(SplitSentences, TrailingPunctuationAfterSpaceDoesNotStartASentence) {
    EXPECT_THAT(sentences("Hello . , world. Next"), ElementsAre("Hello . , world.", "Next"));
    EXPECT_THAT(sentences("第一段。\n\n，接著"), ElementsAre("第一段。\n\n，接著"));
}

TEST(SplitSentences, TextMayBeginWithTrailingPunctuation) {
    EXPECT_THAT(sentences("。開頭。結尾"), ElementsAre("。", "開頭。", "結尾"));
    EXPECT_THAT(sentences(", and so. On"), ElementsAre(", and so.", "On"));
}

TEST(SplitSentences, FullWidthChineseTerminalSplitsBeforeLatinAndOpeningQuote) {
    EXPECT_THAT(sentences("我用Python。Python很好。「對」"),
                ElementsAre("我用Python。", "Python很好。", "「對」"));
}

TEST(SplitSentences, MixedChineseAndEnglish) {
    EXPECT_THAT(sentences("深度學習（deep learning）很熱門。It is popular. 真的？Yes!"),
                ElementsAre("深度學習（deep learning）很熱門。", "It is popular.", "真的？", "Yes!"));
    // An ASCII period followed directly by CJK ends a sentence; between digits it does not.
    EXPECT_THAT(sentences("版本3.14發布了.然後呢"), ElementsAre("版本3.14發布了.", "然後呢"));
}

TEST(SplitSentences, BlankLineIsABoundary) {
    const std::string_view text = "# Title\n\nFirst paragraph line\ncontinues here\r\n\r\n  Second";
    EXPECT_THAT(sentences(text), ElementsAre("# Title", "First paragraph line\ncontinues here",
                                             "Second"));
    // A single newline is not a boundary.
    EXPECT_THAT(sentences("one line\nanother line"), ElementsAre("one line\nanother line"));
    // Whitespace-only lines count as blank.
    EXPECT_THAT(sentences("a\n \t\nb"), ElementsAre("a", "b"));
}

TEST(SplitSentences, AbbreviationBeforeBlankLineStillSplitsThere) {
    EXPECT_THAT(sentences("apples, pears, etc.\n\nNext part"),
                ElementsAre("apples, pears, etc.", "Next part"));
}

TEST(SplitSentences, InvalidUtf8DoesNotCrashAndStaysInBounds) {
    const std::string text = "ab\xFF\xC0. \xE4\xB8 c\xF0\x9F\x98. d";
    std::vector<ByteSpan> spans = split_sentences(text);
    ASSERT_FALSE(spans.empty());
    for (const ByteSpan& s : spans) {
        EXPECT_LT(s.begin, s.end);
        EXPECT_LE(s.end, text.size());
    }
    EXPECT_EQ(spans.front().begin, 0u);
    EXPECT_EQ(spans.back().end, text.size());
}

// Checks every documented property of split_sentences on text; returns the number of spans.
size_t check_properties(const std::string& text, const std::string& name) {
    std::vector<ByteSpan> spans = split_sentences(text);
    auto cp_at = [&](size_t pos) {
        size_t p = pos;
        return decode_utf8(text, p);
    };
    auto only_space = [&](size_t from, size_t to) {
        size_t p = from;
        while (p < to) {
            if (!is_space(decode_utf8(text, p))) return false;
        }
        return p == to;
    };
    size_t prev_end = 0;
    for (size_t k = 0; k < spans.size(); ++k) {
        const ByteSpan& s = spans[k];
        SCOPED_TRACE(name + " span " + std::to_string(k) + " at byte " + std::to_string(s.begin));
        if (s.begin >= s.end || s.end > text.size() || s.begin < prev_end) {
            ADD_FAILURE() << "bad span [" << s.begin << ", " << s.end << ") after " << prev_end;
            return spans.size();
        }
        EXPECT_TRUE(is_code_point_boundary(text, s.begin));
        EXPECT_TRUE(is_code_point_boundary(text, s.end));
        EXPECT_TRUE(only_space(prev_end, s.begin)) << "non-space between sentences";
        const char32_t first = cp_at(s.begin);
        EXPECT_FALSE(is_space(first));
        if (k > 0) {
            EXPECT_FALSE(is_trailing_punctuation(first))
                << "sentence starts with trailing punctuation: "
                << text.substr(s.begin, std::min<size_t>(40, s.size()));
        }
        // The character ending the span: step back to its lead byte.
        size_t last = s.end - 1;
        while (last > s.begin && !is_code_point_boundary(text, last)) --last;
        EXPECT_FALSE(is_space(cp_at(last)));
        prev_end = s.end;
    }
    EXPECT_TRUE(only_space(prev_end, text.size())) << name << ": non-space after last sentence";
    if (!spans.empty()) {
        EXPECT_TRUE(only_space(0, spans.front().begin));
    } else {
        EXPECT_TRUE(only_space(0, text.size()));
    }
    return spans.size();
}

std::vector<std::filesystem::path> markdown_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".md") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(SplitSentencesProperty, D2lChineseMarkdown) {
    auto files = markdown_files(openbook::testing::shared_data("d2l-zh"));
    ASSERT_GT(files.size(), 50u);
    size_t total = 0;
    for (const auto& f : files) total += check_properties(openbook::testing::read_file(f), f);
    EXPECT_GT(total, 5000u);
}

TEST(SplitSentencesProperty, D2lEnglishMarkdown) {
    auto files = markdown_files(openbook::testing::shared_data("d2l-en"));
    ASSERT_GT(files.size(), 50u);
    size_t total = 0;
    for (const auto& f : files) total += check_properties(openbook::testing::read_file(f), f);
    EXPECT_GT(total, 5000u);
}

TEST(SplitSentencesProperty, WarAndPeaceIsLinearAndWellFormed) {
    const std::string text = openbook::testing::read_file(
        openbook::testing::shared_data("ollama-testdata/war-and-peace.txt"));
    ASSERT_GT(text.size(), 3'000'000u);
    const size_t n = check_properties(text, "war-and-peace");
    EXPECT_GT(n, 20000u);

    // Linear time: splitting four copies takes about four times as long as one, not sixteen.
    std::string big;
    for (int k = 0; k < 4; ++k) big += text + "\n\n";
    auto time_split = [](const std::string& t) {
        auto t0 = std::chrono::steady_clock::now();
        auto spans = split_sentences(t);
        auto t1 = std::chrono::steady_clock::now();
        EXPECT_FALSE(spans.empty());
        return std::chrono::duration<double>(t1 - t0).count();
    };
    const double one = time_split(text);
    const double four = time_split(big);
    EXPECT_LT(four, 8 * one + 0.5) << "one copy " << one << " s, four copies " << four << " s";
}

TEST(SplitSentencesProperty, PathologicalInputsStayLinear) {
    // Long runs that a naive look-back or look-ahead would rescan for every character.
    const std::string dots(2'000'000, '.');
    const std::string spaces_dot = std::string(1'000'000, ' ') + "." + std::string(1'000'000, ' ');
    std::string letters_dots;
    for (int k = 0; k < 200'000; ++k) letters_dots += "abcdefghijklmnopqrst. ";
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THAT(split_sentences(dots), ElementsAre(ByteSpan{0, dots.size()}));
    EXPECT_THAT(split_sentences(spaces_dot), ElementsAre(ByteSpan{1'000'000, 1'000'001}));
    EXPECT_EQ(split_sentences(letters_dots).size(), 200'000u);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(seconds, 10.0);
}

}  // namespace
}  // namespace openbook::text
