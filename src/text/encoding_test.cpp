#include "text/encoding.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook::text {
namespace {

// The "context" strings of a SQuAD-format JSON file (DRCD, CMRC 2018), in file order. A small
// scanner instead of a JSON library: the text module does not depend on one, and the files are
// well-formed machine output.
std::vector<std::string> squad_contexts(const std::string& json) {
    std::vector<std::string> out;
    const std::string key = "\"context\"";
    size_t pos = 0;
    auto hex4 = [&](size_t at) -> char32_t {
        if (at + 4 > json.size()) return kReplacementChar;
        return static_cast<char32_t>(std::stoul(json.substr(at, 4), nullptr, 16));
    };
    while ((pos = json.find(key, pos)) != std::string::npos) {
        pos += key.size();
        while (pos < json.size() && (json[pos] == ' ' || json[pos] == ':')) ++pos;
        if (pos >= json.size() || json[pos] != '"') continue;
        ++pos;
        std::string s;
        while (pos < json.size() && json[pos] != '"') {
            if (json[pos] != '\\') {
                s += json[pos++];
                continue;
            }
            const char esc = json[pos + 1];
            pos += 2;
            switch (esc) {
                case 'n': s += '\n'; break;
                case 't': s += '\t'; break;
                case 'r': s += '\r'; break;
                case 'b': s += '\b'; break;
                case 'f': s += '\f'; break;
                case 'u': {
                    char32_t cp = hex4(pos);
                    pos += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && json.compare(pos, 2, "\\u") == 0) {
                        const char32_t low = hex4(pos + 2);
                        pos += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(s, cp);
                    break;
                }
                default: s += esc; break;  // \" \\ \/
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

const std::vector<std::string>& drcd_paragraphs() {
    static const std::vector<std::string> paragraphs = squad_contexts(
        openbook::testing::read_file(openbook::testing::shared_data("drcd/DRCD_dev.json")));
    return paragraphs;
}

const std::vector<std::string>& cmrc_paragraphs() {
    static const std::vector<std::string> paragraphs = squad_contexts(openbook::testing::read_file(
        openbook::testing::shared_data("cmrc2018/cmrc2018_dev.squad.json")));
    return paragraphs;
}

// The first n code points of text.
std::string prefix_code_points(const std::string& text, size_t n) {
    size_t pos = 0;
    for (size_t k = 0; k < n && pos < text.size(); ++k) decode_utf8(text, pos);
    return text.substr(0, pos);
}

TEST(SquadContexts, ParsesTheRealFiles) {
    ASSERT_EQ(drcd_paragraphs().size(), 1000u);
    ASSERT_EQ(cmrc_paragraphs().size(), 848u);
    EXPECT_EQ(drcd_paragraphs()[0].rfind("在歐洲，梵語的學術研究", 0), 0u);
    EXPECT_EQ(cmrc_paragraphs()[0].rfind("《战国无双3》（）是由光荣和ω-force开发", 0), 0u);
    for (const auto& p : drcd_paragraphs()) ASSERT_TRUE(is_valid_utf8(p));
}

struct DetectionStats {
    size_t converted = 0;      // paragraphs the encoding can represent
    size_t unrepresentable = 0;
    size_t detected = 0;       // right encoding name
    size_t round_trip = 0;     // right name, identical text, nothing repaired
};

// Encodes each of the first `limit` paragraphs (or their first `prefix` code points when
// prefix > 0) and decodes it back with detection.
DetectionStats measure(const std::vector<std::string>& paragraphs, size_t limit,
                       const char* iconv_name, const char* expected_name, size_t prefix = 0) {
    DetectionStats stats;
    for (size_t i = 0; i < limit && i < paragraphs.size(); ++i) {
        const std::string text = prefix > 0 ? prefix_code_points(paragraphs[i], prefix)
                                            : paragraphs[i];
        Result<std::string> bytes = convert_from_utf8(text, iconv_name);
        if (!bytes.has_value()) {
            ++stats.unrepresentable;
            continue;
        }
        // Text that is ASCII-only (or happens to be valid UTF-8) is UTF-8 by definition.
        if (is_valid_utf8(*bytes)) continue;
        ++stats.converted;
        Result<DecodedText> decoded = decode_to_utf8(*bytes);
        if (!decoded.has_value()) continue;
        if (decoded->encoding == expected_name) {
            ++stats.detected;
            if (decoded->utf8 == text && decoded->n_repaired == 0) ++stats.round_trip;
        }
    }
    std::printf("[ stats    ] %s: %zu of %zu detected as %s (%zu round-trip), %zu unrepresentable"
                "%s\n",
                iconv_name, stats.detected, stats.converted, expected_name, stats.round_trip,
                stats.unrepresentable, prefix > 0 ? " [prefixes]" : "");
    return stats;
}

TEST(DecodeToUtf8, DetectsBig5OnEveryRepresentableDrcdParagraph) {
    DetectionStats s = measure(drcd_paragraphs(), 200, "BIG5", "Big5");
    // 188 of the first 200 paragraphs fit in Big5; the others contain •, 爲, 勐 and the like.
    EXPECT_GE(s.converted, 180u);
    EXPECT_EQ(s.detected, s.converted);
    EXPECT_EQ(s.round_trip, s.converted);
}

TEST(DecodeToUtf8, DetectsGb18030OnEveryCmrcParagraph) {
    DetectionStats s = measure(cmrc_paragraphs(), 200, "GB18030", "GB18030");
    EXPECT_EQ(s.unrepresentable, 0u);  // GB18030 covers all of Unicode
    EXPECT_EQ(s.converted, 200u);
    EXPECT_EQ(s.detected, 200u);
    EXPECT_EQ(s.round_trip, 200u);
}

TEST(DecodeToUtf8, DetectsWholeDatasets) {
    DetectionStats big5 = measure(drcd_paragraphs(), 1000, "BIG5", "Big5");
    EXPECT_EQ(big5.round_trip, big5.converted);
    DetectionStats gb = measure(cmrc_paragraphs(), 848, "GB18030", "GB18030");
    EXPECT_EQ(gb.round_trip, gb.converted);
}

TEST(DecodeToUtf8, DetectsShortSnippets) {
    // Sixteen and eight characters: too short for uchardet alone; measured 100% / 99% on the
    // first 200 paragraphs of each set.
    for (size_t prefix : {16u, 8u}) {
        DetectionStats big5 = measure(drcd_paragraphs(), 200, "BIG5", "Big5", prefix);
        DetectionStats gb = measure(cmrc_paragraphs(), 200, "GB18030", "GB18030", prefix);
        ASSERT_GT(big5.converted, 150u);
        ASSERT_GT(gb.converted, 150u);
        EXPECT_GE(big5.round_trip * 100, big5.converted * 97) << "prefix " << prefix;
        EXPECT_GE(gb.round_trip * 100, gb.converted * 97) << "prefix " << prefix;
    }
}

TEST(DecodeToUtf8, MultiParagraphBig5File) {
    std::string text;
    for (size_t i = 0; i < 50; ++i) {
        if (convert_from_utf8(drcd_paragraphs()[i], "BIG5").has_value()) {
            text += drcd_paragraphs()[i] + "\r\n\r\n";
        }
    }
    Result<std::string> bytes = convert_from_utf8(text, "BIG5");
    ASSERT_TRUE(bytes.has_value());
    Result<DecodedText> decoded = decode_to_utf8(*bytes);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "Big5");
    EXPECT_EQ(decoded->n_repaired, 0u);
    EXPECT_TRUE(decoded->utf8 == text);
}

TEST(DecodeToUtf8, DamagedBig5IsStillBig5WithRepairs) {
    const std::string& text = drcd_paragraphs()[0];
    Result<std::string> bytes = convert_from_utf8(text, "BIG5");
    ASSERT_TRUE(bytes.has_value());
    // Cut the last character in half: a lone lead byte at the end.
    std::string damaged = bytes->substr(0, bytes->size() - 1);
    Result<DecodedText> decoded = decode_to_utf8(damaged);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "Big5");
    EXPECT_EQ(decoded->n_repaired, 1u);
    // Everything but the last character survives, then one U+FFFD.
    size_t last = text.size() - 1;
    while (!is_code_point_boundary(text, last)) --last;
    EXPECT_TRUE(decoded->utf8 == text.substr(0, last) + "\uFFFD");
}

TEST(DecodeToUtf8, Utf8WithAndWithoutBom) {
    const std::string text = drcd_paragraphs()[1];
    Result<DecodedText> plain = decode_to_utf8(text);
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->encoding, "UTF-8");
    EXPECT_TRUE(plain->utf8 == text);
    EXPECT_EQ(plain->n_repaired, 0u);

    Result<DecodedText> bom = decode_to_utf8("\xEF\xBB\xBF" + text);
    ASSERT_TRUE(bom.has_value());
    EXPECT_EQ(bom->encoding, "UTF-8 (BOM)");
    EXPECT_TRUE(bom->utf8 == text);

    Result<DecodedText> ascii = decode_to_utf8("plain ASCII, nothing else.\n");
    ASSERT_TRUE(ascii.has_value());
    EXPECT_EQ(ascii->encoding, "UTF-8");
    EXPECT_EQ(ascii->utf8, "plain ASCII, nothing else.\n");

    Result<DecodedText> empty = decode_to_utf8("");
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->encoding, "UTF-8");
    EXPECT_EQ(empty->utf8, "");
}

TEST(DecodeToUtf8, Utf16WithBom) {
    // Includes a character outside the BMP (a surrogate pair in UTF-16) and CJK Extension B.
    const std::string text = cmrc_paragraphs()[0].substr(0, 300) + " 😀 𠀀 end\n";
    for (const char* name : {"UTF-16LE", "UTF-16BE"}) {
        SCOPED_TRACE(name);
        Result<std::string> body = convert_from_utf8(text, name);
        ASSERT_TRUE(body.has_value());
        const bool le = std::string(name) == "UTF-16LE";
        const std::string bytes = (le ? std::string("\xFF\xFE") : std::string("\xFE\xFF")) + *body;
        EXPECT_FALSE(looks_binary(bytes));
        Result<DecodedText> decoded = decode_to_utf8(bytes);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->encoding, name);
        EXPECT_EQ(decoded->n_repaired, 0u);
        EXPECT_TRUE(decoded->utf8 == text);
    }
}

