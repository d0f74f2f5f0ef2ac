// The WordPiece encoder and BERT's basic tokenization: hand-built vocabularies for the greedy
// match and [UNK] rule, single code points for the normalization, and llama.cpp's test vectors
// for bge (both copies of the file).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/tokenizer/bert_pretokenizer.h"
#include "model/tokenizer/subword_encoder.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

constexpr const char* kSp = "\xE2\x96\x81";  // "▁", the word-start mark of the GGUF vocabulary

Vocab bert_vocab(const std::vector<std::string>& pieces) {
    Vocab v;
    v.model = TokenizerModel::kWordPiece;
    auto add = [&](const std::string& text, uint32_t attr) {
        v.ids.emplace(text, static_cast<TokenId>(v.text.size()));
        v.text.push_back(text);
        v.attrs.push_back(attr);
        v.scores.push_back(0);
    };
    add("[PAD]", kAttrControl);
    add("[UNK]", kAttrUnknown);
    add("[CLS]", kAttrControl);
    add("[SEP]", kAttrControl);
    for (const std::string& p : pieces) add(p, kAttrNormal);
    v.pad = 0;
    v.unk = 1;
    v.bos = 2;
    v.sep = 3;
    return v;
}

std::string encode(const Vocab& v, std::string_view text) {
    std::vector<TokenId> ids;
    make_wordpiece_encoder(v)->encode(text, true, ids);
    std::string out;
    for (TokenId id : ids) {
        if (!out.empty()) out += '|';
        out += v.text[id];
    }
    return out;
}

std::string words(std::string_view text) {
    const BertWords w = bert_split_words(text);
    std::string out;
    for (size_t i = 0; i < w.size(); ++i) {
        if (i > 0) out += '|';
        out += w[i];
    }
    return out;
}

std::string sp(const std::string& word) { return kSp + word; }

TEST(WordPieceEncoder, GreedyLongestMatchFromTheLeft) {
    const Vocab v = bert_vocab({sp("un"), "aff", "able", sp("a"), sp("ab"), "c", "bc", "a"});
    EXPECT_EQ(encode(v, "unaffable"), "▁un|aff|able");
    // Longest first wins even where a shorter start would have led to fewer pieces.
    EXPECT_EQ(encode(v, "abc"), "▁ab|c");
}

TEST(WordPieceEncoder, AWordThatCannotBeCoveredIsOneUnknownToken) {
    const Vocab v = bert_vocab({sp("un"), "aff", "able", sp("the")});
    EXPECT_EQ(encode(v, "the unaffablex the"), "▁the|[UNK]|▁the");
    EXPECT_EQ(encode(v, "xyz"), "[UNK]");
    // The word-start piece is required: "aff" alone cannot begin a word.
    EXPECT_EQ(encode(v, "aff"), "[UNK]");
}

TEST(WordPieceEncoder, PunctuationSymbolsAndIdeographsStandAlone) {
    const Vocab v = bert_vocab({sp("hello"), sp(","), sp("world"), sp("!"), sp("$"), sp("5"),
                                sp("中"), sp("文"), sp("a©b")});
    EXPECT_EQ(encode(v, "hello,world!"), "▁hello|▁,|▁world|▁!");
    EXPECT_EQ(encode(v, "$5"), "▁$|▁5");
    EXPECT_EQ(encode(v, "中文"), "▁中|▁文");
    // Non-ASCII symbols do not split a word.
    EXPECT_EQ(encode(v, "a©b"), "▁a©b");
}

TEST(WordPieceEncoder, EmptyAndSpaceOnlyFragmentsGiveNothing) {
    const Vocab v = bert_vocab({sp("a")});
    EXPECT_EQ(encode(v, ""), "");
    EXPECT_EQ(encode(v, " \t\n\u3000 "), "");
}

