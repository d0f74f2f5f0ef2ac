// LanguageModel's kept chat prefix on a real model (stories260K, ../shared/data/stories260k-gguf).
#include <gtest/gtest.h>

#include "openbook/generate.h"
#include "support/test_support.h"

namespace openbook {
namespace {

LanguageModel stories() {
    ModelLoadOptions options;
    options.threads = 1;
    auto m = LanguageModel::load(
        openbook::testing::shared_data("stories260k-gguf/stories260K-f32.gguf"), options);
    EXPECT_TRUE(m.has_value()) << m.error().to_string();
    return std::move(m).value();
}

GenerationOptions greedy(int64_t n) {
    GenerationOptions o;
    o.max_tokens = n;
    o.temperature = 0;
    return o;
}

TEST(LanguageModel, AKeptChatPrefixSurvivesOtherPromptsAndChangesNoToken) {
    LanguageModel model = stories();
    const std::vector<ChatTurn> prefix = {{"system", "Once upon a time there was a kind cat."}};
    std::vector<ChatTurn> first = prefix;
    first.push_back({"user", "Tell me about the cat."});
    std::vector<ChatTurn> second = prefix;
    second.push_back({"user", "What did the dog say?"});

    GenerationOptions fresh = greedy(12);
    fresh.reuse_cache = false;
    auto reference = model.chat(second, fresh);
    ASSERT_TRUE(reference.has_value()) << reference.error().to_string();
    EXPECT_EQ(reference->reused_prompt_tokens, 0);

    ASSERT_TRUE(model.keep_chat_prefix(prefix).ok());
    EXPECT_EQ(model.kept_prefix_tokens(), 0);  // nothing evaluated since
    ASSERT_TRUE(model.chat(first, greedy(12)).has_value());
    const int64_t kept = model.kept_prefix_tokens();
    EXPECT_GT(kept, 10);

    // Something else entirely uses the cache in between.
    ASSERT_TRUE(model.generate("The big dog ran to the park and", greedy(8)).has_value());

    auto answer = model.chat(second, greedy(12));
    ASSERT_TRUE(answer.has_value());
    // All of the kept prefix is reused (one token less if the tokenizer merged across the end of
    // the rendered prefix; not the case for this template and vocabulary, but allowed).
    EXPECT_GE(answer->reused_prompt_tokens, kept - 1);
    EXPECT_EQ(answer->tokens, reference->tokens);

    // The same turns again keep the state; no turns forget it.
    ASSERT_TRUE(model.keep_chat_prefix(prefix).ok());
    EXPECT_EQ(model.kept_prefix_tokens(), kept);
    ASSERT_TRUE(model.keep_chat_prefix({}).ok());
    EXPECT_EQ(model.kept_prefix_tokens(), 0);
}

}  // namespace
}  // namespace openbook
