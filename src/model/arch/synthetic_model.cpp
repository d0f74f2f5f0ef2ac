#include "model/arch/synthetic_model.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/kernels/kernels.h"

namespace openbook::arch {
namespace {

using gguf::GgmlType;
using gguf::MetaValue;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct TensorSpec {
    std::string name;
    std::vector<uint64_t> dims;
};

std::vector<TensorSpec> tensor_list(const SyntheticModel& s) {
    const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
    const int64_t hd = s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head;
    const int64_t q = s.n_head * hd, kv = s.n_head_kv * hd;
    std::vector<TensorSpec> t;
    const auto blk = [](int64_t il, const char* what) {
        return "blk." + std::to_string(il) + "." + what;
    };
    if (s.architecture == "bert") {
        t.push_back({"token_embd.weight", {u(s.n_embd), u(s.n_vocab)}});
        t.push_back({"token_types.weight", {u(s.n_embd), 2}});
        t.push_back({"position_embd.weight", {u(s.n_embd), u(s.n_ctx)}});
        t.push_back({"token_embd_norm.weight", {u(s.n_embd)}});
        t.push_back({"token_embd_norm.bias", {u(s.n_embd)}});
        for (int64_t il = 0; il < s.n_layer; ++il) {
            t.push_back({blk(il, "attn_q.weight"), {u(s.n_embd), u(s.n_embd)}});
            t.push_back({blk(il, "attn_q.bias"), {u(s.n_embd)}});
            t.push_back({blk(il, "attn_k.weight"), {u(s.n_embd), u(kv)}});
            t.push_back({blk(il, "attn_k.bias"), {u(kv)}});
            t.push_back({blk(il, "attn_v.weight"), {u(s.n_embd), u(kv)}});
            t.push_back({blk(il, "attn_v.bias"), {u(kv)}});
            t.push_back({blk(il, "attn_output.weight"), {u(s.n_embd), u(s.n_embd)}});
            t.push_back({blk(il, "attn_output.bias"), {u(s.n_embd)}});
            t.push_back({blk(il, "attn_output_norm.weight"), {u(s.n_embd)}});
            t.push_back({blk(il, "attn_output_norm.bias"), {u(s.n_embd)}});
            t.push_back({blk(il, "ffn_up.weight"), {u(s.n_embd), u(s.n_ff)}});
            t.push_back({blk(il, "ffn_up.bias"), {u(s.n_ff)}});
            t.push_back({blk(il, "ffn_down.weight"), {u(s.n_ff), u(s.n_embd)}});
            t.push_back({blk(il, "ffn_down.bias"), {u(s.n_embd)}});
            t.push_back({blk(il, "layer_output_norm.weight"), {u(s.n_embd)}});
            t.push_back({blk(il, "layer_output_norm.bias"), {u(s.n_embd)}});
        }
        return t;
    }
    t.push_back({"token_embd.weight", {u(s.n_embd), u(s.n_vocab)}});
    t.push_back({"output_norm.weight", {u(s.n_embd)}});
    if (!s.tied) t.push_back({"output.weight", {u(s.n_embd), u(s.n_vocab)}});
    if (s.rope_freqs) t.push_back({"rope_freqs.weight", {u(hd / 2)}});
    for (int64_t il = 0; il < s.n_layer; ++il) {
        t.push_back({blk(il, "attn_norm.weight"), {u(s.n_embd)}});
        t.push_back({blk(il, "attn_q.weight"), {u(s.n_embd), u(q)}});
        t.push_back({blk(il, "attn_k.weight"), {u(s.n_embd), u(kv)}});
        t.push_back({blk(il, "attn_v.weight"), {u(s.n_embd), u(kv)}});
        if (s.architecture == "qwen2") {
            t.push_back({blk(il, "attn_q.bias"), {u(q)}});
            t.push_back({blk(il, "attn_k.bias"), {u(kv)}});
            t.push_back({blk(il, "attn_v.bias"), {u(kv)}});
        }
        if (s.architecture == "qwen3") {
            t.push_back({blk(il, "attn_q_norm.weight"), {u(hd)}});
            t.push_back({blk(il, "attn_k_norm.weight"), {u(hd)}});
        }
        t.push_back({blk(il, "attn_output.weight"), {u(q), u(s.n_embd)}});
        t.push_back({blk(il, "ffn_norm.weight"), {u(s.n_embd)}});
        t.push_back({blk(il, "ffn_gate.weight"), {u(s.n_embd), u(s.n_ff)}});
        t.push_back({blk(il, "ffn_up.weight"), {u(s.n_embd), u(s.n_ff)}});
        t.push_back({blk(il, "ffn_down.weight"), {u(s.n_ff), u(s.n_embd)}});
    }
    return t;
}

Status add_metadata(gguf::Writer& w, const SyntheticModel& s) {
    const std::string a = s.architecture;
    const auto count = [&](const std::string& key, int64_t v) {
        return w.add(a + "." + key, MetaValue::uint32(static_cast<uint32_t>(v)));
    };
    OPENBOOK_RETURN_IF_ERROR(w.add("general.architecture", MetaValue::string(a)));
    OPENBOOK_RETURN_IF_ERROR(w.add("general.name", MetaValue::string("synthetic-" + a)));
    OPENBOOK_RETURN_IF_ERROR(count("context_length", s.n_ctx));
    OPENBOOK_RETURN_IF_ERROR(count("embedding_length", s.n_embd));
    OPENBOOK_RETURN_IF_ERROR(count("block_count", s.n_layer));
    OPENBOOK_RETURN_IF_ERROR(count("feed_forward_length", s.n_ff));
    OPENBOOK_RETURN_IF_ERROR(count("attention.head_count", s.n_head));
    OPENBOOK_RETURN_IF_ERROR(count("attention.head_count_kv", s.n_head_kv));

    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    if (a == "bert") {
        OPENBOOK_RETURN_IF_ERROR(
            w.add(a + ".attention.layer_norm_epsilon", MetaValue::float32(1e-12f)));
        OPENBOOK_RETURN_IF_ERROR(w.add(a + ".attention.causal", MetaValue::boolean(false)));
        OPENBOOK_RETURN_IF_ERROR(count("pooling_type", 2));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.model", MetaValue::string("bert")));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.token_type_count", MetaValue::uint32(2)));
        tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
        types = {3, 2, 3, 3, 3};
    } else {
        const int64_t hd = s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head;
        if (hd != s.n_embd / s.n_head) {
            OPENBOOK_RETURN_IF_ERROR(count("attention.key_length", hd));
            OPENBOOK_RETURN_IF_ERROR(count("attention.value_length", hd));
        }
        OPENBOOK_RETURN_IF_ERROR(count("rope.dimension_count", hd));
        OPENBOOK_RETURN_IF_ERROR(
            w.add(a + ".rope.freq_base", MetaValue::float32(a == "llama" ? 10000.0f : 1000000.0f)));
        OPENBOOK_RETURN_IF_ERROR(w.add(a + ".attention.layer_norm_rms_epsilon",
                                       MetaValue::float32(a == "llama" ? 1e-5f : 1e-6f)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.model", MetaValue::string("llama")));
        tokens = {"<unk>", "<s>", "</s>"};
        types = {2, 3, 3};
    }
    for (int64_t i = static_cast<int64_t>(tokens.size()); i < s.n_vocab; ++i) {
        tokens.push_back((a == "bert" ? "w" : "\xE2\x96\x81t") + std::to_string(i));
        types.push_back(1);
    }
    scores.assign(tokens.size(), 0.0f);
    for (size_t i = 0; i < scores.size(); ++i) scores[i] = -static_cast<float>(i);
    OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.tokens", MetaValue::strings(tokens)));
    OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.scores", MetaValue::numbers(scores)));
    OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.token_type", MetaValue::numbers(types)));
    if (a == "bert") {
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.unknown_token_id", MetaValue::uint32(1)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.bos_token_id", MetaValue::uint32(2)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.seperator_token_id", MetaValue::uint32(3)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.padding_token_id", MetaValue::uint32(0)));
    }
    return Status::ok_status();
}

}  // namespace

