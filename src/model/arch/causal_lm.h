// The decoder-only transformer shared by llama, qwen2 and qwen3 (llama.cpp's build_llama,
// build_qwen2 and build_qwen3 graphs): per layer
//
//   h = x + Wo · attention(rope(norm_q(Wq·n + bq)), rope(norm_k(Wk·n + bk)), Wv·n + bv) + bo,
//       n = rms_norm(x) · attn_norm
//   x' = h + W_down · (silu(W_gate · m) * (W_up · m)),   m = rms_norm(h) · ffn_norm
//
// then logits = W_out · (rms_norm(x) · output_norm), where W_out is token_embd when the model
// ties its embeddings. Biases and the per-head Q/K norms (qwen3) are optional; which ones a
// model has is decided by its architecture file (llama.cpp, qwen2.cpp, qwen3.cpp), which also
// reads the hyper-parameters and checks the tensors. The layer math is the same for all three,
// so it lives here once.
//
// A forward pass takes a batch of consecutive tokens: every matrix is applied to all of them at
// once (matrix × matrix), K and V go into the caller's cache, and only the last n_out tokens are
// carried through the last layer's attention output and feed-forward and get logits (the
// others only feed the cache), as llama.cpp does for the tokens whose logits nobody asked for.
//
// Thread-safety: a CausalLm is immutable and may serve several workspaces/caches at once; a
// workspace and a cache belong to one forward pass at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/arch/attention.h"
#include "model/arch/matmul.h"
#include "model/arch/ops.h"
#include "model/arch/weights.h"
#include "model/tokenizer/vocab.h"

namespace openbook::arch {

struct CausalLmConfig {
    std::string architecture;  // "llama", "qwen2", "qwen3"
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;  // of queries, keys and values
    int64_t n_ff = 0;
    int64_t n_ctx_train = 0;
    float norm_eps = 1e-5f;  // RMS norm epsilon
    RopeParams rope;
};

struct CausalLmLayer {
    std::span<const float> attn_norm;
    Weight wq, wk, wv, wo;
    std::span<const float> bq, bk, bv, bo;  // empty when absent
    std::span<const float> q_norm, k_norm;  // per-head RMS norm weights (qwen3), or empty
    std::span<const float> ffn_norm;
    Weight ffn_gate, ffn_up, ffn_down;
    std::span<const float> ffn_gate_b, ffn_up_b, ffn_down_b;  // empty when absent
};

struct CausalLmWeights {
    Weight token_embd;
    std::span<const float> output_norm;
    Weight output;  // token_embd itself when tied
    std::vector<CausalLmLayer> layers;
};

// Buffers of one context, sized once for its largest batch and its cache capacity.
struct CausalLmWorkspace {
    int64_t max_batch = 0;
    int64_t max_context = 0;
    std::vector<float> x, xn, q, k, v, attn, gate, up, angles;
    ActivationScratch activations;
    AttentionScratch attention;
};

class CausalLm {
public:
    CausalLm(CausalLmConfig config, CausalLmWeights weights);

    const CausalLmConfig& config() const { return config_; }
    const CausalLmWeights& weights() const { return weights_; }

    // Workspace for batches of up to max_batch tokens, a cache of max_context positions and a
    // pool of `threads` threads.
    std::unique_ptr<CausalLmWorkspace> make_workspace(int64_t max_batch, int64_t max_context,
                                                      int threads) const;

    // Runs tokens (1 <= size <= max_batch, ids < n_vocab) at positions pos0, pos0 + 1, ...
    // whose K/V rows go to kv (one KvLayer per layer, capacity >= pos0 + size; positions below
    // pos0 already filled). Writes n_out × n_vocab logits, for the last n_out tokens
    // (0 <= n_out <= size; 0 only fills the cache), to `logits`.
    void forward(std::span<const tokenizer::TokenId> tokens, int64_t pos0, int64_t n_out,
                 std::span<const KvLayer> kv, CausalLmWorkspace& ws, core::ThreadPool& pool,
                 float* logits) const;

private:
    CausalLmConfig config_;
    CausalLmWeights weights_;
    AttentionShape shape_;
};

}  // namespace openbook::arch
