// Loading: what each architecture reads from the metadata, and the clear errors for files that
// disagree with it (missing or misshapen tensors, unknown tensors, unsupported types, variants
// and architectures).

#include "model/arch/architectures.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/arch/synthetic_model.h"
#include "model/gguf/gguf_writer.h"

namespace openbook::arch {
namespace {

using gguf::MetaValue;

struct Image {
    std::unique_ptr<gguf::File> file;
};

// The file image of `spec`; `extra` may add or replace what the writer holds before it is
// serialized.
Image image(const SyntheticModel& spec, const TensorHook& hook = {},
            const std::function<void(gguf::Writer&)>& extra = {}) {
    gguf::Writer writer;
    EXPECT_TRUE(add_synthetic_model(writer, spec, hook).ok());
    if (extra) extra(writer);
    auto file = gguf::File::from_bytes(writer.serialize(), "model.gguf");
    EXPECT_TRUE(file.has_value()) << file.error().to_string();
    return Image{std::make_unique<gguf::File>(std::move(*file))};
}

SyntheticModel small(const std::string& arch) {
    SyntheticModel s;
    s.architecture = arch;
    s.n_vocab = 64;
    s.n_embd = 32;
    s.n_head = 4;
    s.n_head_kv = arch == "bert" ? 4 : 2;
    s.n_ff = 64;
    s.n_layer = 2;
    return s;
}

Status causal_error(const Image& img) {
    auto m = load_causal_lm(*img.file);
    return m.has_value() ? Status::ok_status() : m.error();
}

TEST(Architectures, SupportedList) {
    std::vector<std::string> names(supported_architectures().begin(),
                                   supported_architectures().end());
    EXPECT_EQ(names, (std::vector<std::string>{"llama", "qwen2", "qwen3", "bert"}));
}

TEST(Architectures, ReadsTheHyperParameters) {
    SyntheticModel spec = small("qwen3");
    spec.head_dim = 16;  // 4 heads of 16 in a 32-wide model
    Image img = image(spec);
    auto m = load_causal_lm(*img.file);
    ASSERT_TRUE(m.has_value()) << m.error().to_string();
    const CausalLmConfig& c = (*m)->config();
    EXPECT_EQ(c.architecture, "qwen3");
    EXPECT_EQ(c.n_vocab, 64);
    EXPECT_EQ(c.n_embd, 32);
    EXPECT_EQ(c.n_layer, 2);
    EXPECT_EQ(c.n_head, 4);
    EXPECT_EQ(c.n_head_kv, 2);
    EXPECT_EQ(c.head_dim, 16);
    EXPECT_EQ(c.n_ff, 64);
    EXPECT_EQ(c.n_ctx_train, 128);
    EXPECT_EQ(c.rope.type, RopeType::kNeox);
    EXPECT_EQ(c.rope.n_rot, 16);
    EXPECT_FLOAT_EQ(c.rope.freq_base, 1e6f);
    EXPECT_FLOAT_EQ(c.norm_eps, 1e-6f);
    EXPECT_FALSE((*m)->weights().layers[0].q_norm.empty());

    Image llama = image(small("llama"));
    auto l = load_causal_lm(*llama.file);
    ASSERT_TRUE(l.has_value()) << l.error().to_string();
    EXPECT_EQ((*l)->config().rope.type, RopeType::kNorm);
    // Tied: the output projection is the embedding table.
    EXPECT_EQ((*l)->weights().output.data, (*l)->weights().token_embd.data);
}

TEST(Architectures, BertHyperParameters) {
    Image img = image(small("bert"));
    auto m = load_encoder(*img.file);
    ASSERT_TRUE(m.has_value()) << m.error().to_string();
    EXPECT_EQ((*m)->config().n_positions, 128);
    EXPECT_EQ((*m)->config().head_dim, 8);
    EXPECT_EQ((*m)->config().pooling, Pooling::kCls);
    EXPECT_FLOAT_EQ((*m)->config().norm_eps, 1e-12f);
}

TEST(Architectures, UnknownArchitectureIsUnsupported) {
    gguf::Writer writer;
    ASSERT_TRUE(writer.add("general.architecture", MetaValue::string("mamba")).ok());
    auto file = gguf::File::from_bytes(writer.serialize(), "m.gguf");
    ASSERT_TRUE(file.has_value());
    auto m = load_causal_lm(*file);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code(), StatusCode::kUnsupported);
    EXPECT_EQ(
        m.error().message(),
        "m.gguf: architecture 'mamba' is not supported (supported: llama, qwen2, qwen3, bert)");
    EXPECT_EQ(load_encoder(*file).error().code(), StatusCode::kUnsupported);
}

TEST(Architectures, MissingArchitectureKeyIsCorrupt) {
    gguf::Writer writer;
    auto file = gguf::File::from_bytes(writer.serialize(), "m.gguf");
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(load_causal_lm(*file).error().code(), StatusCode::kCorrupt);
}

TEST(Architectures, EncoderAndDecoderAreNotInterchangeable) {
    Image bert = image(small("bert"));
    EXPECT_EQ(load_causal_lm(*bert.file).error().code(), StatusCode::kInvalidArgument);
    Image llama = image(small("llama"));
    EXPECT_EQ(load_encoder(*llama.file).error().code(), StatusCode::kInvalidArgument);
}

TEST(Architectures, TensorWithTheWrongShapeIsNamed) {
    Image img = image(small("llama"), [](const std::string& name, std::vector<uint64_t>& dims) {
        if (name == "blk.1.attn_k.weight") dims = {32, 32};  // 4 KV heads' worth instead of 2
        return true;
    });
    const Status s = causal_error(img);
    EXPECT_EQ(s.code(), StatusCode::kCorrupt);
    EXPECT_EQ(s.message(),
              "model.gguf: tensor 'blk.1.attn_k.weight' has shape [32, 32], but the "
              "metadata implies [32, 16]");
}

TEST(Architectures, MissingTensorIsNamed) {
    Image img = image(small("qwen2"), [](const std::string& name, std::vector<uint64_t>&) {
        return name != "blk.0.attn_v.bias";
    });
    const Status s = causal_error(img);
    EXPECT_EQ(s.code(), StatusCode::kCorrupt);
    EXPECT_NE(s.message().find("'blk.0.attn_v.bias' is missing"), std::string::npos) << s.message();
}

TEST(Architectures, UnknownTensorIsRefused) {
    Image img = image(small("llama"), {}, [](gguf::Writer& w) {
        ASSERT_TRUE(w.add_tensor("blk.0.ffn_gate_inp.weight", {32, 8}, gguf::GgmlType::kF32,
                                 std::string(32 * 8 * 4, '\0'))
                        .ok());
    });
    const Status s = causal_error(img);
    EXPECT_EQ(s.code(), StatusCode::kUnsupported);
    EXPECT_NE(s.message().find("'blk.0.ffn_gate_inp.weight'"), std::string::npos) << s.message();
}

TEST(Architectures, UnsupportedTensorTypeIsNamed) {
    // IQ4_NL has no kernels here; a block is 32 elements in 18 bytes.
    Image img = image(
        small("llama"),
        [](const std::string& name, std::vector<uint64_t>&) {
            return name != "blk.0.ffn_up.weight";
        },
        [](gguf::Writer& w) {
            ASSERT_TRUE(w.add_tensor("blk.0.ffn_up.weight", {32, 64}, gguf::GgmlType::kIQ4_NL,
                                     std::string(64 * 18, '\0'))
                            .ok());
        });
    const Status s = causal_error(img);
    EXPECT_EQ(s.code(), StatusCode::kUnsupported);
    EXPECT_NE(s.message().find("'blk.0.ffn_up.weight' has type IQ4_NL"), std::string::npos)
        << s.message();
}

TEST(Architectures, NormWeightsMustBeF32) {
    Image img = image(
        small("llama"),
        [](const std::string& name, std::vector<uint64_t>&) {
            return name != "output_norm.weight";
        },
        [](gguf::Writer& w) {
            ASSERT_TRUE(w.add_tensor("output_norm.weight", {32}, gguf::GgmlType::kF16,
                                     std::string(64, '\0'))
                            .ok());
        });
    const Status s = causal_error(img);
    EXPECT_EQ(s.code(), StatusCode::kUnsupported);
    EXPECT_NE(s.message().find("output_norm.weight"), std::string::npos);
}

TEST(Architectures, MetadataProblemsNameTheKey) {
    const auto with = [](const std::string& key, MetaValue value) {
        return [key, value](gguf::Writer& w) { ASSERT_TRUE(w.add(key, value).ok()); };
    };
    struct Case {
        std::function<void(gguf::Writer&)> extra;
        StatusCode code;
        std::string needle;
    };
    const std::vector<Case> cases = {
        {with("llama.expert_count", MetaValue::uint32(8)), StatusCode::kUnsupported,
         "mixture-of-experts"},
        {with("llama.rope.scaling.type", MetaValue::string("yarn")), StatusCode::kUnsupported,
         "RoPE scaling 'yarn'"},
        {with("llama.vocab_size", MetaValue::uint32(65)), StatusCode::kCorrupt, "vocab_size"},
    };
    for (const Case& c : cases) {
        const Status s = causal_error(image(small("llama"), {}, c.extra));
        EXPECT_EQ(s.code(), c.code) << s.to_string();
        EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
    }
}

TEST(Architectures, MissingOrBadCountsAreCorrupt) {
    // A file whose block_count is absent, and one whose head counts do not divide.
    gguf::Writer a;
    ASSERT_TRUE(a.add("general.architecture", MetaValue::string("qwen2")).ok());
    ASSERT_TRUE(a.add("qwen2.context_length", MetaValue::uint32(64)).ok());
    ASSERT_TRUE(a.add("qwen2.embedding_length", MetaValue::uint32(32)).ok());
    auto fa = gguf::File::from_bytes(a.serialize(), "a.gguf");
    ASSERT_TRUE(fa.has_value());
    const Status sa = load_causal_lm(*fa).error();
    EXPECT_EQ(sa.code(), StatusCode::kCorrupt);
    EXPECT_EQ(sa.message(), "a.gguf: metadata key 'qwen2.block_count' is missing");

    SyntheticModel spec = small("qwen2");
    spec.n_head_kv = 3;  // 4 heads cannot share 3 KV heads
    const Status sb = causal_error(image(spec));
    EXPECT_EQ(sb.code(), StatusCode::kCorrupt);
    EXPECT_NE(sb.message().find("not a multiple"), std::string::npos) << sb.message();
}

}  // namespace
}  // namespace openbook::arch
