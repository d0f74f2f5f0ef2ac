// Architecture "bert" (BERT-style sentence encoders: bge, MiniLM, e5 in their BERT form):
// llama.cpp's build_bert for LLM_ARCH_BERT.
//
//   x0 = LayerNorm(tok_embd[t] + token_types[0] + position_embd[pos])      (token_embd_norm)
//   per layer (post-norm):
//     h  = LayerNorm(x + Wo · attention(Wq x + bq, Wk x + bk, Wv x + bv) + bo)  (attn_output_norm)
//     x' = LayerNorm(h + W_down · gelu(W_up h + b_up) + b_down)                 (layer_output_norm)
//
// Attention is bidirectional (bert.attention.causal must be false) over the whole input; every
// input gets token type 0, as in llama.cpp. GELU is the tanh approximation through ggml's fp16
// table (ops.h). The result is one hidden state per token; pooling (CLS, mean) is the caller's.
//
// Thread-safety: a BertModel is immutable; a BertWorkspace belongs to one forward at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/arch/attention.h"
#include "model/arch/matmul.h"
#include "model/arch/weights.h"
#include "model/gguf/gguf_file.h"
#include "model/tokenizer/vocab.h"
#include "openbook/status.h"

namespace openbook::arch {

// llama.cpp's pooling types (bert.pooling_type).
enum class Pooling { kNone = 0, kMean = 1, kCls = 2, kLast = 3, kRank = 4 };

struct BertConfig {
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;
    int64_t n_ff = 0;
    int64_t n_positions = 0;  // bert.context_length: rows of position_embd
    float norm_eps = 1e-12f;
    Pooling pooling = Pooling::kNone;
};

struct BertLayer {
    Weight wq, wk, wv, wo;
    std::span<const float> bq, bk, bv, bo;
    std::span<const float> attn_out_norm, attn_out_norm_b;
    Weight ffn_up, ffn_down;
    std::span<const float> ffn_up_b, ffn_down_b;
    std::span<const float> out_norm, out_norm_b;
};

struct BertWeights {
    Weight token_embd, token_types, position_embd;
    std::span<const float> embd_norm, embd_norm_b;
    std::vector<BertLayer> layers;
};

struct BertWorkspace {
    int64_t max_tokens = 0;
    std::vector<float> type_row, x, h, q, k, v, attn, up, k_cache, v_cache;
    ActivationScratch activations;
    AttentionScratch attention;
};

class BertModel {
public:
    BertModel(BertConfig config, BertWeights weights);

    const BertConfig& config() const { return config_; }

    std::unique_ptr<BertWorkspace> make_workspace(int64_t max_tokens, int threads) const;

    // Hidden states of the last layer for tokens (1 <= size <= min(max_tokens, n_positions),
    // ids < n_vocab), one row of n_embd floats per token, into `states`.
    void forward(std::span<const tokenizer::TokenId> tokens, BertWorkspace& ws,
                 core::ThreadPool& pool, float* states) const;

private:
    BertConfig config_;
    BertWeights weights_;
    AttentionShape shape_;
};

Result<std::unique_ptr<BertModel>> load_bert(const gguf::File& file);

}  // namespace openbook::arch
