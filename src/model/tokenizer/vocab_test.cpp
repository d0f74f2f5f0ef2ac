#include "model/tokenizer/vocab.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "model/gguf/gguf_writer.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

using gguf::MetaValue;

// A GGUF image with the given tokenizer metadata; `extra` is applied last.
gguf::File vocab_file(const std::string& model, const std::vector<std::string>& tokens,
                      const std::function<void(gguf::Writer&)>& extra = {}) {
    gguf::Writer w;
    EXPECT_TRUE(w.add("general.architecture", MetaValue::string("llama")).ok());
    if (!model.empty()) {
        EXPECT_TRUE(w.add("tokenizer.ggml.model", MetaValue::string(model)).ok());
    }
    EXPECT_TRUE(w.add("tokenizer.ggml.tokens", MetaValue::strings(tokens)).ok());
    if (extra) extra(w);
    auto file = gguf::File::from_bytes(w.serialize(), "test.gguf");
    EXPECT_TRUE(file.has_value()) << file.error().to_string();
    return std::move(file).value();
}

TEST(LoadVocab, MissingOrUnknownTokenizerModelIsAClearError) {
    auto missing = load_vocab(vocab_file("", {"a", "b"}));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(missing.error().message().find("test.gguf"), std::string::npos);
    EXPECT_NE(missing.error().message().find("tokenizer.ggml.model"), std::string::npos);

    auto unknown = load_vocab(vocab_file("rwkv", {"a", "b"}));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(unknown.error().message().find("rwkv"), std::string::npos);
}

TEST(LoadVocab, UnknownPreTokenizerIsUnsupported) {
    auto v = load_vocab(vocab_file("gpt2", {"a", "b", "ab"}, [](gguf::Writer& w) {
        ASSERT_TRUE(w.add("tokenizer.ggml.pre", MetaValue::string("no-such-pre")).ok());
        ASSERT_TRUE(w.add("tokenizer.ggml.merges", MetaValue::strings({"a b"})).ok());
    }));
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(v.error().message().find("no-such-pre"), std::string::npos);
}

TEST(LoadVocab, BpeWithoutMergesIsCorrupt) {
    auto v = load_vocab(vocab_file("gpt2", {"a", "b"}));
    ASSERT_FALSE(v.has_value());
    EXPECT_NE(v.error().message().find("tokenizer.ggml.merges"), std::string::npos);
}

TEST(LoadVocab, ArraysOfTheWrongLengthOrTypeAreCorrupt) {
    auto short_scores = load_vocab(vocab_file("llama", {"a", "b", "c"}, [](gguf::Writer& w) {
        ASSERT_TRUE(w.add("tokenizer.ggml.scores", MetaValue::numbers<float>({0.f, 1.f})).ok());
    }));
    ASSERT_FALSE(short_scores.has_value());
    EXPECT_NE(short_scores.error().message().find("tokenizer.ggml.scores"), std::string::npos);

    auto wrong_type = load_vocab(vocab_file("llama", {"a", "b"}, [](gguf::Writer& w) {
        ASSERT_TRUE(
            w.add("tokenizer.ggml.token_type", MetaValue::strings({"normal", "normal"})).ok());
    }));
    ASSERT_FALSE(wrong_type.has_value());
    EXPECT_NE(wrong_type.error().message().find("token_type"), std::string::npos);

    auto no_tokens = [] {
        gguf::Writer w;
        EXPECT_TRUE(w.add("tokenizer.ggml.model", MetaValue::string("llama")).ok());
        return load_vocab(gguf::File::from_bytes(w.serialize(), "x.gguf").value());
    }();
    ASSERT_FALSE(no_tokens.has_value());
    EXPECT_NE(no_tokens.error().message().find("tokenizer.ggml.tokens"), std::string::npos);
}

TEST(LoadVocab, DuplicateTokenTextIsCorrupt) {
    auto v = load_vocab(vocab_file("llama", {"a", "b", "a"}));
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(v.error().message().find("duplicates"), std::string::npos);
}