TEST(DecodeToUtf8, Utf16LoneSurrogateAndOddLengthAreRepairedInPlace) {
    // "A", lone high surrogate D800, "B", then half a code unit.
    const std::string bytes("\xFF\xFE" "A\0" "\x00\xD8" "B\0" "C", 9);
    Result<DecodedText> decoded = decode_to_utf8(bytes);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "UTF-16LE");
    EXPECT_EQ(decoded->utf8, "A\uFFFDB\uFFFD");
    EXPECT_EQ(decoded->n_repaired, 2u);
}

TEST(DecodeToUtf8, MostlyValidUtf8IsRepairedNotReinterpreted) {
    // One stray byte in Chinese UTF-8 text. Without ASCII in it, GB18030 would "decode" all of
    // it (any two high bytes form a GB18030 pair) into nonsense with hardly an error.
    std::string text;
    for (char c : drcd_paragraphs()[0]) {
        if (static_cast<unsigned char>(c) >= 0x80) text += c;
    }
    const std::string damaged = text.substr(0, 30) + "\xB1" + text.substr(30);
    ASSERT_FALSE(is_valid_utf8(damaged));
    Result<DecodedText> decoded = decode_to_utf8(damaged);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "UTF-8");
    EXPECT_EQ(decoded->n_repaired, 1u);
    EXPECT_TRUE(decoded->utf8 == text.substr(0, 30) + "\uFFFD" + text.substr(30));
}

