// The generation loop on a real model (stories260K, ../shared/data/stories260k-gguf).
#include "model/runtime/generator.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace openbook::runtime {
namespace {

std::unique_ptr<Decoder> stories(int64_t context = 0) {
    DecoderOptions options;
    options.threads = 1;
    options.context = context;
    auto d = Decoder::load(openbook::testing::shared_data("stories260k-gguf/stories260K-f32.gguf"),
                           options);
    EXPECT_TRUE(d.has_value()) << d.error().to_string();
    return std::move(d).value();
}

GenerateOptions greedy(int64_t n) {
    GenerateOptions o;
    o.max_tokens = n;
    o.sampling.temperature = 0;
    return o;
}

TEST(Generate, ReusesTheCachedPrefixAndGivesTheSameTokens) {
    auto d = stories();
    const auto prompt = d->tokenizer().encode("Once upon a time, there was a dog", true, false);
    auto first = generate(*d, prompt, greedy(30));
    ASSERT_TRUE(first.has_value()) << first.error().to_string();
    EXPECT_EQ(first->stats.reused_tokens, 0);

    auto second = generate(*d, prompt, greedy(30));
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->stats.reused_tokens, static_cast<int64_t>(prompt.size()) - 1);
    EXPECT_EQ(second->tokens, first->tokens);

    // A prompt that shares only a prefix reuses exactly that prefix.
    auto other = d->tokenizer().encode("Once upon a time, there was a cat", true, false);
    size_t common = 0;
    while (common < prompt.size() && prompt[common] == other[common]) ++common;
    auto third = generate(*d, other, greedy(5));
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->stats.reused_tokens, static_cast<int64_t>(common));

    GenerateOptions fresh = greedy(30);
    fresh.reuse_prefix = false;
    auto fourth = generate(*d, prompt, fresh);
    ASSERT_TRUE(fourth.has_value());
    EXPECT_EQ(fourth->stats.reused_tokens, 0);
    EXPECT_EQ(fourth->tokens, first->tokens);
}

TEST(Generate, ASavedPrefixIsRestoredAfterOtherPromptsAndGivesTheSameTokens) {
    for (KvType kv : {KvType::kF32, KvType::kF16}) {
        DecoderOptions options;
        options.threads = 1;
        options.kv_type = kv;
        auto loaded = Decoder::load(
            openbook::testing::shared_data("stories260k-gguf/stories260K-f32.gguf"), options);
        ASSERT_TRUE(loaded.has_value());
        Decoder& d = **loaded;
        const auto prefix = d.tokenizer().encode("Once upon a time, there was a little girl", true,
                                                 false);
        const auto prompt = d.tokenizer().encode(
            "Once upon a time, there was a little girl named Lily. She liked", true, false);
        ASSERT_GT(prompt.size(), prefix.size());

        GenerateOptions fresh = greedy(20);
        fresh.reuse_prefix = false;
        auto reference = generate(d, prompt, fresh);
        ASSERT_TRUE(reference.has_value());
        const CachedPrefix saved = d.save_prefix(static_cast<int64_t>(prefix.size()));
        ASSERT_EQ(saved.tokens, std::vector<tokenizer::TokenId>(prefix.begin(), prefix.end()));

        // Another prompt overwrites the cache from position 1 on.
        auto other = d.tokenizer().encode("The dog ran to the park", true, false);
        ASSERT_TRUE(generate(d, other, greedy(5)).has_value());

        GenerateOptions with_saved = greedy(20);
        with_saved.saved_prefix = &saved;
        auto again = generate(d, prompt, with_saved);
        ASSERT_TRUE(again.has_value());
        EXPECT_EQ(again->stats.reused_tokens, static_cast<int64_t>(prefix.size()));
        EXPECT_EQ(again->tokens, reference->tokens);

        // Without reuse the saved prefix is ignored.
        GenerateOptions no_reuse = fresh;
        no_reuse.saved_prefix = &saved;
        auto plain = generate(d, prompt, no_reuse);
        ASSERT_TRUE(plain.has_value());
        EXPECT_EQ(plain->stats.reused_tokens, 0);
        EXPECT_EQ(plain->tokens, reference->tokens);
    }
}

TEST(Generate, StreamedPiecesAddUpToTheTextAndStopStringsAreNeverShown) {
    auto d = stories();
    const auto prompt = d->tokenizer().encode("Once upon a time", true, false);
    auto whole = generate(*d, prompt, greedy(60));
    ASSERT_TRUE(whole.has_value());
    const size_t cut = whole->text.find("Lily");
    ASSERT_NE(cut, std::string::npos) << whole->text;

    GenerateOptions o = greedy(60);
    o.stop_strings = {"Lily"};
    std::string streamed;
    auto stopped = generate(*d, prompt, o, [&](std::string_view piece) {
        streamed += piece;
        return true;
    });
    ASSERT_TRUE(stopped.has_value());
    EXPECT_EQ(stopped->stats.stop_reason, "stop_string");
    EXPECT_EQ(stopped->text, whole->text.substr(0, cut));
    EXPECT_EQ(streamed, stopped->text);
}

TEST(Generate, TheCallerCanStopAndAFullContextStops) {
    auto d = stories(24);
    const auto prompt = d->tokenizer().encode("Once upon a time", true, false);
    int calls = 0;
    auto cancelled = generate(*d, prompt, greedy(50), [&](std::string_view) { return ++calls < 3; });
    ASSERT_TRUE(cancelled.has_value());
    EXPECT_EQ(cancelled->stats.stop_reason, "cancelled");
    EXPECT_EQ(calls, 3);

    auto full = generate(*d, prompt, greedy(100));
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(full->stats.stop_reason, "context_full");
    EXPECT_EQ(static_cast<int64_t>(d->cached_tokens().size()), d->context_length());

    std::vector<tokenizer::TokenId> too_long(24, 300);
    auto refused = generate(*d, too_long, greedy(5));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openbook::runtime
