#include "text/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace openbook::text {
namespace {

// Decodes all of text, recording each code point and how many bytes it took.
struct Decoded {
    std::vector<char32_t> cps;
    std::vector<size_t> lengths;
};

Decoded decode_all(std::string_view text) {
    Decoded d;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t before = pos;
        d.cps.push_back(decode_utf8(text, pos));
        d.lengths.push_back(pos - before);
    }
    return d;
}

TEST(DecodeUtf8, AllSequenceLengths) {
    const std::string text = "a\u00E9\u4E2D\U0001F600\U00020000";  // a é 中 😀 𠀀
    Decoded d = decode_all(text);
    EXPECT_EQ(d.cps, (std::vector<char32_t>{'a', 0xE9, 0x4E2D, 0x1F600, 0x20000}));
    EXPECT_EQ(d.lengths, (std::vector<size_t>{1, 2, 3, 4, 4}));
}

TEST(DecodeUtf8, BoundaryCodePoints) {
    struct Case {
        std::string bytes;
        char32_t cp;
    };
    const std::vector<Case> cases = {
        {std::string("\x00", 1), 0},   {"\x7F", 0x7F},           {"\xC2\x80", 0x80},
        {"\xDF\xBF", 0x7FF},           {"\xE0\xA0\x80", 0x800},  {"\xED\x9F\xBF", 0xD7FF},
        {"\xEE\x80\x80", 0xE000},      {"\xEF\xBF\xBD", 0xFFFD}, {"\xEF\xBF\xBF", 0xFFFF},
        {"\xF0\x90\x80\x80", 0x10000}, {"\xF4\x8F\xBF\xBF", 0x10FFFF},
    };
    for (const Case& c : cases) {
        size_t pos = 0;
        const auto code = static_cast<uint32_t>(c.cp);
        EXPECT_EQ(decode_utf8(c.bytes, pos), c.cp) << std::hex << code;
        EXPECT_EQ(pos, c.bytes.size()) << std::hex << code;
    }
}

// Each invalid input decodes to exactly this many U+FFFD, one per byte consumed.
void expect_all_replacements(std::string_view bytes, size_t n) {
    Decoded d = decode_all(bytes);
    ASSERT_EQ(d.cps.size(), n) << "input of " << bytes.size() << " bytes";
    for (size_t k = 0; k < n; ++k) {
        EXPECT_EQ(d.cps[k], kReplacementChar);
        EXPECT_EQ(d.lengths[k], 1u);
    }
}

TEST(DecodeUtf8, OverlongsAreRejected) {
    expect_all_replacements("\xC0\xAF", 2);              // '/' in two bytes
    expect_all_replacements("\xC1\xBF", 2);
    expect_all_replacements("\xE0\x80\xAF", 3);          // '/' in three bytes
    expect_all_replacements("\xE0\x9F\xBF", 3);          // U+07FF in three bytes
    expect_all_replacements("\xF0\x80\x80\xAF", 4);      // '/' in four bytes
    expect_all_replacements("\xF0\x8F\xBF\xBF", 4);      // U+FFFF in four bytes
}

TEST(DecodeUtf8, SurrogatesAndOutOfRangeAreRejected) {
    expect_all_replacements("\xED\xA0\x80", 3);          // U+D800
    expect_all_replacements("\xED\xBF\xBF", 3);          // U+DFFF
    expect_all_replacements("\xF4\x90\x80\x80", 4);      // U+110000
    expect_all_replacements("\xF5\x80\x80\x80", 4);
    expect_all_replacements("\xFE\xFF", 2);
}

TEST(DecodeUtf8, TruncatedSequencesConsumeOneByteAndKeepWhatFollows) {
    // A truncated 3-byte lead followed by ASCII: the ASCII byte is not swallowed.
    Decoded d = decode_all("\xE4\xB8" "A");
    EXPECT_EQ(d.cps, (std::vector<char32_t>{kReplacementChar, kReplacementChar, 'A'}));
    // A truncated 4-byte sequence at the very end never reads past the buffer.
    const std::string buffer = "x\xF0\x9F\x98";
    std::string_view view(buffer.data(), buffer.size());
    d = decode_all(view);
    EXPECT_EQ(d.cps.size(), 4u);
    EXPECT_EQ(d.cps[0], 'x');
    // A valid character right after a stray continuation byte decodes normally.
    d = decode_all("\x80\u4E2D");
    EXPECT_EQ(d.cps, (std::vector<char32_t>{kReplacementChar, 0x4E2D}));
    EXPECT_EQ(d.lengths, (std::vector<size_t>{1, 3}));
}