TEST(DecodeToUtf8, DamagedUtf8ThatGb18030WouldAcceptIsStillUtf8) {
    // "中文字" repeated reads as GB18030 with a single error once a stray byte shifts the
    // pairs, so only the UTF-8 structure check keeps it UTF-8.
    std::string text;
    for (int k = 0; k < 40; ++k) text += "中文字";
    const std::string damaged = text.substr(0, 30) + "\xB1" + text.substr(30);
    Result<DecodedText> gb = convert_to_utf8(damaged, "GB18030");
    ASSERT_TRUE(gb.has_value());
    ASSERT_LE(gb->n_repaired, 1u);  // the premise: GB18030 alone would look plausible
    Result<DecodedText> decoded = decode_to_utf8(damaged);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "UTF-8");
    EXPECT_EQ(decoded->n_repaired, 1u);
    EXPECT_TRUE(decoded->utf8 == text.substr(0, 30) + "\uFFFD" + text.substr(30));
}

TEST(DecodeToUtf8, Latin1FallsBackToRepairedUtf8) {
    Result<DecodedText> decoded = decode_to_utf8("caf\xE9 cr\xE8me br\xFBl\xE9" "e");
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->encoding, "UTF-8");
    EXPECT_EQ(decoded->n_repaired, 4u);
    EXPECT_EQ(decoded->utf8, "caf\uFFFD cr\uFFFDme br\uFFFDl\uFFFDe");
    EXPECT_TRUE(is_valid_utf8(decoded->utf8));
}

