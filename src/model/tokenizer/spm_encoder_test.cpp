// The SPM encoder on hand-built vocabularies (merge order, space prefix, byte fallback, malformed
// UTF-8, long unspaced text) and on llama.cpp's own test vectors for two real vocabularies.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/tokenizer/subword_encoder.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

constexpr const char* kSp = "\xE2\x96\x81";  // "▁"

// <unk>, <s>, </s>, optionally the 256 byte tokens, then `pieces` with their scores.
Vocab spm_vocab(const std::vector<std::pair<std::string, float>>& pieces, bool byte_tokens = true) {
    Vocab v;
    v.model = TokenizerModel::kSpm;
    auto add = [&](const std::string& text, uint32_t attr, float score) {
        v.ids.emplace(text, static_cast<TokenId>(v.text.size()));
        v.text.push_back(text);
        v.attrs.push_back(attr);
        v.scores.push_back(score);
    };
    add("<unk>", kAttrUnknown, 0);
    add("<s>", kAttrControl, 0);
    add("</s>", kAttrControl, 0);
    if (byte_tokens) {
        for (int b = 0; b < 256; ++b) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            add(name, kAttrByte, 0);
        }
    }
    for (const auto& [text, score] : pieces) add(text, kAttrNormal, score);
    v.unk = 0;
    v.bos = 1;
    v.eos = 2;
    v.add_space_prefix = true;
    return v;
}

// The texts of the ids, joined with '|', so expectations read like the segmentation.
std::string pieces(const Vocab& v, const std::vector<TokenId>& ids) {
    std::string out;
    for (TokenId id : ids) {
        if (!out.empty()) out += '|';
        out += v.valid(id) ? v.text[id] : "?";
    }
    return out;
}

std::string encode(const Vocab& v, std::string_view text, bool after_special = true) {
    std::vector<TokenId> ids;
    make_spm_encoder(v)->encode(text, after_special, ids);
    return pieces(v, ids);
}

TEST(SpmEncoder, MergesTheBestScoringPairFirstNotTheLongestMatch) {
    // Greedy longest match would take "ab" first; "bc" scores higher, so SentencePiece merges it
    // first and "a" is left alone.
    Vocab v = spm_vocab({{"a", -5}, {"b", -5}, {"c", -5}, {"ab", -2}, {"bc", -1}});
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "abc"), "a|bc");
    // Once "bc" exists, "abc" becomes reachable as a merge of "a" + "bc".
    Vocab w = spm_vocab({{"a", -5}, {"b", -5}, {"c", -5}, {"ab", -2}, {"bc", -1}, {"abc", -3}});
    w.add_space_prefix = false;
    EXPECT_EQ(encode(w, "abc"), "abc");
}

TEST(SpmEncoder, EqualScoresMergeLeftmostFirst) {
    Vocab v = spm_vocab({{"a", -5}, {"aa", -1}});
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "aaa"), "aa|a");
    EXPECT_EQ(encode(v, "aaaaa"), "aa|aa|a");
}

TEST(SpmEncoder, SpacesBecomeEscapedAndThePrefixFollowsAfterSpecial) {
    // Each word is reachable one merge at a time, as in a trained SentencePiece vocabulary.
    std::vector<std::pair<std::string, float>> entries = {{kSp, -5}};
    for (const std::string word : {"hello", "world"}) {
        for (size_t n = 1; n <= word.size(); ++n) {
            entries.emplace_back(word.substr(0, n), n == 1 ? -5.0f : -1.0f);
            entries.emplace_back(kSp + word.substr(0, n), -1.0f);
        }
    }
    Vocab v = spm_vocab(entries);
    EXPECT_EQ(encode(v, "hello world", true), "▁hello|▁world");
    EXPECT_EQ(encode(v, "hello world", false), "hello|▁world");
    EXPECT_EQ(encode(v, " hello", false), "▁hello");
    EXPECT_EQ(encode(v, "  hello", false), "▁|▁hello");
    EXPECT_EQ(encode(v, "hello ", true), "▁hello|▁");
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "hello", true), "hello");
}

TEST(SpmEncoder, UnknownCharactersFallBackToByteTokens) {
    Vocab v = spm_vocab({{"a", -1}});
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "a\n"), "a|<0x0A>");
    EXPECT_EQ(encode(v, "中"), "<0xE4>|<0xB8>|<0xAD>");
    EXPECT_EQ(encode(v, " "), "<0xE2>|<0x96>|<0x81>");  // the escaped space has no token here
}

