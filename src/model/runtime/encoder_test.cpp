#include "model/runtime/encoder.h"

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/arch/synthetic_model.h"
#include "support/test_support.h"

namespace openbook::runtime {
namespace {

using openbook::testing::TempDir;
using tokenizer::TokenId;

std::filesystem::path write_bert(const TempDir& dir, int64_t positions = 16) {
    arch::SyntheticModel s;
    s.architecture = "bert";
    s.n_vocab = 50;
    s.n_embd = 32;
    s.n_head = 4;
    s.n_head_kv = 4;
    s.n_ff = 64;
    s.n_ctx = positions;
    const auto path = dir / "bert.gguf";
    EXPECT_TRUE(arch::write_synthetic_model(path, s).ok());
    return path;
}

TEST(Encoder, StatesAndPoolings) {
    TempDir dir;
    auto loaded = Encoder::load(write_bert(dir), 2);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    const Encoder& e = **loaded;
    EXPECT_EQ(e.dim(), 32);
    EXPECT_EQ(e.max_tokens(), 16);
    EXPECT_EQ(e.pooling(), arch::Pooling::kCls);
    EXPECT_EQ(e.threads(), 2);
    EXPECT_EQ(e.architecture(), "bert");

    const std::vector<TokenId> ids = {2, 10, 11, 12, 3};
    std::vector<float> states, cls, mean;
    ASSERT_TRUE(e.embed(ids, &states, &cls, &mean).ok());
    ASSERT_EQ(states.size(), 5u * 32);
    EXPECT_EQ(std::vector<float>(states.begin(), states.begin() + 32), cls);
    for (int i = 0; i < 32; ++i) {
        double m = 0;
        for (int t = 0; t < 5; ++t) m += states[t * 32 + i];
        EXPECT_NEAR(mean[i], m / 5, 1e-5);
    }
    // Post-norm: every state is a LayerNorm output (weights near 1, biases near 0).
    double sum = 0;
    for (int i = 0; i < 32; ++i) sum += states[32 + i];
    EXPECT_LT(std::fabs(sum / 32), 0.5);

    // Bidirectional: the first state depends on the last token.
    std::vector<TokenId> changed = ids;
    changed[4] = 40;
    std::vector<float> cls2;
    ASSERT_TRUE(e.embed(changed, nullptr, &cls2, nullptr).ok());
    EXPECT_NE(cls2, cls);
    // Same input, same output; concurrent calls are safe.
    std::vector<float> again;
    std::thread other([&] {
        std::vector<float> c;
        EXPECT_TRUE(e.embed(changed, nullptr, &c, nullptr).ok());
        EXPECT_EQ(c, cls2);
    });
    ASSERT_TRUE(e.embed(ids, nullptr, &again, nullptr).ok());
    other.join();
    EXPECT_EQ(again, cls);
}

TEST(Encoder, BadInput) {
    TempDir dir;
    auto loaded = Encoder::load(write_bert(dir, 8));
    ASSERT_TRUE(loaded.has_value());
    const Encoder& e = **loaded;
    std::vector<float> out;
    EXPECT_EQ(e.embed({}, nullptr, &out, nullptr).code(), StatusCode::kInvalidArgument);
    const std::vector<TokenId> too_long(9, 5);
    const Status s = e.embed(too_long, nullptr, &out, nullptr);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "embed: 9 tokens exceed the model's limit of 8");
    const std::vector<TokenId> bad = {2, 50};
    EXPECT_EQ(e.embed(bad, nullptr, &out, nullptr).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Encoder::load(dir / "bert.gguf", -1).error().code(), StatusCode::kInvalidArgument);
}

TEST(Encoder, RefusesALanguageModel) {
    TempDir dir;
    arch::SyntheticModel s;
    ASSERT_TRUE(arch::write_synthetic_model(dir / "llama.gguf", s).ok());
    const Status e = Encoder::load(dir / "llama.gguf").error();
    EXPECT_EQ(e.code(), StatusCode::kInvalidArgument) << e.to_string();
}

}  // namespace
}  // namespace openbook::runtime
