// Byte-level BPE on hand-built vocabularies, checked against a plain string-based reference of
// the same algorithm; the real vocabularies are checked token for token by the golden vector
// test (tests/golden/tokenizer_vectors_test.cpp).

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/gguf/gguf_file.h"
#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/subword_encoder.h"
#include "model/tokenizer/vocab.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

std::string byte_level(std::string_view bytes) {
    std::string out;
    bytes_to_byte_level(bytes, out);
    return out;
}

// A byte-level vocabulary: the 256 byte characters first (id = byte), then what tests add.
struct VocabBuilder {
    Vocab v;

    explicit VocabBuilder(PreTokenizer pre = PreTokenizer::kGpt2, bool with_bytes = true) {
        v.model = TokenizerModel::kBpe;
        v.model_name = "gpt2";
        v.pre = pre;
        if (with_bytes) {
            for (int b = 0; b < 256; ++b) add(std::string(1, static_cast<char>(b)));
        }
    }
    // Adds the token for raw bytes; returns its id.
    TokenId add(std::string_view bytes) { return add_text(byte_level(bytes)); }
    TokenId add_text(std::string text) {
        const auto id = static_cast<TokenId>(v.text.size());
        v.ids.emplace(text, id);
        v.text.push_back(std::move(text));
        v.scores.push_back(0);
        v.attrs.push_back(kAttrNormal);
        return id;
    }
    void merge(std::string_view left, std::string_view right) {
        v.merges.emplace_back(byte_level(left), byte_level(right));
    }
};

std::unique_ptr<SubwordEncoder> encoder_for(const Vocab& v) {
    auto encoder = make_bpe_encoder(v);
    EXPECT_TRUE(encoder.has_value()) << encoder.error().to_string();
    return encoder.has_value() ? std::move(*encoder) : nullptr;
}

std::vector<TokenId> encode(const SubwordEncoder& encoder, std::string_view text) {
    std::vector<TokenId> out;
    encoder.encode(text, true, out);
    return out;
}

// The algorithm spelled out on strings: symbols are the byte-level characters of the piece;
// merge the pair of lowest rank, leftmost first, until none has a rank; a final symbol that is
// no token falls back to its one-byte tokens.
using Ranks = std::map<std::pair<std::string, std::string>, size_t>;

Ranks ranks_of(const Vocab& v) {
    Ranks ranks;
    for (size_t i = 0; i < v.merges.size(); ++i) ranks.emplace(v.merges[i], i);
    return ranks;
}

std::vector<TokenId> reference_bpe(const Vocab& v, const Ranks& ranks, std::string_view piece) {
    std::vector<TokenId> out;
    if (v.ignore_merges) {
        if (auto it = v.ids.find(byte_level(piece)); it != v.ids.end()) return {it->second};
    }
    std::vector<std::string> symbols;
    for (char c : piece) symbols.push_back(byte_level(std::string_view(&c, 1)));
    for (;;) {
        size_t best = symbols.size();
        size_t best_rank = SIZE_MAX;
        for (size_t j = 0; j + 1 < symbols.size(); ++j) {
            auto it = ranks.find({symbols[j], symbols[j + 1]});
            if (it != ranks.end() && it->second < best_rank) best = j, best_rank = it->second;
        }
        if (best == symbols.size()) break;
        symbols[best] += symbols[best + 1];
        symbols.erase(symbols.begin() + static_cast<ptrdiff_t>(best) + 1);
    }
    for (const std::string& s : symbols) {
        if (auto it = v.ids.find(s); it != v.ids.end()) {
            out.push_back(it->second);
            continue;
        }
        for (char c : s) {
            if (auto it = v.ids.find(std::string(1, c)); it != v.ids.end())
                out.push_back(it->second);
        }
    }
    return out;
}

TEST(BpeEncoder, MergesByRank) {
    VocabBuilder b;
    const TokenId th = b.add("th");
    const TokenId the = b.add("the");
    const TokenId sp_the = b.add(" the");
    b.merge("t", "h");
    b.merge("th", "e");
    b.merge(" ", "the");
    auto encoder = encoder_for(b.v);
    ASSERT_NE(encoder, nullptr);
    EXPECT_EQ(encode(*encoder, "the"), (std::vector<TokenId>{the}));
    EXPECT_EQ(encode(*encoder, "the the"), (std::vector<TokenId>{the, sp_the}));
    EXPECT_EQ(encode(*encoder, "th"), (std::vector<TokenId>{th}));
    EXPECT_EQ(encode(*encoder, "tax"), (std::vector<TokenId>{'t', 'a', 'x'}));
    EXPECT_EQ(encode(*encoder, ""), std::vector<TokenId>{});
}

