#include "model/runtime/decoder.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/arch/causal_lm.h"
#include "model/arch/synthetic_model.h"
#include "support/test_support.h"

namespace openbook::runtime {
namespace {

using openbook::testing::TempDir;
using tokenizer::TokenId;

arch::SyntheticModel small(const std::string& arch = "qwen2") {
    arch::SyntheticModel s;
    s.architecture = arch;
    s.n_vocab = 80;
    s.n_embd = 64;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.n_ff = 96;
    s.n_ctx = 64;
    return s;
}

std::filesystem::path write(const TempDir& dir, const arch::SyntheticModel& spec,
                            const std::string& name = "model.gguf") {
    const auto path = dir / name;
    EXPECT_TRUE(arch::write_synthetic_model(path, spec).ok());
    return path;
}

std::unique_ptr<Decoder> load(const std::filesystem::path& path, DecoderOptions options = {}) {
    auto d = Decoder::load(path, options);
    EXPECT_TRUE(d.has_value()) << d.error().to_string();
    return d.has_value() ? std::move(*d) : nullptr;
}

std::vector<TokenId> tokens(int n, int vocab = 80) {
    std::vector<TokenId> t;
    for (int i = 0; i < n; ++i) t.push_back(static_cast<TokenId>((i * 29 + 7) % vocab));
    return t;
}

TEST(Decoder, DescribesTheModel) {
    TempDir dir;
    auto d = load(write(dir, small()));
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->architecture(), "qwen2");
    EXPECT_EQ(d->vocab_size(), 80);
    EXPECT_EQ(d->context_length(), 64);  // min(context_length, 4096)
    EXPECT_EQ(d->training_context_length(), 64);
    EXPECT_EQ(d->config().n_layer, 2);
    EXPECT_GE(d->threads(), 1);
    EXPECT_EQ(d->tokenizer().vocab().size(), 80u);
    EXPECT_TRUE(d->cached_tokens().empty());
    // F16 cache: 2 layers × K and V × 2 KV heads × 16 dims × 64 positions × 2 bytes.
    EXPECT_EQ(d->kv_cache_bytes(), 2u * 2 * 2 * 16 * 64 * 2);
}

TEST(Decoder, EvalKeepsTrackOfTheCachedTokens) {
    TempDir dir;
    auto d = load(write(dir, small()));
    ASSERT_NE(d, nullptr);
    std::vector<float> last;
    const auto t = tokens(10);
    ASSERT_TRUE(d->eval(std::span(t).first(6), &last).ok());
    ASSERT_TRUE(d->eval(std::span(t).subspan(6), &last).ok());
    EXPECT_EQ(std::vector<TokenId>(d->cached_tokens().begin(), d->cached_tokens().end()), t);
    EXPECT_EQ(last.size(), 80u);
    d->truncate(4);
    EXPECT_EQ(d->cached_tokens().size(), 4u);
    d->truncate(100);  // beyond the cache: nothing changes
    EXPECT_EQ(d->cached_tokens().size(), 4u);
}

TEST(Decoder, PrefixReuseGivesTheSameLogitsAsAFreshRun) {
    TempDir dir;
    const auto path = write(dir, small());
    for (KvType kv : {KvType::kF32, KvType::kF16}) {
        DecoderOptions o;
        o.kv_type = kv;
        auto d = load(path, o);
        ASSERT_NE(d, nullptr);
        const auto t = tokens(20);
        std::vector<float> fresh, reused, all;
        ASSERT_TRUE(d->eval(t, &fresh, &all).ok());
        // Keep 12 positions, evaluate a different continuation, then the original again.
        d->truncate(12);
        const std::vector<TokenId> other = {1, 2, 3};
        ASSERT_TRUE(d->eval(other, &reused).ok());
        d->truncate(12);
        ASSERT_TRUE(d->eval(std::span(t).subspan(12), &reused).ok());
        EXPECT_EQ(reused, fresh);
        // The last row of all_logits is last_logits.
        EXPECT_TRUE(std::equal(all.end() - 80, all.end(), fresh.begin()));
        EXPECT_EQ(all.size(), 20u * 80);
    }
}

TEST(Decoder, BatchSizeAndThreadsDoNotChangeTheLogits) {
    TempDir dir;
    const auto path = write(dir, small("llama"));
    const auto t = tokens(30);
    std::vector<float> reference;
    for (int64_t batch : {512, 1, 7}) {
        for (int threads : {1, 2}) {
            DecoderOptions o;
            o.batch = batch;
            o.threads = threads;
            auto d = load(path, o);
            ASSERT_NE(d, nullptr);
            EXPECT_EQ(d->threads(), threads);
            std::vector<float> all;
            ASSERT_TRUE(d->eval(t, nullptr, &all).ok());
            if (reference.empty()) reference = all;
            EXPECT_EQ(all, reference) << "batch " << batch << " threads " << threads;
        }
    }
}

TEST(Decoder, FillingTheCacheWithoutLogits) {
    TempDir dir;
    auto d = load(write(dir, small()));
    ASSERT_NE(d, nullptr);
    const auto t = tokens(12);
    std::vector<float> full, split;
    ASSERT_TRUE(d->eval(t, &full).ok());
    d->truncate(0);
    ASSERT_TRUE(d->eval(std::span(t).first(11), nullptr).ok());
    ASSERT_TRUE(d->eval(std::span(t).subspan(11), &split).ok());
    EXPECT_EQ(split, full);
}

TEST(Decoder, F16CacheStaysCloseToF32) {
    TempDir dir;
    const auto path = write(dir, small("qwen3"));
    std::vector<float> a, b;
    DecoderOptions o;
    o.kv_type = KvType::kF32;
    ASSERT_TRUE(load(path, o)->eval(tokens(16), &a).ok());
    o.kv_type = KvType::kF16;
    ASSERT_TRUE(load(path, o)->eval(tokens(16), &b).ok());
    double worst = 0, norm = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
        norm = std::max(norm, static_cast<double>(std::fabs(a[i])));
    }
    EXPECT_GT(worst, 0.0);  // the cache really is half precision
    EXPECT_LT(worst, 1e-2 * norm);
}

