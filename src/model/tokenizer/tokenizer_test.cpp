// The Tokenizer facade: special-token splitting, BOS/EOS, decoding, streaming. The encoders
// themselves are tested in their own files and, token for token, by the golden vector test.

#include "model/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "model/tokenizer/special_split.h"
#include "text/utf8.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

using openbook::testing::shared_data;

// A small SPM vocabulary: <unk> <s> </s>, 256 byte tokens, a few words and specials.
Vocab small_spm_vocab() {
    Vocab v;
    v.model = TokenizerModel::kSpm;
    v.model_name = "llama";
    auto add = [&](std::string text, uint32_t attr, float score = 0) {
        v.ids.emplace(text, static_cast<TokenId>(v.text.size()));
        v.text.push_back(std::move(text));
        v.attrs.push_back(attr);
        v.scores.push_back(score);
    };
    add("<unk>", kAttrUnknown);
    add("<s>", kAttrControl);
    add("</s>", kAttrControl);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        add(name, kAttrByte);
    }
    add("\xE2\x96\x81hello", kAttrNormal, -1);  // 259
    add("\xE2\x96\x81world", kAttrNormal, -1);  // 260
    add("<|im_start|>", kAttrControl);          // 261
    add("<tool>", kAttrUserDefined);            // 262
    add("abc", kAttrUserDefined);               // 263
    add("cd", kAttrUserDefined);                // 264
    v.bos = 1;
    v.eos = 2;
    v.unk = 0;
    v.add_bos = true;
    v.add_space_prefix = true;
    for (size_t id = 0; id < v.size(); ++id) {
        if (v.attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
            v.special_tokens_longest_first.push_back(static_cast<TokenId>(id));
        }
    }
    std::stable_sort(v.special_tokens_longest_first.begin(), v.special_tokens_longest_first.end(),
                     [&](TokenId a, TokenId b) { return v.text[a].size() > v.text[b].size(); });
    return v;
}

std::vector<Fragment> split(const Vocab& v, std::string_view text, bool parse_special) {
    std::vector<Fragment> out;
    SpecialTokenSplitter(v).split(text, parse_special,
                                  [&](const Fragment& f) { out.push_back(f); });
    return out;
}

std::string describe(std::string_view text, const std::vector<Fragment>& fragments) {
    std::string s;
    for (const Fragment& f : fragments) {
        s += f.token != kNoToken ? "#" + std::to_string(f.token)
                                 : "[" + std::string(text.substr(f.offset, f.length)) + "]";
    }
    return s;
}

TEST(SpecialTokenSplitter, ControlTokensOnlyWithParseSpecialUserDefinedAlways) {
    const Vocab v = small_spm_vocab();
    const std::string text = "a<|im_start|>b<tool>c";
    EXPECT_EQ(describe(text, split(v, text, false)), "[a<|im_start|>b]#262[c]");
    EXPECT_EQ(describe(text, split(v, text, true)), "[a]#261[b]#262[c]");
}

TEST(SpecialTokenSplitter, LongerTokensAreCutFirstEverywhere) {
    const Vocab v = small_spm_vocab();
    // "abc" is applied before "cd", so "abcd" keeps no "cd" to find.
    EXPECT_EQ(describe("abcd", split(v, "abcd", false)), "#263[d]");
    EXPECT_EQ(describe("xcdabcabc", split(v, "xcdabcabc", false)), "[x]#264#263#263");
}

TEST(SpecialTokenSplitter, StripAttributesEatNeighbouringWhitespace) {
    Vocab v = small_spm_vocab();
    v.attrs[262] |= kAttrLstrip | kAttrRstrip;
    const std::string text = "a  <tool> \n b";
    EXPECT_EQ(describe(text, split(v, text, false)), "[a]#262[b]");
}

TEST(SpecialTokenSplitter, EmptyAndPlainText) {
    const Vocab v = small_spm_vocab();
    EXPECT_TRUE(split(v, "", true).empty());
    EXPECT_EQ(describe("plain", split(v, "plain", true)), "[plain]");
}

TEST(Tokenizer, DecodeRendersBytesSpacesAndDropsControlTokens) {
    auto tok = Tokenizer::create(small_spm_vocab());
    ASSERT_TRUE(tok.has_value()) << tok.error().to_string();
    // <s> ▁hello ▁world <0x0A> 中 (three byte tokens) </s>
    const std::vector<TokenId> ids = {1, 259, 260, 3 + 0x0A, 3 + 0xE4, 3 + 0xB8, 3 + 0xAD, 2};
    EXPECT_EQ(tok->decode(ids), "hello world\n中");
    DecodeOptions render;
    render.render_special = true;
    EXPECT_EQ(tok->decode(ids, render), "<s>hello world\n中</s>");
    EXPECT_EQ(tok->piece(259, false), " hello");
    EXPECT_EQ(tok->piece(1, false), "");
    EXPECT_EQ(tok->piece(1, true), "<s>");
    EXPECT_EQ(tok->piece(999999, true), "");  // out of range: nothing, never a crash
}

TEST(Tokenizer, CleanSpacesIsOptIn) {
    Vocab v = small_spm_vocab();
    v.add_space_prefix = false;
    auto add = [&](std::string text) {
        v.ids.emplace(text, static_cast<TokenId>(v.text.size()));
        v.text.push_back(std::move(text));
        v.attrs.push_back(kAttrNormal);
        v.scores.push_back(0);
        return static_cast<TokenId>(v.text.size() - 1);
    };
    const TokenId it = add("it"), s = add("\xE2\x96\x81's"), dot = add("\xE2\x96\x81."),
                  q = add("\xE2\x96\x81'"), sp = add("\xE2\x96\x81");
    auto tok = Tokenizer::create(std::move(v));
    ASSERT_TRUE(tok.has_value());
    const std::vector<TokenId> ids = {it, s, dot, q, sp};
    EXPECT_EQ(tok->decode(ids), "it 's . ' ");
    DecodeOptions clean;
    clean.clean_spaces = true;
    EXPECT_EQ(tok->decode(ids, clean), "it's.'");
}

