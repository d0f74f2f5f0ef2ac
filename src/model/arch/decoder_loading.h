// What the llama-family architecture files (llama.cpp, qwen2.cpp, qwen3.cpp) share when they
// load a model: the hyper-parameters every one of them reads the same way, and the tensor list,
// whose optional parts each architecture states in DecoderTensorRules.
//
// Hyper-parameters (keys under "<arch>."), with llama.cpp's defaults:
//   context_length, embedding_length, block_count, feed_forward_length, attention.head_count
//   (required); attention.head_count_kv (= head_count); attention.key_length / value_length
//   (= embedding_length / head_count; must be equal); rope.dimension_count (= head dim);
//   rope.freq_base (10000); rope.scaling.type none|linear with rope.scaling.factor;
//   attention.layer_norm_rms_epsilon (required). Mixture-of-experts files (expert_count > 0)
//   and YaRN/LongRoPE scaling are refused as unsupported.
//
// Thread-safety: plain functions.
#pragma once

#include <string>

#include "model/arch/causal_lm.h"
#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::arch {

enum class Presence { kAbsent, kOptional, kRequired };

struct DecoderTensorRules {
    Presence qkv_bias = Presence::kAbsent;  // blk.N.attn_{q,k,v}.bias
    Presence out_bias = Presence::kAbsent;  // blk.N.attn_output.bias
    Presence ffn_bias = Presence::kAbsent;  // blk.N.ffn_{gate,up,down}.bias
    Presence qk_norm = Presence::kAbsent;   // blk.N.attn_{q,k}_norm.weight (per head)
    bool rope_freqs = false;                // rope_freqs.weight (Llama 3 frequency divisors)
};

Result<CausalLmConfig> read_decoder_hparams(const gguf::File& file, const std::string& arch,
                                            RopeType rope_type);

// Loads and checks every tensor; fills config.n_vocab (from token_embd) and
// config.rope.freq_factors. Refuses tensors the rules do not allow.
Result<CausalLmWeights> load_decoder_tensors(const gguf::File& file, CausalLmConfig& config,
                                             const DecoderTensorRules& rules);

}  // namespace openbook::arch
