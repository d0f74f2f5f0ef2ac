#include "model/tokenizer/pretokenizer.h"

#include <utf8proc.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace openbook::tokenizer {
namespace {

const std::vector<PreTokenizer>& all_kinds() {
    static const std::vector<PreTokenizer> kinds = {
        PreTokenizer::kDefault,       PreTokenizer::kLlama3,       PreTokenizer::kDeepseekLlm,
        PreTokenizer::kDeepseekCoder, PreTokenizer::kDeepseek3Llm, PreTokenizer::kFalcon,
        PreTokenizer::kMpt,           PreTokenizer::kStarcoder,    PreTokenizer::kGpt2,
        PreTokenizer::kRefact,        PreTokenizer::kCommandR,     PreTokenizer::kStablelm2,
        PreTokenizer::kQwen2,         PreTokenizer::kOlmo,         PreTokenizer::kDbrx,
        PreTokenizer::kSmaug,         PreTokenizer::kPoro,         PreTokenizer::kChatglm4,
        PreTokenizer::kViking,        PreTokenizer::kJais,         PreTokenizer::kTekken,
        PreTokenizer::kSmollm,        PreTokenizer::kCodeshell,    PreTokenizer::kBloom,
        PreTokenizer::kGpt3Finnish,   PreTokenizer::kExaone,       PreTokenizer::kChameleon,
        PreTokenizer::kMinerva,
    };
    return kinds;
}

std::vector<std::string> split(PreTokenizer kind, std::string_view text,
                               PreTokenSplitterOptions options = {}) {
    auto splitter = PreTokenSplitter::create(kind, options);
    EXPECT_TRUE(splitter.has_value()) << splitter.error().to_string();
    if (!splitter.has_value()) return {};
    std::string storage;
    const std::string_view normalized = normalize_for_split(text, storage);
    std::vector<std::string_view> pieces;
    splitter->split(normalized, pieces);
    return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

// Random text from fragments that exercise every branch of the expressions: contractions in
// both cases, each class of character, ASCII and non-ASCII whitespace, line breaks, and bytes
// that are not UTF-8.
std::string random_text(std::mt19937& rng, size_t max_fragments) {
    static const std::vector<std::string> fragments = {
        "a",
        "b",
        "Z",
        "e",
        "s",
        "t",
        "l",
        "r",
        "v",
        "d",
        "m",
        "S",
        "T",
        "L",
        "x",
        "A",
        "B",
        "'",
        "'s",
        "'LL",
        "'re",
        "'Ve",
        " ",
        "  ",
        "    ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\x0B",
        "\x0C",
        "\x1C",
        "\x7F",
        std::string(1, '\0'),
        "0",
        "1",
        "9",
        "123",
        "!",
        ".",
        ",",
        "?",
        "-",
        "_",
        "~",
        "$",
        "+",
        "<",
        "|",
        "`",
        "^",
        "(",
        "[",
        "]",
        "{",
        "}",
        "\\",
        "/",
        "@",
        "#",
        "%",
        "&",
        "*",
        ":",
        ";",
        "\"",
        "=",
        ">",
        "<sentinel:12>",
        "IMGIMGABZ",
        "\u00A0",
        "\u0085",
        "\u3000",
        "\u2028",
        "\u1680",
        "\u200B",
        "\u00E9",
        "\u00DF",
        "\u00C9",
        "\u0416",
        "\u0438",
        "\u03B1",
        "\u6211",
        "\u4E00",
        "\u9FA5",
        "\u9FA6",
        "\U0002EBF0",
        "\u31EF",
        "\uAC00",
        "\u3042",
        "\u30AB",
        "\u0639",
        "\u0915",
        "\u093F",
        "\u0301",
        "\U0001F999",
        "\u200D",
        "\uFE0F",
        "\uFF01",
        "\uFF21",
        "\uFF5E",
        "\u2019",
        "\u201C",
        "\u2026",
        "\u3002",
        "\uFF0C",
        "\u211D",
        "\u00B5",
        "\u216B",
        "\u00B2",
        "\u00BD",
        "\uFFFD",
        "\u0964",
        "\u06D4",
        "\u060C",
        "\u1780",
        "\U0001D400",
        "\u2018",
        "\u201F",
        "\uFF0F",
        "\uFF1A",
        "\u3001",
        "\u0660",
        "\u0800",
        "\u20AC",
        "\u00A9",
        "\u212A",
        "\u0130",
        "\x80",
        "\xC3",
        "\xFF",
        "\xC0\x80",
        "\xED\xA0\x80",
        "\xF4\x90\x80\x80",
        "\xE4\xB8",
    };
    std::string text;
    const size_t n = 1 + rng() % max_fragments;
    for (size_t i = 0; i < n; ++i) text += fragments[rng() % fragments.size()];
    return text;
}

// ---- character classes ----

TEST(CharClass, FollowsLlamaCppTable) {
    EXPECT_EQ(char_class('a'), CharClass::kLetter);
    EXPECT_EQ(char_class('Z'), CharClass::kLetter);
    EXPECT_EQ(char_class('7'), CharClass::kNumber);
    EXPECT_EQ(char_class('!'), CharClass::kPunctuation);
    EXPECT_EQ(char_class('_'), CharClass::kPunctuation);
    EXPECT_EQ(char_class('~'), CharClass::kSymbol);
    EXPECT_EQ(char_class('$'), CharClass::kSymbol);
    EXPECT_EQ(char_class(0x00), CharClass::kOther);
    EXPECT_EQ(char_class(0x1C), CharClass::kOther);  // Python's isspace() says yes; White_Space no
    EXPECT_EQ(char_class(0x7F), CharClass::kOther);
    for (char32_t ws : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A,
                        0x2028, 0x2029, 0x202F, 0x205F, 0x3000}) {
        EXPECT_EQ(char_class(ws), CharClass::kWhitespace) << static_cast<uint32_t>(ws);
    }
    EXPECT_EQ(char_class(0x200B), CharClass::kOther);  // zero width space is a format character
    EXPECT_EQ(char_class(0x180E), CharClass::kOther);
    EXPECT_EQ(char_class(0xE9), CharClass::kLetter);
    EXPECT_EQ(char_class(0x6211), CharClass::kLetter);
    EXPECT_EQ(char_class(0x0301), CharClass::kMark);
    EXPECT_EQ(char_class(0x093F), CharClass::kMark);
    EXPECT_EQ(char_class(0x0660), CharClass::kNumber);
    EXPECT_EQ(char_class(0x216B), CharClass::kNumber);  // Ⅻ (Nl)
    EXPECT_EQ(char_class(0xBD), CharClass::kNumber);    // ½ (No)
    EXPECT_EQ(char_class(0x3002), CharClass::kPunctuation);
    EXPECT_EQ(char_class(0xFFFD), CharClass::kSymbol);
    EXPECT_EQ(char_class(0x1F999), CharClass::kSymbol);
    EXPECT_EQ(char_class(0xD800), CharClass::kOther);
    EXPECT_EQ(char_class(0xE000), CharClass::kOther);
    EXPECT_EQ(char_class(0x10FFFF), CharClass::kOther);
    EXPECT_EQ(char_class(0x110000), CharClass::kOther);
}

TEST(CharClass, HasUnicode15Point1Additions) {
    EXPECT_EQ(char_class(0x2EBF0), CharClass::kLetter);  // CJK Extension I
    EXPECT_EQ(char_class(0x2EE5D), CharClass::kLetter);
    EXPECT_EQ(char_class(0x2EE5E), CharClass::kOther);
    EXPECT_EQ(char_class(0x2FFC), CharClass::kSymbol);
    EXPECT_EQ(char_class(0x2FFF), CharClass::kSymbol);
    EXPECT_EQ(char_class(0x31EF), CharClass::kSymbol);
}

// The table is utf8proc's categories plus the characters Unicode 15.1 added. A utf8proc for a
// later Unicode would also classify characters llama.cpp's table does not know (they would
// split differently): the patch list in pretokenizer.cpp must then become a removal list.
TEST(CharClass, Utf8procIsAtMostUnicode15Point1) {
    const std::string version = utf8proc_unicode_version();
    EXPECT_TRUE(version.rfind("15.0", 0) == 0 || version.rfind("15.1", 0) == 0)
        << "utf8proc implements Unicode " << version;
}

// ---- normalization ----

TEST(NormalizeForSplit, ValidTextIsReturnedAsIs) {
    std::string storage;
    const std::string text = "plain ascii, \u00E9, \u6211, \U0001F999";
    const std::string_view out = normalize_for_split(text, storage);
    EXPECT_EQ(out.data(), text.data());
    EXPECT_EQ(out.size(), text.size());
    // Surrogates decode in llama.cpp and pass through unchanged.
    const std::string surrogate = "a\xED\xA0\x80z";
    EXPECT_EQ(normalize_for_split(surrogate, storage).data(), surrogate.data());
}

TEST(NormalizeForSplit, InvalidBytesBecomeReplacementCharacters) {
    std::string storage;
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(normalize_for_split("\x80", storage), fffd);
    EXPECT_EQ(normalize_for_split("a\xC3", storage), "a" + fffd);
    EXPECT_EQ(normalize_for_split("\xE4\xB8", storage), fffd + fffd);  // lead, then stray byte
    EXPECT_EQ(normalize_for_split("\xE4\xB8x", storage), fffd + fffd + "x");
    EXPECT_EQ(normalize_for_split("\xF8\xFF", storage), fffd + fffd);
    EXPECT_EQ(normalize_for_split("\xF4\x90\x80\x80", storage), fffd);  // above U+10FFFF
    EXPECT_EQ(normalize_for_split("ok \xC3\xA9 \xFF!", storage), "ok \xC3\xA9 " + fffd + "!");
}

TEST(NormalizeForSplit, OverlongSequencesTakeTheirShortestForm) {
    std::string storage;
    EXPECT_EQ(normalize_for_split("\xC0\x80", storage), std::string(1, '\0'));
    EXPECT_EQ(normalize_for_split("\xC1\x81", storage), "A");
    EXPECT_EQ(normalize_for_split("\xE0\x80\xAF", storage), "/");
    EXPECT_EQ(normalize_for_split("\xF0\x80\x81\x81", storage), "A");
}

// ---- splits, as llama.cpp makes them ----

TEST(PreTokenSplitter, Gpt2) {
    EXPECT_EQ(split(PreTokenizer::kGpt2, "I'm here!!  ok\n"),
              (Pieces{"I", "'m", " here", "!!", " ", " ok", "\n"}));
    // Contractions are lowercase only; a run of spaces keeps its last one for the next word.
    EXPECT_EQ(split(PreTokenizer::kGpt2, "I'M  \t x"), (Pieces{"I", "'", "M", "  \t", " x"}));
    EXPECT_EQ(split(PreTokenizer::kGpt2, "\u00A0\u00A0a"), (Pieces{"\u00A0", "\u00A0", "a"}));
    EXPECT_EQ(split(PreTokenizer::kGpt2, "x  "), (Pieces{"x", "  "}));
    EXPECT_EQ(split(PreTokenizer::kGpt2, ""), Pieces{});
}

TEST(PreTokenSplitter, Llama3) {
    EXPECT_EQ(split(PreTokenizer::kLlama3, "1234567 abc"), (Pieces{"123", "456", "7", " abc"}));
    EXPECT_EQ(split(PreTokenizer::kLlama3, "HELLO'S\r\n\r\n  x"),
              (Pieces{"HELLO", "'S", "\r\n\r\n", " ", " x"}));
    EXPECT_EQ(split(PreTokenizer::kLlama3, "a\u200B b"), (Pieces{"a", "\u200B", " b"}));
    EXPECT_EQ(split(PreTokenizer::kLlama3, "(x)"), (Pieces{"(x", ")"}));
}

TEST(PreTokenSplitter, Qwen2SplitsEveryDigit) {
    EXPECT_EQ(split(PreTokenizer::kQwen2, "x=123;\n\n"),
              (Pieces{"x", "=", "1", "2", "3", ";\n\n"}));
}

TEST(PreTokenSplitter, SeveralExpressionsSplitInSequence) {
    EXPECT_EQ(split(PreTokenizer::kFalcon, "12345 x+=1"), (Pieces{"123", "45", " x", "+=", "1"}));
    EXPECT_EQ(split(PreTokenizer::kDefault, "12345,6"), (Pieces{"123", "45", ",", "6"}));
    EXPECT_EQ(split(PreTokenizer::kStarcoder, "x12 y"), (Pieces{"x", "1", "2", " y"}));
    EXPECT_EQ(split(PreTokenizer::kDeepseekCoder, "ab12\u6211\u4EEC\n"),
              (Pieces{"ab", "1", "2", "\u6211\u4EEC", "\n"}));
    EXPECT_EQ(split(PreTokenizer::kPoro, "Hi, there!\u3002ok"),
              (Pieces{"Hi", ",", " there", "!\u3002", "ok"}));
    EXPECT_EQ(split(PreTokenizer::kTekken, "HelloWORLDFoo"), (Pieces{"Hello", "WORLDFoo"}));
    EXPECT_EQ(split(PreTokenizer::kChameleon, "<sentinel:7>IMGIMGABZ  \tx1"),
              (Pieces{"<", "sentinel", ":", "7", ">", "IMGIMGABZ", "  ", "\t", "x", "1"}));
}

TEST(PreTokenSplitter, LiteralExpressionsReadNonAsciiWhitespaceAsSpace) {
    // deepseek-llm lists U+3000 among its punctuation, but like llama.cpp the splitter sees it
    // as white space, so it joins the next letters through \s?.
    EXPECT_EQ(split(PreTokenizer::kDeepseekLlm, "a\u3000b"), (Pieces{"a", "\u3000b"}));
    EXPECT_EQ(split(PreTokenizer::kDeepseekLlm, "\u3000\u3001x"),
              (Pieces{"\u3000", "\u3001", "x"}));
}

TEST(PreTokenSplitter, SymbolClassLeavesOutTilde) {
    // In deepseek-v3's third expression ' ?[\p{P}\p{S}]+' takes "$$" but not "~~".
    EXPECT_EQ(split(PreTokenizer::kDeepseek3Llm, "a$$b"), (Pieces{"a", "$$", "b"}));
    EXPECT_EQ(split(PreTokenizer::kDeepseek3Llm, "a~~b"), (Pieces{"a", "~", "~b"}));
}

// ---- properties over random text ----

TEST(PreTokenSplitter, HandWrittenSplittersMatchTheExpressions) {
    for (PreTokenizer kind :
         {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2, PreTokenizer::kFalcon,
          PreTokenizer::kStarcoder, PreTokenizer::kDefault, PreTokenizer::kChameleon}) {
        std::mt19937 rng(static_cast<unsigned>(kind) + 1);
        for (int i = 0; i < 1500; ++i) {
            const std::string text = random_text(rng, 40);
            ASSERT_EQ(split(kind, text, {.hand_written = true}),
                      split(kind, text, {.hand_written = false}))
                << "kind " << static_cast<int>(kind) << " text '" << text << "'";
        }
    }
}

TEST(PreTokenSplitter, PiecesCoverTheTextForEveryKind) {
    std::mt19937 rng(42);
    for (PreTokenizer kind : all_kinds()) {
        auto splitter = PreTokenSplitter::create(kind);
        ASSERT_TRUE(splitter.has_value()) << splitter.error().to_string();
        for (int i = 0; i < 300; ++i) {
            const std::string text = random_text(rng, 60);
            std::string storage;
            const std::string_view normalized = normalize_for_split(text, storage);
            // Also unnormalized bytes: must not crash or lose bytes, whatever the pieces.
            for (std::string_view input : {normalized, std::string_view(text)}) {
                std::vector<std::string_view> pieces;
                splitter->split(input, pieces);
                std::string joined;
                for (std::string_view p : pieces) {
                    ASSERT_FALSE(p.empty());
                    ASSERT_EQ(p.data(), input.data() + joined.size())
                        << "kind " << static_cast<int>(kind) << " text '" << input << "'";
                    joined += p;
                }
                ASSERT_EQ(joined, input) << "kind " << static_cast<int>(kind);
            }
        }
    }
}

TEST(PreTokenSplitter, LongRunsAreSplitWithoutTrouble) {
    const std::string spaces(1 << 16, ' ');
    const std::string word(1 << 16, 'X');
    std::string mixed;
    for (int i = 0; i < 4000; ++i) mixed += "Ab\u00E9\u6211 12\t";
    for (PreTokenizer kind : all_kinds()) {
        auto splitter = PreTokenSplitter::create(kind);
        ASSERT_TRUE(splitter.has_value());
        for (const std::string& text : {spaces, word, mixed}) {
            std::vector<std::string_view> pieces;
            splitter->split(text, pieces);
            size_t total = 0;
            for (std::string_view p : pieces) total += p.size();
            EXPECT_EQ(total, text.size()) << "kind " << static_cast<int>(kind);
        }
    }
    // A run of spaces at the end stays one piece; a long word too, also through Tekken's
    // expression, which tests each letter in a group of its own (a million of them).
    const std::string long_word(1 << 20, 'X');
    EXPECT_EQ(split(PreTokenizer::kGpt2, std::string(1 << 20, ' ')).size(), 1u);
    EXPECT_EQ(split(PreTokenizer::kTekken, long_word).size(), 1u);
    EXPECT_EQ(split(PreTokenizer::kTekken, long_word + "xyz").size(), 1u);
    EXPECT_EQ(split(PreTokenizer::kTekken, "xyz" + long_word).size(), 2u);
}

TEST(PreTokenSplitter, ConcurrentSplitsAgree) {
    auto splitter = PreTokenSplitter::create(PreTokenizer::kDeepseekLlm);
    ASSERT_TRUE(splitter.has_value());
    std::mt19937 rng(7);
    std::vector<std::string> texts;
    for (int i = 0; i < 200; ++i) texts.push_back(random_text(rng, 40));
    auto run = [&](std::vector<std::vector<std::string_view>>& results) {
        for (size_t i = 0; i < texts.size(); ++i) {
            std::vector<std::string_view> pieces;
            splitter->split(texts[i], pieces);
            results.push_back(pieces);
        }
    };
    std::vector<std::vector<std::string_view>> expected, a, b;
    run(expected);
    std::thread t1([&] { run(a); });
    std::thread t2([&] { run(b); });
    t1.join();
    t2.join();
    EXPECT_EQ(a, expected);
    EXPECT_EQ(b, expected);
}

}  // namespace
}  // namespace openbook::tokenizer
