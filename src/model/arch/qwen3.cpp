// Architecture "qwen3" (Qwen3 dense models): llama.cpp's build_qwen3.
//
// - Like qwen2 (NeoX RoPE, tied embeddings in small models) but without Q/K/V biases.
// - Each head of Q and K is RMS-normalized (attn_q_norm / attn_k_norm, head_dim weights, the
//   model's RMS epsilon) after the projection and before RoPE.
// - The head size comes from attention.key_length and need not be n_embd / n_head
//   (Qwen3-0.6B: 1024 wide, 16 heads of 128).
#include "model/arch/architectures.h"
#include "model/arch/decoder_loading.h"

namespace openbook::arch {

Result<std::unique_ptr<CausalLm>> load_qwen3(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmConfig config,
                              read_decoder_hparams(file, "qwen3", RopeType::kNeox));
    DecoderTensorRules rules;
    rules.qk_norm = Presence::kRequired;
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmWeights weights, load_decoder_tensors(file, config, rules));
    return std::make_unique<CausalLm>(std::move(config), std::move(weights));
}

}  // namespace openbook::arch
