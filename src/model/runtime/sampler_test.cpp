#include "model/runtime/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace openbook::runtime {
namespace {

SamplingParams greedy() {
    SamplingParams p;
    p.temperature = 0;
    return p;
}

TEST(Sampler, GreedyTakesTheHighestLogitAndTheLowestIdOnTies) {
    Sampler s(greedy());
    const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
    EXPECT_EQ(s.sample(logits), 1);
    EXPECT_EQ(s.sample(std::vector<float>{}), tokenizer::kNoToken);
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
    SamplingParams p = greedy();
    p.repeat_penalty = 2.0f;
    Sampler s(p);
    const std::vector<float> logits = {3.0f, 2.0f, -1.0f};
    EXPECT_EQ(s.sample(logits), 0);
    s.accept(0);  // 3.0 → 1.5: token 1 (2.0) now wins
    EXPECT_EQ(s.sample(logits), 1);
}

TEST(Sampler, FrequencyAndPresencePenaltiesCountOccurrencesInTheWindow) {
    SamplingParams p = greedy();
    p.frequency_penalty = 0.6f;
    p.presence_penalty = 0.5f;
    p.penalty_last_n = 3;
    Sampler s(p);
    const std::vector<float> logits = {2.0f, 1.0f};
    s.accept(0);  // 2.0 - 0.6 - 0.5 = 0.9 < 1.0
    EXPECT_EQ(s.sample(logits), 1);
    s.accept(1);
    s.accept(1);
    s.accept(1);  // token 0 has left the window of 3
    EXPECT_EQ(s.sample(logits), 0);
}

TEST(Sampler, SameSeedSameTokensAndDifferentSeedsDiffer) {
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    std::vector<float> logits(50);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
    auto run = [&](uint64_t seed) {
        p.seed = seed;
        Sampler s(p);
        std::vector<tokenizer::TokenId> out;
        for (int i = 0; i < 200; ++i) out.push_back(s.sample(logits));
        return out;
    };
    EXPECT_EQ(run(7), run(7));
    EXPECT_NE(run(7), run(8));
}

TEST(Sampler, DrawsFollowTheTemperedSoftmax) {
    SamplingParams p;
    p.temperature = 0.5f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = 42;
    Sampler s(p);
    const std::vector<float> logits = {0.0f, std::log(2.0f) * 0.5f, std::log(3.0f) * 0.5f};
    // At temperature 0.5 the weights are 1 : 2 : 3.
    std::map<int, int> counts;
    const int n = 60000;
    for (int i = 0; i < n; ++i) ++counts[s.sample(logits)];
    EXPECT_NEAR(counts[0] / static_cast<double>(n), 1.0 / 6, 0.01);
    EXPECT_NEAR(counts[1] / static_cast<double>(n), 2.0 / 6, 0.01);
    EXPECT_NEAR(counts[2] / static_cast<double>(n), 3.0 / 6, 0.01);
}

TEST(Sampler, TopKTopPAndMinPCutTheTail) {
    const std::vector<float> logits = {5.0f, 4.0f, 0.0f, -3.0f};
    auto seen = [&](SamplingParams p) {
        p.temperature = 5.0f;  // flat enough that every survivor shows up
        p.seed = 1;
        Sampler s(p);
        std::map<int, int> counts;
        for (int i = 0; i < 4000; ++i) ++counts[s.sample(logits)];
        return counts.size();
    };
    SamplingParams none;
    none.top_k = 0;
    none.top_p = 1.0f;
    none.min_p = 0.0f;
    EXPECT_EQ(seen(none), 4u);
    SamplingParams k = none;
    k.top_k = 2;
    EXPECT_EQ(seen(k), 2u);
    SamplingParams top_p = none;
    top_p.top_p = 0.5f;  // token 0 alone holds ~73% of the untempered mass
    EXPECT_EQ(seen(top_p), 1u);
    SamplingParams min_p = none;
    min_p.min_p = 0.1f;  // keeps logits >= 5 + ln 0.1 = 2.70
    EXPECT_EQ(seen(min_p), 2u);
}

}  // namespace
}  // namespace openbook::runtime