TEST(StreamDecoder, HoldsBackSplitCharactersUntilComplete) {
    auto tok = Tokenizer::create(small_spm_vocab());
    ASSERT_TRUE(tok.has_value());
    StreamDecoder stream(*tok);
    EXPECT_EQ(stream.push(1), "");         // <s>
    EXPECT_EQ(stream.push(259), "hello");  // leading space of the first word removed
    EXPECT_EQ(stream.push(3 + 0xE4), "");
    EXPECT_EQ(stream.push(3 + 0xB8), "");
    EXPECT_EQ(stream.push(3 + 0xAD), "中");
    EXPECT_EQ(stream.push(260), " world");
    EXPECT_EQ(stream.push(3 + 0xE4), "");
    EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");  // a character that never completed
}

TEST(StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
    auto tok = Tokenizer::create(small_spm_vocab());
    ASSERT_TRUE(tok.has_value());
    StreamDecoder stream(*tok);
    EXPECT_EQ(stream.push(3 + 0xFF), "\xEF\xBF\xBD");
    EXPECT_EQ(stream.push(3 + 'A'), "A");
}

// ---- real vocabularies ----

Tokenizer open_tokenizer(const std::string& relative) {
    auto file = gguf::File::open(shared_data(relative));
    EXPECT_TRUE(file.has_value()) << file.error().to_string();
    auto tok = Tokenizer::create(*file);
    EXPECT_TRUE(tok.has_value()) << tok.error().to_string();
    return std::move(tok).value();
}

TEST(Tokenizer, SpmAddsBosAndParsesControlTokensOnRequest) {
    Tokenizer tok = open_tokenizer("llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf");
    const Vocab& v = tok.vocab();
    EXPECT_EQ(v.model, TokenizerModel::kSpm);
    EXPECT_EQ(v.bos, 1);
    EXPECT_EQ(v.eos, 2);
    EXPECT_TRUE(v.add_bos);
    EXPECT_TRUE(v.add_space_prefix);

    const auto with_bos = tok.encode("Hello world", true, false);
    const auto without = tok.encode("Hello world", false, false);
    ASSERT_EQ(with_bos.size(), without.size() + 1);
    EXPECT_EQ(with_bos[0], 1);
    // "</s>" is text unless special tokens are parsed.
    EXPECT_EQ(tok.encode("a</s>", false, true).back(), 2);
    EXPECT_NE(tok.encode("a</s>", false, false).back(), 2);
}

TEST(Tokenizer, Qwen2ParsesChatMarkersAndKnowsItsStopTokens) {
    Tokenizer tok = open_tokenizer("llamacpp-fixtures/vocab/ggml-vocab-qwen2.gguf");
    const Vocab& v = tok.vocab();
    EXPECT_EQ(v.model, TokenizerModel::kBpe);
    EXPECT_EQ(v.pre, PreTokenizer::kQwen2);
    EXPECT_FALSE(v.clean_spaces);
    const TokenId im_start = v.find("<|im_start|>");
    const TokenId im_end = v.find("<|im_end|>");
    ASSERT_NE(im_start, kNoToken);
    ASSERT_NE(im_end, kNoToken);
    EXPECT_NE(std::find(v.end_of_generation.begin(), v.end_of_generation.end(), im_end),
              v.end_of_generation.end());

    const std::string chat = "<|im_start|>user\n你好<|im_end|>";
    const auto ids = tok.encode(chat, false, true);
    EXPECT_EQ(ids.front(), im_start);
    EXPECT_EQ(ids.back(), im_end);
    EXPECT_EQ(tok.decode(ids), "user\n你好");
    DecodeOptions render;
    render.render_special = true;
    EXPECT_EQ(tok.decode(ids, render), chat);
    // Without parse_special the markers are ordinary text and round-trip as such.
    const auto plain = tok.encode(chat, false, false);
    EXPECT_EQ(std::find(plain.begin(), plain.end(), im_start), plain.end());
    EXPECT_EQ(tok.decode(plain), chat);
}

TEST(Tokenizer, WordPieceFramesWithClsAndSep) {
    Tokenizer tok = open_tokenizer("llamacpp-vocab-tests/ggml-vocab-bert-bge.gguf");
    const Vocab& v = tok.vocab();
    EXPECT_EQ(v.model, TokenizerModel::kWordPiece);
    const auto ids = tok.encode("Hello world", true, false);
    ASSERT_GE(ids.size(), 4u);
    EXPECT_EQ(ids.front(), v.bos);  // [CLS]
    EXPECT_EQ(ids.back(), v.sep);   // [SEP]
    EXPECT_EQ(tok.decode(ids), "hello world");
}

TEST(Tokenizer, StreamingEqualsWholeDecodeOnChineseText) {
    Tokenizer tok = open_tokenizer("llamacpp-fixtures/vocab/ggml-vocab-llama-bpe.gguf");
    const std::string text = "檢索增強生成 (RAG) 把找到的段落交給模型；答案附上引用。🙂";
    const auto ids = tok.encode(text, true, false);
    StreamDecoder stream(tok);
    std::string streamed;
    for (TokenId id : ids) {
        std::string part = stream.push(id);
        EXPECT_TRUE(text::is_valid_utf8(part));
        streamed += part;
    }
    streamed += stream.flush();
    EXPECT_EQ(streamed, text);
    EXPECT_EQ(tok.decode(ids), text);
}

}  // namespace
}  // namespace openbook::tokenizer