TEST(LoadVocab, SpecialIdsOutsideTheVocabularyAreIgnored) {
    auto v = load_vocab(vocab_file("llama", {"<unk>", "<s>", "</s>", "x"}, [](gguf::Writer& w) {
        ASSERT_TRUE(w.add("tokenizer.ggml.bos_token_id", MetaValue::uint32(70000)).ok());
        ASSERT_TRUE(w.add("tokenizer.ggml.eos_token_id", MetaValue::uint32(3)).ok());
    }));
    ASSERT_TRUE(v.has_value()) << v.error().to_string();
    EXPECT_EQ(v->bos, 1);  // the SPM default survives a bad id
    EXPECT_EQ(v->eos, 3);
    EXPECT_NE(std::find(v->end_of_generation.begin(), v->end_of_generation.end(), 3),
              v->end_of_generation.end());
}

TEST(LoadVocab, TokenTypesBecomeAttributesAndSpecialsAreOrderedLongestFirst) {
    auto v = load_vocab(vocab_file("llama", {"<unk>", "<s>", "</s>", "<0x0A>", "<|long_one|>", "w"},
                                   [](gguf::Writer& w) {
        ASSERT_TRUE(w.add("tokenizer.ggml.token_type",
                          MetaValue::numbers<int32_t>({2, 3, 3, 6, 4, 1}))
                        .ok());
    }));
    ASSERT_TRUE(v.has_value()) << v.error().to_string();
    EXPECT_TRUE(v->has(0, kAttrUnknown));
    EXPECT_TRUE(v->has(1, kAttrControl));
    EXPECT_TRUE(v->has(3, kAttrByte));
    EXPECT_TRUE(v->has(4, kAttrUserDefined));
    EXPECT_TRUE(v->has(5, kAttrNormal));
    const std::vector<TokenId> expected = {4, 0, 2, 1};  // "<|long_one|>", "<unk>", "</s>", "<s>"
    EXPECT_EQ(v->special_tokens_longest_first, expected);
}

TEST(LoadVocab, Llama3PreTokenizerAddsBosAndSkipsMergesOfWholeTokens) {
    auto v = load_vocab(vocab_file("gpt2", {"a", "b", "ab"}, [](gguf::Writer& w) {
        ASSERT_TRUE(w.add("tokenizer.ggml.pre", MetaValue::string("llama-bpe")).ok());
        ASSERT_TRUE(w.add("tokenizer.ggml.merges", MetaValue::strings({"a b", "bad"})).ok());
        ASSERT_TRUE(w.add("tokenizer.ggml.bos_token_id", MetaValue::uint32(0)).ok());
    }));
    ASSERT_TRUE(v.has_value()) << v.error().to_string();
    EXPECT_EQ(v->pre, PreTokenizer::kLlama3);
    EXPECT_TRUE(v->add_bos);
    EXPECT_TRUE(v->ignore_merges);
    EXPECT_TRUE(v->clean_spaces);
    ASSERT_EQ(v->merges.size(), 2u);  // an unsplittable merge keeps its rank slot
    EXPECT_EQ(v->merges[0], std::make_pair(std::string("a"), std::string("b")));
    EXPECT_TRUE(v->merges[1].first.empty());
}

TEST(LoadVocab, RealVocabularies) {
    auto open = [](const std::string& rel) {
        auto file = gguf::File::open(openbook::testing::shared_data(rel));
        EXPECT_TRUE(file.has_value()) << file.error().to_string();
        auto v = load_vocab(*file);
        EXPECT_TRUE(v.has_value()) << v.error().to_string();
        return std::move(v).value();
    };
    const Vocab bert = open("llamacpp-vocab-tests/ggml-vocab-bert-bge.gguf");
    EXPECT_EQ(bert.model, TokenizerModel::kWordPiece);
    EXPECT_EQ(bert.size(), 30522u);
    EXPECT_EQ(bert.text[bert.bos], "[CLS]");
    EXPECT_EQ(bert.text[bert.sep], "[SEP]");
    EXPECT_EQ(bert.text[bert.unk], "[UNK]");

    const Vocab phi3 = open("llamacpp-vocab-tests/ggml-vocab-phi-3.gguf");
    EXPECT_EQ(phi3.model, TokenizerModel::kSpm);
    EXPECT_EQ(phi3.size(), 32064u);
    const TokenId end = phi3.find("<|end|>");
    ASSERT_NE(end, kNoToken);
    EXPECT_EQ(phi3.eot, end);

    const Vocab falcon = open("llamacpp-vocab-tests/ggml-vocab-falcon.gguf");
    EXPECT_EQ(falcon.pre, PreTokenizer::kFalcon);
    EXPECT_EQ(falcon.size(), 65024u);
    EXPECT_GT(falcon.merges.size(), 60000u);
}

}  // namespace
}  // namespace openbook::tokenizer