TEST(DecodeToUtf8, ArbitraryBytesNeverFailAndGiveValidUtf8) {
    // A deterministic pseudo-random byte soup, including NULs and every high byte.
    std::string bytes;
    uint32_t state = 12345;
    for (int k = 0; k < 200'000; ++k) {
        state = state * 1103515245u + 12345u;
        bytes.push_back(static_cast<char>(state >> 24));
    }
    for (size_t cut : {size_t{1}, size_t{2}, size_t{3}, size_t{17}, size_t{1000}, bytes.size()}) {
        Result<DecodedText> decoded = decode_to_utf8(std::string_view(bytes).substr(0, cut));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_TRUE(is_valid_utf8(decoded->utf8)) << cut;
    }
}

TEST(ConvertToUtf8, ReplacesInvalidBytesAndContinues) {
    // 中 in Big5 is A4 A4; 0xFF is never valid; "x" must survive after the bad byte.
    Result<DecodedText> big5 = convert_to_utf8("\xA4\xA4\xFFx\xA4\xA4", "BIG5");
    ASSERT_TRUE(big5.has_value());
    EXPECT_EQ(big5->utf8, "中\uFFFDx中");
    EXPECT_EQ(big5->n_repaired, 1u);
    // A lead byte followed by an ASCII byte that cannot trail it: the ASCII byte is kept.
    Result<DecodedText> broken_pair = convert_to_utf8("\xA4 a", "BIG5");
    ASSERT_TRUE(broken_pair.has_value());
    EXPECT_EQ(broken_pair->utf8, "\uFFFD a");
    EXPECT_EQ(broken_pair->n_repaired, 1u);
}

TEST(ConvertToUtf8, Gb18030FourByteSequences) {
    const std::string text = "€ 😀 𠀀 ɑ 中文";
    Result<std::string> bytes = convert_from_utf8(text, "GB18030");
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->substr(0, 2), "\xA2\xE3");  // € is a two-byte code in GB18030
    Result<DecodedText> back = convert_to_utf8(*bytes, "GB18030");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->utf8, text);
    EXPECT_EQ(back->n_repaired, 0u);
    // A four-byte sequence cut short at the end is one repair per stray byte, never a crash.
    Result<DecodedText> cut = convert_to_utf8("a\x81\x30", "GB18030");
    ASSERT_TRUE(cut.has_value());
    EXPECT_EQ(cut->utf8.substr(0, 1), "a");
    EXPECT_GE(cut->n_repaired, 1u);
    EXPECT_TRUE(is_valid_utf8(cut->utf8));
}

TEST(ConvertToUtf8, UnknownEncodingIsUnsupported) {
    Result<DecodedText> r = convert_to_utf8("abc", "NO-SUCH-ENCODING-42");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(r.error().message().find("NO-SUCH-ENCODING-42"), std::string::npos);
}

TEST(ConvertToUtf8, Utf8NameRepairs) {
    Result<DecodedText> r = convert_to_utf8("a\xC0\xAF" "b", "utf-8");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->utf8, "a\uFFFD\uFFFDb");
    EXPECT_EQ(r->n_repaired, 2u);
}