TEST(AppendUtf8, EncodesEveryLengthAndReplacesNonScalars) {
    std::string out;
    for (char32_t cp : {char32_t{'A'}, char32_t{0xE9}, char32_t{0x4E2D}, char32_t{0x1F600}}) {
        append_utf8(out, cp);
    }
    EXPECT_EQ(out, "A\u00E9\u4E2D\U0001F600");
    std::string bad;
    append_utf8(bad, 0xD800);
    append_utf8(bad, 0x110000);
    EXPECT_EQ(bad, "\uFFFD\uFFFD");
}

TEST(AppendUtf8, RoundTripsEveryScalarValue) {
    std::string all;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        append_utf8(all, cp);
    }
    EXPECT_TRUE(is_valid_utf8(all));
    size_t pos = 0;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        ASSERT_EQ(decode_utf8(all, pos), cp);
    }
    EXPECT_EQ(pos, all.size());
    EXPECT_EQ(count_code_points(all), 0x110000u - 0x800u);
}

TEST(IsValidUtf8, AcceptsValidRejectsInvalid) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("中文 \U0001F600 \uFFFD"));  // a genuine U+FFFD is valid
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
    EXPECT_FALSE(is_valid_utf8("ok\xE4\xB8"));  // truncated at the end
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
}

TEST(RepairUtf8, ReplacesEachBadByteAndCounts) {
    size_t n = 99;
    EXPECT_EQ(repair_utf8("a\xFF" "b\xC0\xAF" "c\xE4\xB8", &n),
              "a\uFFFDb\uFFFD\uFFFDc\uFFFD\uFFFD");
    EXPECT_EQ(n, 5u);
    EXPECT_EQ(repair_utf8("中文\uFFFD ok", &n), "中文\uFFFD ok");
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(repair_utf8(""), "");
}

TEST(RepairUtf8, IsIdempotent) {
    const std::string messy = "x\xED\xA0\x80y\xF0\x9F\x98z\xC3\x28\x80\xF8\x88\x80\x80\x80";
    size_t first = 0;
    size_t second = 0;
    const std::string once = repair_utf8(messy, &first);
    const std::string twice = repair_utf8(once, &second);
    EXPECT_TRUE(is_valid_utf8(once));
    EXPECT_EQ(once, twice);
    EXPECT_GT(first, 0u);
    EXPECT_EQ(second, 0u);
}

TEST(CountCodePoints, CountsLeadBytes) {
    EXPECT_EQ(count_code_points(""), 0u);
    EXPECT_EQ(count_code_points("abc"), 3u);
    EXPECT_EQ(count_code_points("a\u00E9\u4E2D\U0001F600"), 4u);
}

TEST(SequenceHelpers, LengthAndBoundary) {
    EXPECT_EQ(utf8_sequence_length('a'), 1u);
    EXPECT_EQ(utf8_sequence_length(0x80), 1u);  // stray continuation
    EXPECT_EQ(utf8_sequence_length(0xC3), 2u);
    EXPECT_EQ(utf8_sequence_length(0xE4), 3u);
    EXPECT_EQ(utf8_sequence_length(0xF0), 4u);
    const std::string text = "a中";
    EXPECT_TRUE(is_code_point_boundary(text, 0));
    EXPECT_TRUE(is_code_point_boundary(text, 1));
    EXPECT_FALSE(is_code_point_boundary(text, 2));
    EXPECT_FALSE(is_code_point_boundary(text, 3));
    EXPECT_TRUE(is_code_point_boundary(text, 4));  // end of text
}

}  // namespace
}  // namespace openbook::text
