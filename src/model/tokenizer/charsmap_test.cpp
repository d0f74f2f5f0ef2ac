// The precompiled-charsmap reader, on blobs built by charsmap_test_builder.h: longest-prefix
// matches, NFKC rules generated from utf8proc (what SentencePiece's nmt_nfkc charsmap holds),
// and malformed blobs.

#include "model/tokenizer/charsmap.h"

#include <utf8proc.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "model/tokenizer/charsmap_test_builder.h"
#include "text/utf8.h"

namespace openbook::tokenizer {
namespace {

using charsmap_testing::build_charsmap;

// Applies the map the way the Unigram normalizer does: the longest rule at each position, else
// one byte copied (enough for these tests, whose inputs are valid UTF-8 or ASCII).
std::string apply(const Charsmap& map, std::string_view text) {
    std::string out;
    for (size_t pos = 0; pos < text.size();) {
        const Charsmap::Match m = map.match(text.substr(pos));
        if (m.consumed > 0) {
            out += m.replacement;
            pos += m.consumed;
        } else {
            out += text[pos++];
        }
    }
    return out;
}

// NFKC of each code point in the given ranges where it changes something, as SentencePiece's
// nmt_nfkc rules do (plus its mapping of white space to " ").
std::map<std::string, std::string> nfkc_rules() {
    std::map<std::string, std::string> rules;
    const std::pair<char32_t, char32_t> ranges[] = {
        {0x00A0, 0x00FF}, {0x2000, 0x215F}, {0x2460, 0x24FF}, {0x3000, 0x3000},
        {0xFB00, 0xFB06}, {0xFF01, 0xFF5E}, {0xFF61, 0xFFDC}, {0x1D400, 0x1D433}};
    for (const auto& [first, last] : ranges) {
        for (char32_t cp = first; cp <= last; ++cp) {
            std::string key;
            text::append_utf8(key, cp);
            auto* nfkc = reinterpret_cast<char*>(
                utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(key.c_str())));
            if (nfkc == nullptr) continue;
            std::string value(nfkc);
            std::free(nfkc);
            if (value != key && !value.empty()) rules[key] = value;
        }
    }
    rules["\t"] = " ";
    rules["\n"] = " ";
    rules["\u3000"] = " ";
    rules["\u200B"] = "";  // zero-width space: deleted
    return rules;
}

TEST(Charsmap, EmptyBlobHasNoRules) {
    auto map = Charsmap::parse("");
    ASSERT_TRUE(map.has_value());
    EXPECT_TRUE(map->empty());
    EXPECT_EQ(map->match("abc").consumed, 0u);
}

TEST(Charsmap, LongestRuleWins) {
    const std::string blob = build_charsmap({{"a", "x"}, {"ab", "y"}, {"abcd", "z"}, {"b", ""}});
    auto map = Charsmap::parse(blob);
    ASSERT_TRUE(map.has_value()) << map.error().to_string();
    EXPECT_EQ(map->match("abc").consumed, 2u);
    EXPECT_EQ(map->match("abc").replacement, "y");
    EXPECT_EQ(map->match("abcd!").replacement, "z");
    EXPECT_EQ(map->match("a").replacement, "x");
    EXPECT_EQ(map->match("ba").consumed, 1u);
    EXPECT_EQ(map->match("ba").replacement, "");
    EXPECT_EQ(map->match("c").consumed, 0u);
    // A NUL ends the search: keys never contain one.
    EXPECT_EQ(map->match(std::string("a\0b", 3)).replacement, "x");
    EXPECT_EQ(apply(*map, "abcabcdc"), "yczc");
}

TEST(Charsmap, NfkcFacts) {
    const std::string blob = build_charsmap(nfkc_rules());
    auto map = Charsmap::parse(blob);
    ASSERT_TRUE(map.has_value()) << map.error().to_string();
    EXPECT_EQ(apply(*map, "ＡＢＣ１２３"), "ABC123");
    EXPECT_EQ(apply(*map, "ﬁnd ﬂow"), "find flow");
    EXPECT_EQ(apply(*map, "①②"), "12");
    EXPECT_EQ(apply(*map, "ｶﾀｶﾅ"), "カタカナ");
    EXPECT_EQ(apply(*map, "x²"), "x2");
    EXPECT_EQ(apply(*map, "𝐀𝐁"), "AB");
    EXPECT_EQ(apply(*map, "a\u3000b\tc\u200Bd"), "a b cd");
    EXPECT_EQ(apply(*map, "™"), "TM");
    EXPECT_EQ(apply(*map, "plain ascii"), "plain ascii");
}

TEST(Charsmap, MalformedBlobsAreCorruptOrHarmless) {
    EXPECT_EQ(Charsmap::parse("ab").error().code(), StatusCode::kCorrupt);
    std::string blob = build_charsmap({{"a", "x"}});
    // A trie size that leaves no room for strings (or runs past the end) is rejected.
    std::string too_big = blob;
    const uint32_t huge = static_cast<uint32_t>(blob.size());
    std::memcpy(too_big.data(), &huge, 4);
    EXPECT_EQ(Charsmap::parse(too_big).error().code(), StatusCode::kCorrupt);
    const uint32_t max = UINT32_MAX;
    std::memcpy(too_big.data(), &max, 4);
    EXPECT_EQ(Charsmap::parse(too_big).error().code(), StatusCode::kCorrupt);

    // Units pointing outside the trie, or values past the strings, end the match instead of
    // reading out of bounds.
    std::string wild = blob;
    for (size_t i = 4; i + 4 <= wild.size() - 2; i += 4) {
        const uint32_t unit = 0xFFFFFFFFu;
        std::memcpy(wild.data() + i, &unit, 4);
    }
    auto map = Charsmap::parse(wild);
    ASSERT_TRUE(map.has_value());
    for (int c = 1; c < 256; ++c) {
        const std::string text(3, static_cast<char>(c));
        EXPECT_LE(map->match(text).consumed, text.size());
    }
    std::string bad_value = build_charsmap({{"a", "x"}});
    // Point the one value unit far past the string area.
    for (size_t i = 4; i + 4 <= bad_value.size(); i += 4) {
        uint32_t unit;
        std::memcpy(&unit, bad_value.data() + i, 4);
        if (unit & (1u << 31)) {
            unit = (1u << 31) | 0x7FFFFFF0u;
            std::memcpy(bad_value.data() + i, &unit, 4);
        }
    }
    auto bad = Charsmap::parse(bad_value);
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->match("a").consumed, 0u);
}

}  // namespace
}  // namespace openbook::tokenizer