TEST(SpmEncoder, MalformedUtf8IsSplitLikeLlamaCppAndKeptAsBytes) {
    Vocab v = spm_vocab({{"a", -1}, {"b", -1}});
    v.add_space_prefix = false;
    // A stray continuation byte is one symbol; a truncated sequence swallows what follows it up
    // to its announced length (here "\xE4" + "ab" is one three-byte symbol).
    EXPECT_EQ(encode(v,
                     "\x80"
                     "a"),
              "<0x80>|a");
    EXPECT_EQ(encode(v,
                     "\xE4"
                     "ab"),
              "<0xE4>|<0x61>|<0x62>");
    EXPECT_EQ(encode(v, "a\xE4\xB8"), "a|<0xE4>|<0xB8>");
    EXPECT_EQ(encode(v, std::string("a\0b", 3)), "a|<0x00>|b");
    // The same happens to an escaped space after a cut-off sequence: its "▁" bytes end up in
    // byte tokens, so such text does not decode back to a space (as in llama.cpp).
    EXPECT_EQ(encode(v, "\xE4 a"), "<0xE4>|<0xE2>|<0x96>|<0x81>|a");
}

TEST(SpmEncoder, WithoutByteTokensSingleByteTokensOrUnknownAreUsed) {
    Vocab v = spm_vocab({{"a", -1}, {"\n", -1}}, /*byte_tokens=*/false);
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "a\n"), "a|\n");
    EXPECT_EQ(encode(v, "a\t"), "a|<unk>");
}

TEST(SpmEncoder, EmptyFragmentGivesNothingUnlessThePrefixApplies) {
    Vocab v = spm_vocab({{kSp, -1}});
    EXPECT_EQ(encode(v, "", false), "");
    EXPECT_EQ(encode(v, "", true), "▁");
}

TEST(SpmEncoder, ATokenJoiningAWordToTheNextSpaceIsStillFound) {
    // The encoder merges word by word when no token can join a word to a following "▁"; a
    // vocabulary with such a token must still get it.
    const std::string joined = std::string("x") + kSp + "y";
    Vocab v =
        spm_vocab({{"x", -3}, {"y", -3}, {kSp, -3}, {std::string("x") + kSp, -2}, {joined, -1}});
    v.add_space_prefix = false;
    EXPECT_EQ(encode(v, "x y"), joined);
    EXPECT_EQ(encode(v, "x y x y"), joined + "|▁|" + joined);
    Vocab w = spm_vocab({{"x", -3}, {"y", -3}, {std::string(kSp) + "y", -1}});
    w.add_space_prefix = false;
    EXPECT_EQ(encode(w, "x y"), "x|▁y");
}

TEST(SpmEncoder, LongTextWithoutSpaces) {
    Vocab v = spm_vocab({{"a", -3}, {"b", -3}, {"ab", -1}, {"中", -2}});
    v.add_space_prefix = false;
    std::string text;
    for (int i = 0; i < 100000; ++i) text += "ab";
    std::vector<TokenId> ids;
    make_spm_encoder(v)->encode(text, true, ids);
    ASSERT_EQ(ids.size(), 100000u);
    EXPECT_TRUE(
        std::all_of(ids.begin(), ids.end(), [&](TokenId id) { return v.text[id] == "ab"; }));

    // A Chinese paragraph arrives as one fragment; characters outside the vocabulary become
    // three byte tokens each, in order.
    std::string han;
    for (int i = 0; i < 20000; ++i) han += (i % 2 == 0) ? "中" : "文";
    ids.clear();
    make_spm_encoder(v)->encode(han, true, ids);
    ASSERT_EQ(ids.size(), 10000u * 4);
    EXPECT_EQ(pieces(v, {ids.begin(), ids.begin() + 4}), "中|<0xE6>|<0x96>|<0x87>");
}

TEST(SpmEncoder, ConcurrentEncodesAgree) {
    Vocab v = spm_vocab({{"a", -3}, {"b", -3}, {"ab", -1}, {kSp, -2}});
    const auto encoder = make_spm_encoder(v);
    std::vector<TokenId> expected;
    encoder->encode("ab ab ba 中", true, expected);
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                std::vector<TokenId> ids;
                encoder->encode("ab ab ba 中", true, ids);
                if (ids != expected) ++mismatches;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
}