TEST(Decoder, EvalPastTheContextFailsAndChangesNothing) {
    TempDir dir;
    DecoderOptions o;
    o.context = 16;
    auto d = load(write(dir, small()), o);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->context_length(), 16);
    std::vector<float> before, after;
    ASSERT_TRUE(d->eval(tokens(10), &before).ok());
    const Status s = d->eval(tokens(7), &after);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "eval: 10 cached + 7 new tokens exceed the context of 16 tokens");
    EXPECT_EQ(d->cached_tokens().size(), 10u);
    // Exactly full is fine.
    ASSERT_TRUE(d->eval(tokens(6), &after).ok());
    EXPECT_EQ(d->cached_tokens().size(), 16u);
    const TokenId one = 3;
    EXPECT_EQ(d->eval(std::span(&one, 1), &after).code(), StatusCode::kInvalidArgument);
}

TEST(Decoder, BadTokensAreRejectedBeforeAnythingRuns) {
    TempDir dir;
    auto d = load(write(dir, small()));
    ASSERT_NE(d, nullptr);
    std::vector<float> logits;
    const std::vector<TokenId> bad = {1, 2, 80};
    const Status s = d->eval(bad, &logits);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "eval: token id 80 at index 2 is outside the vocabulary (0..79)");
    const std::vector<TokenId> negative = {-1};
    EXPECT_EQ(d->eval(negative, &logits).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d->eval({}, &logits).code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(d->cached_tokens().empty());
}

TEST(Decoder, BadOptions) {
    TempDir dir;
    const auto path = write(dir, small());
    DecoderOptions o;
    o.batch = 0;
    EXPECT_EQ(Decoder::load(path, o).error().code(), StatusCode::kInvalidArgument);
    o = {};
    o.context = -5;
    EXPECT_EQ(Decoder::load(path, o).error().code(), StatusCode::kInvalidArgument);
    o = {};
    o.threads = -1;
    EXPECT_EQ(Decoder::load(path, o).error().code(), StatusCode::kInvalidArgument);
    o = {};
    o.context = 1000;  // beyond the training context: allowed, as llama.cpp allows it
    auto d = load(path, o);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->context_length(), 1000);
}

TEST(Decoder, FileProblemsAreClearErrors) {
    TempDir dir;
    const auto path = write(dir, small());
    EXPECT_EQ(Decoder::load(dir / "missing.gguf", {}).error().code(), StatusCode::kNotFound);

    // Truncated: the tensor data ends early.
    const std::string bytes = openbook::testing::read_file(path);
    openbook::testing::write_file(dir / "truncated.gguf", bytes.substr(0, bytes.size() / 2));
    const Status t = Decoder::load(dir / "truncated.gguf", {}).error();
    EXPECT_EQ(t.code(), StatusCode::kCorrupt) << t.to_string();

    // A bert file is an encoder.
    arch::SyntheticModel bert = small("bert");
    bert.n_head_kv = 4;
    const Status e = Decoder::load(write(dir, bert, "bert.gguf"), {}).error();
    EXPECT_EQ(e.code(), StatusCode::kInvalidArgument) << e.to_string();
}

TEST(Decoder, QuantizedWeightsRun) {
    TempDir dir;
    arch::SyntheticModel spec = small("llama");
    spec.n_embd = 256;
    spec.n_ff = 256;
    spec.n_head = 4;
    for (gguf::GgmlType type :
         {gguf::GgmlType::kQ8_0, gguf::GgmlType::kQ4_K, gguf::GgmlType::kF16}) {
        spec.weight_type = type;
        auto d = load(write(dir, spec, "q.gguf"));
        ASSERT_NE(d, nullptr);
        std::vector<float> logits;
        ASSERT_TRUE(d->eval(tokens(5), &logits).ok());
        for (float v : logits) ASSERT_TRUE(std::isfinite(v));
    }
}

}  // namespace
}  // namespace openbook::runtime
