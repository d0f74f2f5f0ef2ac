// The Unigram encoder on hand-built vocabularies whose best segmentation is known: Viterbi
// against greedy, unknown characters, user-defined tokens, the whitespace options, the charsmap
// normalizer, and a brute-force check of optimality on random vocabularies. (No T5 or XLM-R
// vocabulary is among the shared test files, so there are no llama.cpp vectors for this model.)

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/tokenizer/charsmap_test_builder.h"
#include "model/tokenizer/subword_encoder.h"

namespace openbook::tokenizer {
namespace {

using charsmap_testing::build_charsmap;

struct Piece {
    std::string text;
    float score;
    uint32_t attr = kAttrNormal;
};

// <unk> <s> </s>, then the pieces. Whitespace options default to off so tests state what they use.
Vocab ugm_vocab(const std::vector<Piece>& pieces) {
    Vocab v;
    v.model = TokenizerModel::kUnigram;
    auto add = [&](const std::string& text, uint32_t attr, float score) {
        v.ids.emplace(text, static_cast<TokenId>(v.text.size()));
        v.text.push_back(text);
        v.attrs.push_back(attr);
        v.scores.push_back(score);
    };
    add("<unk>", kAttrUnknown, 0);
    add("<s>", kAttrControl, 0);
    add("</s>", kAttrControl, 0);
    for (const Piece& p : pieces) add(p.text, p.attr, p.score);
    v.unk = 0;
    v.bos = 1;
    v.eos = 2;
    v.add_space_prefix = false;
    v.remove_extra_whitespaces = false;
    v.escape_whitespaces = true;
    v.treat_whitespace_as_suffix = false;
    return v;
}

std::vector<TokenId> encode_ids(const Vocab& v, std::string_view text, bool after_special = true) {
    auto encoder = make_unigram_encoder(v);
    EXPECT_TRUE(encoder.has_value()) << encoder.error().to_string();
    std::vector<TokenId> ids;
    if (encoder.has_value()) (*encoder)->encode(text, after_special, ids);
    return ids;
}

std::string encode(const Vocab& v, std::string_view text, bool after_special = true) {
    std::string out;
    for (TokenId id : encode_ids(v, text, after_special)) {
        if (!out.empty()) out += '|';
        out += v.text[id];
    }
    return out;
}

// With every character its own token, the tokens spell out the normalized text.
std::string normalized(const Vocab& v, std::string_view text) {
    std::string out;
    for (TokenId id : encode_ids(v, text)) out += v.text[id];
    return out;
}

Vocab char_vocab() { return ugm_vocab({{"\xE2\x96\x81", -1}, {" ", -1}, {"a", -1}, {"b", -1}}); }

TEST(UnigramEncoder, BestPathBeatsGreedyLongestMatch) {
    // Greedy: "abc" + "d" = -1 + -10 = -11. Best: "ab" + "cd" = -2.
    const Vocab v = ugm_vocab(
        {{"a", -10}, {"b", -10}, {"c", -10}, {"d", -10}, {"abc", -1}, {"ab", -1}, {"cd", -1}});
    EXPECT_EQ(encode(v, "abcd"), "ab|cd");
    EXPECT_EQ(encode(v, "abcdabc"), "ab|cd|abc");
    const Vocab no_cd =
        ugm_vocab({{"a", -10}, {"b", -10}, {"c", -10}, {"d", -10}, {"abc", -1}, {"ab", -1}});
    EXPECT_EQ(encode(no_cd, "abcd"), "abc|d");
}

TEST(UnigramEncoder, EqualScoresKeepTheFirstPathFound) {
    // "ab" (-2) and "a" + "b" (-1 + -1) tie; the longer token, found first from position 0, stays.
    const Vocab v = ugm_vocab({{"a", -1}, {"b", -1}, {"ab", -2}});
    EXPECT_EQ(encode(v, "ab"), "ab");
}

TEST(UnigramEncoder, UnknownCharactersAndRunsOfThemAreOneUnknownToken) {
    const Vocab v = ugm_vocab({{"a", -1}, {"b", -1}});
    EXPECT_EQ(encode(v, "a☃b"), "a|<unk>|b");
    EXPECT_EQ(encode(v, "a☃☃x☃b"), "a|<unk>|b");
    EXPECT_EQ(encode(v, "☃"), "<unk>");
    // A character only reachable inside a longer token is unknown when that token does not fit.
    const Vocab w = ugm_vocab({{"xy", -30}, {"y", -1}, {"z", -1}});
    EXPECT_EQ(encode(w, "xy"), "xy");
    EXPECT_EQ(encode(w, "xz"), "<unk>|z");
}

TEST(UnigramEncoder, InvalidUtf8BecomesReplacementCharacters) {
    const Vocab v = ugm_vocab({{"a", -1}, {"b", -1}, {"\xEF\xBF\xBD", -2}});
    EXPECT_EQ(encode(v,
                     "a\xFF"
                     "b"),
              "a|\xEF\xBF\xBD|b");
    EXPECT_EQ(encode(v, "a\xE4\xB8"), "a|\xEF\xBF\xBD|\xEF\xBF\xBD");
    const Vocab w = ugm_vocab({{"a", -1}, {"b", -1}});
    EXPECT_EQ(encode(w,
                     "a\x80\x80"
                     "b"),
              "a|<unk>|b");
}

TEST(UnigramEncoder, UserDefinedTokensScoreZeroAndControlTokensAreNotMatched) {
    const Vocab v = ugm_vocab({{"a", -1}, {"b", -1}, {"ab", -100, kAttrUserDefined}});
    EXPECT_EQ(encode(v, "abab"), "ab|ab");
    const Vocab normal = ugm_vocab({{"a", -1}, {"b", -1}, {"ab", -5}});
    EXPECT_EQ(encode(normal, "ab"), "a|b");
    const Vocab control = ugm_vocab({{"a", -1}, {"b", -1}, {"ab", 0, kAttrControl}});
    EXPECT_EQ(encode(control, "ab"), "a|b");
    // Unused tokens may be matched; they do not lower the unknown-token score.
    const Vocab unused = ugm_vocab({{"a", -1}, {"b", -1}, {"ab", -1.5, kAttrUnused}});
    EXPECT_EQ(encode(unused, "ab"), "ab");
}

TEST(UnigramEncoder, SpacePrefixAndEscaping) {
    Vocab v = char_vocab();
    EXPECT_EQ(normalized(v, "a b"), "a▁b");
    EXPECT_EQ(normalized(v, "  a"), "▁▁a");
    v.add_space_prefix = true;
    EXPECT_EQ(normalized(v, "a b"), "▁a▁b");
    // Leading spaces are kept and the prefix still goes right before the first word.
    EXPECT_EQ(normalized(v, "  a"), "▁▁▁a");
    EXPECT_EQ(normalized(v, "a  "), "▁a▁▁");
    // Every fragment gets the prefix, after a special token or not (as in llama.cpp).
    EXPECT_EQ(encode(v, "a", false), encode(v, "a", true));
    v.escape_whitespaces = false;
    EXPECT_EQ(normalized(v, "a b"), " a b");
}

TEST(UnigramEncoder, RemoveExtraWhitespacesAndWhitespaceAsSuffix) {
    Vocab v = char_vocab();
    v.remove_extra_whitespaces = true;
    // Merging puts one space before every word, the first included, and drops the rest.
    EXPECT_EQ(normalized(v, "  a   b  "), "▁a▁b");
    v.add_space_prefix = true;
    EXPECT_EQ(normalized(v, "  a   b  "), "▁a▁b");
    EXPECT_EQ(normalized(v, "   "), "");

    Vocab s = char_vocab();
    s.add_space_prefix = true;
    s.treat_whitespace_as_suffix = true;
    EXPECT_EQ(normalized(s, "a b"), "a▁b▁");
}

TEST(UnigramEncoder, CharsmapNormalizesBeforeSegmentation) {
    Vocab v = ugm_vocab({{"\xE2\x96\x81"
                          "AB",
                          -1},
                         {"\xE2\x96\x81", -2},
                         {"A", -3},
                         {"B", -3},
                         {"fi", -1}});
    v.add_space_prefix = true;
    v.precompiled_charsmap =
        build_charsmap({{"Ａ", "A"}, {"Ｂ", "B"}, {"\t", " "}, {"ﬁ", "fi"}, {"\u200B", ""}});
    EXPECT_EQ(encode(v, "ＡＢ"), "▁AB");
    EXPECT_EQ(encode(v, "Ａ\tＢ"), "▁|A|▁|B");
    EXPECT_EQ(encode(v, "A\u200BB"), "▁AB");
    EXPECT_EQ(encode(v, "ﬁ"), "▁|fi");
}

TEST(UnigramEncoder, TextStartingLikeAUserDefinedTokenSkipsTheCharsmap) {
    // llama.cpp passes through, unnormalized, as many bytes as match the start of some
    // user-defined token, whether or not the whole token follows. We do the same.
    Vocab v = ugm_vocab({{"A", -1}, {"Ａ", -1}, {"x", -1}, {"Ａ!", 0, kAttrUserDefined}});
    v.precompiled_charsmap = build_charsmap({{"Ａ", "A"}});
    EXPECT_EQ(encode(v, "Ａx"), "Ａ|x");
    EXPECT_EQ(encode(v, "xＡ"), "x|Ａ");
    Vocab w = v;
    w.attrs.back() = kAttrControl;
    EXPECT_EQ(encode(w, "Ａx"), "A|x");
}

TEST(UnigramEncoder, CorruptCharsmapIsAnError) {
    Vocab v = ugm_vocab({{"a", -1}});
    v.precompiled_charsmap = "abc";
    auto encoder = make_unigram_encoder(v);
    ASSERT_FALSE(encoder.has_value());
    EXPECT_EQ(encoder.error().code(), StatusCode::kCorrupt);
}

// The best total score over all segmentations, by exhaustive search.
double best_score(const Vocab& v, std::string_view text) {
    if (text.empty()) return 0;
    double best = -1e300;
    for (size_t n = 1; n <= text.size(); ++n) {
        const auto it = v.ids.find(std::string(text.substr(0, n)));
        if (it == v.ids.end()) continue;
        best = std::max(best, v.scores[it->second] + best_score(v, text.substr(n)));
    }
    return best;
}

TEST(UnigramEncoder, RandomVocabulariesGetAnOptimalSegmentation) {
    std::mt19937 rng(12345);
    std::uniform_real_distribution<float> score(-12.0f, -0.5f);
    for (int round = 0; round < 200; ++round) {
        std::vector<Piece> pieces = {{"a", score(rng)}, {"b", score(rng)}, {"c", score(rng)}};
        std::vector<std::string> seen = {"a", "b", "c"};
        for (int i = 0; i < 12; ++i) {
            std::string t;
            const int len = 2 + static_cast<int>(rng() % 4);
            for (int k = 0; k < len; ++k) t += static_cast<char>('a' + rng() % 3);
            if (std::find(seen.begin(), seen.end(), t) != seen.end()) continue;
            seen.push_back(t);
            pieces.push_back({t, score(rng)});
        }
        const Vocab v = ugm_vocab(pieces);
        std::string text;
        const int len = 1 + static_cast<int>(rng() % 12);
        for (int k = 0; k < len; ++k) text += static_cast<char>('a' + rng() % 3);
        double total = 0;
        std::string joined;
        for (TokenId id : encode_ids(v, text)) {
            total += v.scores[id];
            joined += v.text[id];
        }
        ASSERT_EQ(joined, text);
        EXPECT_NEAR(total, best_score(v, text), 1e-3) << "text " << text << " round " << round;
    }
}

}  // namespace
}  // namespace openbook::tokenizer
