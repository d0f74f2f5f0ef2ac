#include "model/arch/decoder_loading.h"

#include <string>

#include "model/arch/metadata.h"
#include "model/arch/weights.h"

namespace openbook::arch {
namespace {

std::string layer_name(int64_t il, const char* what) {
    return "blk." + std::to_string(il) + "." + what;
}

Result<std::span<const float>> vector_by_rule(TensorLoader& t, const std::string& name, int64_t n,
                                              Presence presence) {
    switch (presence) {
        case Presence::kAbsent: return std::span<const float>();
        case Presence::kOptional: return t.optional_vector(name, n);
        case Presence::kRequired: return t.vector(name, n);
    }
    return std::span<const float>();
}

}  // namespace

Result<CausalLmConfig> read_decoder_hparams(const gguf::File& file, const std::string& arch,
                                            RopeType rope_type) {
    const Metadata m(file, arch);
    CausalLmConfig c;
    c.architecture = arch;
    OPENBOOK_ASSIGN_OR_RETURN(c.n_ctx_train, m.count("context_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_embd, m.count("embedding_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_layer, m.count("block_count"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_ff, m.count("feed_forward_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_head, m.count("attention.head_count"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_head_kv, m.count_or("attention.head_count_kv", c.n_head));
    if (c.n_head % c.n_head_kv != 0) {
        return Status::corrupt(file.name() + ": " + m.key("attention.head_count") + " = " +
                               std::to_string(c.n_head) + " is not a multiple of " +
                               m.key("attention.head_count_kv") + " = " +
                               std::to_string(c.n_head_kv));
    }
    const int64_t default_head_dim = c.n_embd / c.n_head;
    OPENBOOK_ASSIGN_OR_RETURN(const int64_t key_length,
                              m.count_or("attention.key_length", default_head_dim));
    OPENBOOK_ASSIGN_OR_RETURN(const int64_t value_length,
                              m.count_or("attention.value_length", default_head_dim));
    if (key_length != value_length || key_length < 1) {
        return Status::unsupported(file.name() + ": key length " + std::to_string(key_length) +
                                   " and value length " + std::to_string(value_length) +
                                   " differ; openbook needs equal head sizes");
    }
    c.head_dim = key_length;

    if (const gguf::Value* experts = file.find(m.key("expert_count"));
        experts != nullptr && experts->as_uint().value_or(1) != 0) {
        return Status::unsupported(file.name() + ": mixture-of-experts models (" +
                                   m.key("expert_count") + " > 0) are not supported");
    }

    c.rope.type = rope_type;
    OPENBOOK_ASSIGN_OR_RETURN(c.rope.n_rot, m.count_or("rope.dimension_count", c.head_dim));
    if (c.rope.n_rot % 2 != 0 || c.rope.n_rot > c.head_dim) {
        return Status::corrupt(file.name() + ": " + m.key("rope.dimension_count") + " = " +
                               std::to_string(c.rope.n_rot) +
                               " must be even and at most the head size " +
                               std::to_string(c.head_dim));
    }
    OPENBOOK_ASSIGN_OR_RETURN(c.rope.freq_base, m.real("rope.freq_base", 10000.0f));
    if (!(c.rope.freq_base > 0.0f)) {
        return Status::corrupt(file.name() + ": " + m.key("rope.freq_base") + " must be positive");
    }
    const std::string scaling(m.string(m.key("rope.scaling.type")).value_or("linear"));
    if (scaling != "none" && scaling != "linear") {
        return Status::unsupported(file.name() + ": RoPE scaling '" + scaling +
                                   "' is not supported (supported: none, linear)");
    }
    OPENBOOK_ASSIGN_OR_RETURN(float factor, m.real("rope.scaling.factor", 0.0f));
    if (factor == 0.0f) {  // the older key, as llama.cpp reads it
        OPENBOOK_ASSIGN_OR_RETURN(factor, m.real("rope.scale_linear", 0.0f));
    }
    if (factor < 0.0f) {
        return Status::corrupt(file.name() + ": negative RoPE scaling factor");
    }
    c.rope.freq_scale = (scaling == "none" || factor == 0.0f) ? 1.0f : 1.0f / factor;

    OPENBOOK_ASSIGN_OR_RETURN(c.norm_eps, m.real("attention.layer_norm_rms_epsilon"));
    if (!(c.norm_eps >= 0.0f)) {
        return Status::corrupt(file.name() + ": " + m.key("attention.layer_norm_rms_epsilon") +
                               " must not be negative");
    }
    return c;
}

Result<CausalLmWeights> load_decoder_tensors(const gguf::File& file, CausalLmConfig& c,
                                             const DecoderTensorRules& rules) {
    TensorLoader t(file, c.architecture);
    CausalLmWeights w;

    // The vocabulary size is the embedding table's; vocab_size, when given, must agree.
    c.n_vocab = t.rows_of("token_embd.weight");
    if (c.n_vocab < 1) {
        return Status::corrupt(file.name() + ": tensor 'token_embd.weight' is missing or not 2-D");
    }
    const Metadata m(file, c.architecture);
    OPENBOOK_ASSIGN_OR_RETURN(const int64_t declared, m.count_or("vocab_size", c.n_vocab));
    if (declared != c.n_vocab) {
        return Status::corrupt(file.name() + ": " + m.key("vocab_size") + " = " +
                               std::to_string(declared) + " but token_embd.weight has " +
                               std::to_string(c.n_vocab) + " rows");
    }

    const bool tied = !t.has("output.weight");
    OPENBOOK_ASSIGN_OR_RETURN(w.token_embd,
                              t.table("token_embd.weight", c.n_embd, c.n_vocab, tied));
    OPENBOOK_ASSIGN_OR_RETURN(w.output_norm, t.vector("output_norm.weight", c.n_embd));
    if (tied) {
        w.output = w.token_embd;
    } else {
        OPENBOOK_ASSIGN_OR_RETURN(w.output, t.matrix("output.weight", c.n_embd, c.n_vocab));
    }
    if (rules.rope_freqs) {
        OPENBOOK_ASSIGN_OR_RETURN(const auto freqs,
                                  t.optional_vector("rope_freqs.weight", c.rope.n_rot / 2));
        c.rope.freq_factors = freqs.empty() ? nullptr : freqs.data();
    }

    const int64_t q_width = c.n_head * c.head_dim;
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    for (int64_t il = 0; il < c.n_layer; ++il) {
        CausalLmLayer L;
        const auto name = [&](const char* what) { return layer_name(il, what); };
        OPENBOOK_ASSIGN_OR_RETURN(L.attn_norm, t.vector(name("attn_norm.weight"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.wq, t.matrix(name("attn_q.weight"), c.n_embd, q_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.wk, t.matrix(name("attn_k.weight"), c.n_embd, kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.wv, t.matrix(name("attn_v.weight"), c.n_embd, kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.wo, t.matrix(name("attn_output.weight"), q_width, c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.bq,
                                  vector_by_rule(t, name("attn_q.bias"), q_width, rules.qkv_bias));
        OPENBOOK_ASSIGN_OR_RETURN(L.bk,
                                  vector_by_rule(t, name("attn_k.bias"), kv_width, rules.qkv_bias));
        OPENBOOK_ASSIGN_OR_RETURN(L.bv,
                                  vector_by_rule(t, name("attn_v.bias"), kv_width, rules.qkv_bias));
        OPENBOOK_ASSIGN_OR_RETURN(
            L.bo, vector_by_rule(t, name("attn_output.bias"), c.n_embd, rules.out_bias));
        OPENBOOK_ASSIGN_OR_RETURN(
            L.q_norm, vector_by_rule(t, name("attn_q_norm.weight"), c.head_dim, rules.qk_norm));
        OPENBOOK_ASSIGN_OR_RETURN(
            L.k_norm, vector_by_rule(t, name("attn_k_norm.weight"), c.head_dim, rules.qk_norm));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_norm, t.vector(name("ffn_norm.weight"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_gate, t.matrix(name("ffn_gate.weight"), c.n_embd, c.n_ff));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_up, t.matrix(name("ffn_up.weight"), c.n_embd, c.n_ff));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_down, t.matrix(name("ffn_down.weight"), c.n_ff, c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_gate_b,
                                  vector_by_rule(t, name("ffn_gate.bias"), c.n_ff, rules.ffn_bias));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_up_b,
                                  vector_by_rule(t, name("ffn_up.bias"), c.n_ff, rules.ffn_bias));
        OPENBOOK_ASSIGN_OR_RETURN(
            L.ffn_down_b, vector_by_rule(t, name("ffn_down.bias"), c.n_embd, rules.ffn_bias));
        // A half-present pair of per-head norms would be computed wrong either way.
        if (L.q_norm.empty() != L.k_norm.empty()) {
            return Status::corrupt(file.name() + ": layer " + std::to_string(il) +
                                   " has only one of attn_q_norm / attn_k_norm");
        }
        w.layers.push_back(std::move(L));
    }
    OPENBOOK_RETURN_IF_ERROR(t.check_all_used());
    return w;
}

}  // namespace openbook::arch