TEST(BpeEncoder, LowerRankFirstThenLeftmost) {
    VocabBuilder b;
    const TokenId ab = b.add("ab");
    const TokenId bc = b.add("bc");
    const TokenId aa = b.add("aa");
    b.merge("a", "b");
    b.merge("b", "c");
    b.merge("a", "a");
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "abc"), (std::vector<TokenId>{ab, 'c'}));
    EXPECT_EQ(encode(*encoder, "bcab"), (std::vector<TokenId>{bc, ab}));
    EXPECT_EQ(encode(*encoder, "aaa"), (std::vector<TokenId>{aa, 'a'}));

    VocabBuilder reversed;
    const TokenId bc2 = reversed.add("bc");
    reversed.add("ab");
    reversed.merge("b", "c");
    reversed.merge("a", "b");
    auto encoder2 = encoder_for(reversed.v);
    EXPECT_EQ(encode(*encoder2, "abc"), (std::vector<TokenId>{'a', bc2}));
}

TEST(BpeEncoder, FirstListedMergeOfAPairWins) {
    VocabBuilder b;
    const TokenId ab = b.add("ab");
    b.add("bc");
    b.merge("a", "b");  // rank 0
    b.merge("b", "c");  // rank 1
    b.merge("a", "b");  // rank 2: ignored
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "abc"), (std::vector<TokenId>{ab, 'c'}));
}

TEST(BpeEncoder, MergeResultsThatAreNoTokens) {
    VocabBuilder b;
    const TokenId xyz = b.add("xyz");
    b.merge("x", "y");   // "xy" is no token …
    b.merge("xy", "z");  // … but the step to "xyz" needs it
    b.merge(" ", " ");   // "  " is no token either, and nothing builds on it
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "xyz"), (std::vector<TokenId>{xyz}));
    // A final symbol that is no token falls back to one-byte tokens of its byte-level text:
    // "xy" to 'x' 'y'; "  " is "ĠĠ" (two-byte characters), which has none, so it vanishes.
    EXPECT_EQ(encode(*encoder, "xy"), (std::vector<TokenId>{'x', 'y'}));
    EXPECT_EQ(encode(*encoder, "a  "), (std::vector<TokenId>{'a'}));
}

TEST(BpeEncoder, ByteMissingFromTheVocabularyIsDropped) {
    VocabBuilder b(PreTokenizer::kGpt2, /*with_bytes=*/false);
    const TokenId a = b.add("a");
    const TokenId space = b.add(" ");
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "a\x01 a"), (std::vector<TokenId>{a, space, a}));
}

TEST(BpeEncoder, IgnoreMergesTakesWholeWordTokens) {
    VocabBuilder b;
    const TokenId ab = b.add("ab");
    const TokenId abc = b.add("abc");
    b.merge("a", "b");
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "abc"), (std::vector<TokenId>{ab, 'c'}));

    b.v.ignore_merges = true;
    auto ignoring = encoder_for(b.v);
    EXPECT_EQ(encode(*ignoring, "abc"), (std::vector<TokenId>{abc}));
    EXPECT_EQ(encode(*ignoring, "abcd"), (std::vector<TokenId>{ab, 'c', 'd'}));
}

TEST(BpeEncoder, InvalidUtf8EncodesAsReplacementCharacter) {
    VocabBuilder b;
    auto encoder = encoder_for(b.v);
    EXPECT_EQ(encode(*encoder, "\xFF"), (std::vector<TokenId>{0xEF, 0xBF, 0xBD}));
    EXPECT_EQ(encode(*encoder, "a\xC3"), (std::vector<TokenId>{'a', 0xEF, 0xBF, 0xBD}));
}

TEST(BpeEncoder, EveryPreTokenizerKindBuilds) {
    for (int k = 0; k <= static_cast<int>(PreTokenizer::kMinerva); ++k) {
        VocabBuilder b(static_cast<PreTokenizer>(k));
        auto encoder = encoder_for(b.v);
        ASSERT_NE(encoder, nullptr) << k;
        const std::string text = "Hello, world! 123 \u6211 \u00E9\t\n";
        std::vector<TokenId> expected;
        for (char c : text) expected.push_back(static_cast<unsigned char>(c));
        EXPECT_EQ(encode(*encoder, text), expected) << k;  // no merges: one token per byte
    }
}