TEST(ConvertFromUtf8, RejectsUnrepresentableAndInvalidInput) {
    Result<std::string> emoji = convert_from_utf8("ok 😀", "BIG5");
    ASSERT_FALSE(emoji.has_value());
    EXPECT_EQ(emoji.error().code(), StatusCode::kInvalidArgument);
    Result<std::string> invalid = convert_from_utf8("a\xFF", "GB18030");
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error().code(), StatusCode::kInvalidArgument);
    Result<std::string> unknown = convert_from_utf8("a", "NO-SUCH-ENCODING-42");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code(), StatusCode::kUnsupported);
    Result<std::string> big5 = convert_from_utf8("中文", "BIG5");
    ASSERT_TRUE(big5.has_value());
    EXPECT_EQ(*big5, "\xA4\xA4\xA4\xE5");
}

TEST(LooksBinary, ElfAndControlBytesAreBinary) {
    std::string elf("\x7F" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3E\x00",
                    20);
    elf += std::string(64, '\x00');
    EXPECT_TRUE(looks_binary(elf));
    // No NUL at all, but mostly control bytes.
    std::string controls;
    for (int k = 0; k < 1000; ++k) controls += static_cast<char>(1 + k % 8);
    EXPECT_TRUE(looks_binary(controls));
    // A NUL late in a long file is outside the first 8 KiB and not looked at.
    std::string late(10'000, 'a');
    late += '\0';
    EXPECT_FALSE(looks_binary(late));
    // ...but within the first 8 KiB it is.
    EXPECT_TRUE(looks_binary(std::string(100, 'a') + '\0'));
}

TEST(LooksBinary, TextIsNotBinary) {
    EXPECT_FALSE(looks_binary(""));
    EXPECT_FALSE(looks_binary("hello\tworld\r\n\f\x1B[1mbold\x1B[0m\n"));
    const std::string novel = openbook::testing::read_file(
        openbook::testing::shared_data("ollama-testdata/war-and-peace.txt"));
    EXPECT_FALSE(looks_binary(novel));
    EXPECT_FALSE(looks_binary(drcd_paragraphs()[0]));
    Result<std::string> big5 = convert_from_utf8(drcd_paragraphs()[0], "BIG5");
    ASSERT_TRUE(big5.has_value());
    EXPECT_FALSE(looks_binary(*big5));
    Result<std::string> gb = convert_from_utf8(cmrc_paragraphs()[0], "GB18030");
    ASSERT_TRUE(gb.has_value());
    EXPECT_FALSE(looks_binary(*gb));
    // UTF-16 without a BOM has NULs and counts as binary, as documented.
    Result<std::string> utf16 = convert_from_utf8("plain text", "UTF-16LE");
    ASSERT_TRUE(utf16.has_value());
    EXPECT_TRUE(looks_binary(*utf16));
}

TEST(DecodeToUtf8, HugeInputsAreLinear) {
    // About 24 MB of Big5 built from real paragraphs; decoding 4x as much must take about 4x
    // as long, not 16x.
    std::string unit;
    for (const auto& p : drcd_paragraphs()) {
        Result<std::string> b = convert_from_utf8(p + "\n", "BIG5");
        if (b.has_value()) unit += *b;
    }
    ASSERT_GT(unit.size(), 500'000u);
    std::string small;
    while (small.size() < 6'000'000) small += unit;
    std::string big;
    for (int k = 0; k < 4; ++k) big += small;
    auto timed = [](const std::string& bytes, DecodedText& out) {
        auto t0 = std::chrono::steady_clock::now();
        Result<DecodedText> r = decode_to_utf8(bytes);
        auto t1 = std::chrono::steady_clock::now();
        EXPECT_TRUE(r.has_value());
        if (r.has_value()) out = std::move(r).value();
        return std::chrono::duration<double>(t1 - t0).count();
    };
    DecodedText small_out;
    DecodedText big_out;
    const double t_small = timed(small, small_out);
    const double t_big = timed(big, big_out);
    EXPECT_EQ(small_out.encoding, "Big5");
    EXPECT_EQ(big_out.encoding, "Big5");
    EXPECT_EQ(big_out.n_repaired, 0u);
    EXPECT_EQ(big_out.utf8.size(), 4 * small_out.utf8.size());
    EXPECT_LT(t_big, 8 * t_small + 1.0) << t_small << " s vs " << t_big << " s";
    std::printf("[ stats    ] decode_to_utf8: %.1f MB Big5 in %.2f s\n", big.size() / 1e6, t_big);
}

}  // namespace
}  // namespace openbook::text