TEST(BertPretokenizer, LowercasesStripsAccentsAndDropsControls) {
    EXPECT_EQ(words("Héllo WORLD"), "hello|world");
    EXPECT_EQ(words("Cửa Việt"), "cua|viet");
    EXPECT_EQ(words("a\u200Bb\u0007c"), "abc");  // format and control characters
    EXPECT_EQ(words("a\xEF\xBF\xBD"
                    "b"),
              "ab");                                 // U+FFFD
    EXPECT_EQ(words(std::string("a\0b", 3)), "ab");  // NUL
    EXPECT_EQ(words("a\xC3"
                    "b\x80"
                    "c"),
              "abc");  // invalid UTF-8
    EXPECT_EQ(words("tab\tnbsp\u00A0ideographic\u3000end"), "tab|nbsp|ideographic|end");
    EXPECT_EQ(words("well-known (x)"), "well|-|known|(|x|)");
}

TEST(BertPretokenizer, SingleCodePointFacts) {
    // llama.cpp keeps only the first code point of the canonical decomposition.
    EXPECT_EQ(bert_classify(U'É').cp, U'e');
    EXPECT_EQ(bert_classify(U'Å').kind, BertCharKind::kWord);
    EXPECT_EQ(bert_classify(0xAC00).cp, 0x1100u);  // 가 → leading jamo ᄀ
    EXPECT_EQ(bert_classify(0xFB01).cp, 0xFB01u);  // "ﬁ" has only a compatibility decomposition
    EXPECT_EQ(bert_classify(U'Σ').cp, U'σ');
    EXPECT_EQ(bert_classify(0x2028).kind, BertCharKind::kSpace);
    EXPECT_EQ(bert_classify(0x0085).kind, BertCharKind::kSpace);
    EXPECT_EQ(bert_classify(0xE000).kind, BertCharKind::kDrop);  // private use
    EXPECT_EQ(bert_classify(0xD800).kind, BertCharKind::kDrop);  // surrogate
    EXPECT_EQ(bert_classify(0x110000).kind, BertCharKind::kDrop);
    EXPECT_EQ(bert_classify(U'+').kind, BertCharKind::kIsolated);
    EXPECT_EQ(bert_classify(U'€').kind, BertCharKind::kWord);
    EXPECT_EQ(bert_classify(U'。').kind, BertCharKind::kIsolated);
    EXPECT_EQ(bert_classify(0x2B820).kind, BertCharKind::kWord);  // the HF range gap
    EXPECT_EQ(bert_classify(0x2B920).kind, BertCharKind::kIsolated);
    EXPECT_EQ(bert_classify(0xE0041).kind, BertCharKind::kDrop);  // tag character (Cf)
    EXPECT_EQ(bert_classify(0x0378).kind, BertCharKind::kWord);   // unassigned: kept
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

std::vector<TokenId> parse_line(const std::string& line) {
    std::vector<TokenId> ids;
    for (size_t i = 0; i < line.size();) {
        while (i < line.size() && line[i] == ' ') ++i;
        if (i == line.size()) break;
        size_t j = i;
        while (j < line.size() && line[j] != ' ') ++j;
        ids.push_back(std::stoi(line.substr(i, j - i)));
        i = j;
    }
    return ids;
}

void check_vectors(const std::string& relative) {
    const auto path = openbook::testing::shared_data(relative);
    auto file = gguf::File::open(path);
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    auto vocab = load_vocab(*file);
    ASSERT_TRUE(vocab.has_value()) << vocab.error().to_string();
    ASSERT_EQ(vocab->model, TokenizerModel::kWordPiece);
    const auto encoder = make_wordpiece_encoder(*vocab);
    const auto cases = split_cases(openbook::testing::read_file(path.string() + ".inp"));
    const std::string out = openbook::testing::read_file(path.string() + ".out");
    ASSERT_EQ(cases.size(), 46u);
    size_t pos = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        const size_t end = out.find('\n', pos);
        ASSERT_NE(end, std::string::npos);
        const std::vector<TokenId> expected = parse_line(out.substr(pos, end - pos));
        pos = end + 1;
        std::vector<TokenId> ids;
        encoder->encode(cases[i], true, ids);
        EXPECT_EQ(ids, expected) << relative << " case " << i << ": \"" << cases[i] << "\"";
    }
}

TEST(WordPieceEncoder, BertBgeVectors) {
    check_vectors("llamacpp-vocab-tests/ggml-vocab-bert-bge.gguf");
    check_vectors("llamacpp-fixtures/vocab/ggml-vocab-bert-bge.gguf");
}

}  // namespace
}  // namespace openbook::tokenizer