// Random merges over a small alphabet, random words up to a few hundred bytes: short pieces go
// through the array merge, long ones through the heap, and both must equal the reference.
TEST(BpeEncoder, MatchesReferenceOnRandomVocabularies) {
    const std::string alphabet = "abcde";
    for (unsigned seed = 1; seed <= 6; ++seed) {
        std::mt19937 rng(seed);
        VocabBuilder b;
        b.v.ignore_merges = seed % 2 == 0;
        std::vector<std::string> symbols;
        for (char c : alphabet) symbols.emplace_back(1, c);
        for (int i = 0; i < 300; ++i) {
            const std::string& l = symbols[rng() % symbols.size()];
            const std::string& r = symbols[rng() % symbols.size()];
            if (l.size() + r.size() > 8) continue;
            b.merge(l, r);
            const std::string joined = l + r;
            symbols.push_back(joined);
            if (rng() % 4 != 0 && b.v.ids.find(byte_level(joined)) == b.v.ids.end()) {
                b.add(joined);  // a quarter of the results stay out of the vocabulary
            }
        }
        auto encoder = encoder_for(b.v);
        ASSERT_NE(encoder, nullptr);
        const Ranks ranks = ranks_of(b.v);
        for (int i = 0; i < 400; ++i) {
            std::string word;
            const size_t n = 1 + rng() % (i % 8 == 0 ? 200 : 40);
            for (size_t k = 0; k < n; ++k) word += alphabet[rng() % alphabet.size()];
            const std::vector<TokenId> expected = reference_bpe(b.v, ranks, word);
            ASSERT_EQ(encode(*encoder, word), expected) << "seed " << seed << " word " << word;
            // Again: the second time the short ones come from the piece cache.
            ASSERT_EQ(encode(*encoder, word), expected);
        }
    }
}

TEST(BpeEncoder, EncodersOnOneThreadKeepTheirResultsApart) {
    // Same text, different merges: the per-thread piece cache must not mix the encoders up,
    // including when more encoders take turns than the thread keeps caches for.
    std::vector<VocabBuilder> builders(6);
    std::vector<std::unique_ptr<SubwordEncoder>> encoders;
    for (size_t i = 0; i < builders.size(); ++i) {
        builders[i].add("ab");
        if (i % 2 == 0) builders[i].merge("a", "b");
        encoders.push_back(encoder_for(builders[i].v));
    }
    for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < encoders.size(); ++i) {
            const std::vector<TokenId> expected =
                i % 2 == 0 ? std::vector<TokenId>{256} : std::vector<TokenId>{'a', 'b'};
            EXPECT_EQ(encode(*encoders[i], "ab"), expected) << i;
        }
    }
}

TEST(BpeEncoder, ConcurrentEncodesAgree) {
    VocabBuilder b;
    b.add("th");
    b.add("the");
    b.add(" the");
    b.merge("t", "h");
    b.merge("th", "e");
    b.merge(" ", "the");
    auto encoder = encoder_for(b.v);
    std::string text;
    for (int i = 0; i < 2000; ++i) text += i % 3 ? " the thing" : " then\t\u6211 12";
    const std::vector<TokenId> expected = encode(*encoder, text);
    std::vector<std::vector<TokenId>> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) r = encode(*encoder, text);
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& r : results) EXPECT_EQ(r, expected);
}

// Speed on a real book: ./openbook_model_tokenizer_tests --gtest_also_run_disabled_tests
// --gtest_filter='*EncodeSpeed*'
TEST(BpeEncoder, DISABLED_EncodeSpeed) {
    using openbook::testing::shared_data;
    for (const char* vocab_name : {"qwen2", "llama-bpe"}) {
        auto file = gguf::File::open(
            shared_data(std::string("llamacpp-fixtures/vocab/ggml-vocab-") + vocab_name + ".gguf"));
        ASSERT_TRUE(file.has_value()) << file.error().to_string();
        auto vocab = load_vocab(*file);
        ASSERT_TRUE(vocab.has_value()) << vocab.error().to_string();
        auto encoder = encoder_for(*vocab);
        const std::string text =
            openbook::testing::read_file(shared_data("ollama-testdata/war-and-peace.txt"));
        double best = 1e9;
        size_t n_tokens = 0;
        for (int rep = 0; rep < 5; ++rep) {
            std::vector<TokenId> out;
            out.reserve(text.size() / 3);
            const auto t0 = std::chrono::steady_clock::now();
            encoder->encode(text, true, out);
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::min(best, s);
            n_tokens = out.size();
        }
        std::printf("%s, War and Peace (%zu bytes): %.3f s, %.1f MB/s, %.2f M tokens/s (%zu)\n",
                    vocab_name, text.size(), best, text.size() / best / 1e6, n_tokens / best / 1e6,
                    n_tokens);
    }
}

}  // namespace
}  // namespace openbook::tokenizer