Status add_synthetic_model(gguf::Writer& writer, const SyntheticModel& spec,
                           const TensorHook& hook) {
    OPENBOOK_RETURN_IF_ERROR(add_metadata(writer, spec));
    std::mt19937_64 rng(spec.seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (TensorSpec& t : tensor_list(spec)) {
        if (hook && !hook(t.name, t.dims)) continue;
        uint64_t n = 1;
        for (uint64_t d : t.dims) n *= d;
        std::vector<float> values(static_cast<size_t>(n));
        const bool embedding = t.name == "token_embd.weight" || t.name == "output.weight" ||
                               t.name == "position_embd.weight" || t.name == "token_types.weight";
        if (t.name == "rope_freqs.weight") {
            for (size_t i = 0; i < values.size(); ++i)
                values[i] = 1.0f + 0.5f * static_cast<float>(i);
        } else if (ends_with(t.name, "norm.weight")) {
            for (float& v : values) v = 1.0f + 0.1f * normal(rng);
        } else if (ends_with(t.name, ".bias")) {
            for (float& v : values) v = 0.1f * normal(rng);
        } else {
            const float scale = embedding ? (spec.architecture == "bert" ? 0.1f : 0.5f)
                                          : 1.0f / std::sqrt(static_cast<float>(t.dims[0]));
            for (float& v : values) v = scale * normal(rng);
        }
        // 1-D tensors and bert's position/type tables stay F32, as llama-quantize leaves them.
        GgmlType type = spec.weight_type;
        if (t.dims.size() < 2 || t.name == "position_embd.weight" ||
            t.name == "token_types.weight") {
            type = GgmlType::kF32;
        }
        const kernels::TypeOps* ops = kernels::ops(type);
        if (ops == nullptr) {
            return Status::unsupported("synthetic model: no kernels for " +
                                       gguf::ggml_type_name(static_cast<uint32_t>(type)));
        }
        const auto traits = gguf::ggml_type_traits(static_cast<uint32_t>(type));
        if (t.dims.empty() || t.dims[0] == 0 || t.dims[0] % traits->block_elements != 0) {
            return Status::invalid_argument("synthetic model: tensor '" + t.name +
                                            "' cannot be stored as " + std::string(traits->name));
        }
        const uint64_t rows = n / t.dims[0];
        const size_t row_bytes = kernels::row_bytes(type, static_cast<int64_t>(t.dims[0]));
        std::string bytes(static_cast<size_t>(rows) * row_bytes, '\0');
        for (uint64_t r = 0; r < rows; ++r) {
            ops->from_float(values.data() + r * t.dims[0], bytes.data() + r * row_bytes,
                            static_cast<int64_t>(t.dims[0]));
        }
        OPENBOOK_RETURN_IF_ERROR(writer.add_tensor(t.name, t.dims, type, bytes));
    }
    return Status::ok_status();
}

Status write_synthetic_model(const std::filesystem::path& path, const SyntheticModel& spec,
                             const TensorHook& hook) {
    gguf::Writer writer;
    OPENBOOK_RETURN_IF_ERROR(add_synthetic_model(writer, spec, hook));
    return writer.write(path);
}

}  // namespace openbook::arch