// ---- real vocabularies ----

std::vector<std::string> split_cases(const std::string& inp) {
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> cases;
    for (size_t pos = 0;;) {
        const size_t end = inp.find(sep, pos);
        if (end == std::string::npos) break;
        cases.push_back(inp.substr(pos, end - pos));
        pos = end + sep.size();
    }
    return cases;
}

std::vector<std::vector<TokenId>> parse_ids(const std::string& out) {
    std::vector<std::vector<TokenId>> lines;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos) end = out.size();
        std::vector<TokenId> ids;
        const std::string line = out.substr(pos, end - pos);
        for (size_t i = 0; i < line.size();) {
            while (i < line.size() && line[i] == ' ') ++i;
            if (i == line.size()) break;
            size_t j = i;
            while (j < line.size() && line[j] != ' ') ++j;
            ids.push_back(std::stoi(line.substr(i, j - i)));
            i = j;
        }
        lines.push_back(std::move(ids));
        pos = end + 1;
    }
    return lines;
}

// The inputs hold no special-token text, so the whole case is one fragment that starts the text.
void check_vectors(const std::string& name) {
    const auto path = openbook::testing::shared_data("llamacpp-vocab-tests/" + name);
    auto file = gguf::File::open(path);
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    auto vocab = load_vocab(*file);
    ASSERT_TRUE(vocab.has_value()) << vocab.error().to_string();
    ASSERT_EQ(vocab->model, TokenizerModel::kSpm);
    const auto encoder = make_spm_encoder(*vocab);
    const auto cases = split_cases(openbook::testing::read_file(path.string() + ".inp"));
    const auto expected = parse_ids(openbook::testing::read_file(path.string() + ".out"));
    ASSERT_EQ(cases.size(), 46u);
    ASSERT_GE(expected.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
        // llama.cpp makes no fragment of an empty text, so the encoder is not called for it.
        std::vector<TokenId> ids;
        if (!cases[i].empty()) encoder->encode(cases[i], true, ids);
        EXPECT_EQ(ids, expected[i]) << name << " case " << i << ": \"" << cases[i] << "\"";
    }
}

TEST(SpmEncoder, LlamaSpmVectors) { check_vectors("ggml-vocab-llama-spm.gguf"); }
TEST(SpmEncoder, Phi3Vectors) { check_vectors("ggml-vocab-phi-3.gguf"); }

// decode as llama.cpp does for SPM: "▁" → " ", byte tokens → their byte, the prefix space off.
std::string decode(const Vocab& v, const std::vector<TokenId>& ids) {
    std::string out;
    for (TokenId id : ids) {
        const std::string& t = v.text[id];
        if (v.has(id, kAttrByte)) {
            out.push_back(static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
            continue;
        }
        for (size_t i = 0; i < t.size(); ++i) {
            if (t.compare(i, 3, kSp) == 0) {
                out.push_back(' ');
                i += 2;
            } else {
                out.push_back(t[i]);
            }
        }
    }
    if (v.add_space_prefix && !out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
}

TEST(SpmEncoder, RealVocabulariesRoundTripChineseAndOddBytes) {
    for (const char* name : {"ggml-vocab-llama-spm.gguf", "ggml-vocab-baichuan.gguf"}) {
        auto file = gguf::File::open(
            openbook::testing::shared_data(std::string("llamacpp-vocab-tests/") + name));
        ASSERT_TRUE(file.has_value()) << file.error().to_string();
        auto vocab = load_vocab(*file);
        ASSERT_TRUE(vocab.has_value()) << vocab.error().to_string();
        const auto encoder = make_spm_encoder(*vocab);
        for (const std::string text :
             {"深度學習（deep learning）是機器學習的分支，以人工神經網路為架構。",
              "𠀋𪚥 龘 — emoji 🦙🦙 and tabs\tand\nnewlines", "  leading and trailing  ",
              "stray \x80\x81 continuation bytes, a cut-off sequence \xF0\x9F"}) {
            std::vector<TokenId> ids;
            encoder->encode(text, true, ids);
            EXPECT_EQ(decode(*vocab, ids), text) << name;
        }
    }
}

}  // namespace
}  // namespace openbook::tokenizer
