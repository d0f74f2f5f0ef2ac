// Architecture "qwen2" (Qwen2, Qwen2.5, and models distilled into them): llama.cpp's
// build_qwen2.
//
// - RoPE on the two halves of each head (LLAMA_ROPE_TYPE_NEOX), usually with base 1e6.
// - Q, K and V have biases (required); the output projection and feed-forward have none.
// - Small models tie output.weight to token_embd.
#include "model/arch/architectures.h"
#include "model/arch/decoder_loading.h"

namespace openbook::arch {

Result<std::unique_ptr<CausalLm>> load_qwen2(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmConfig config,
                              read_decoder_hparams(file, "qwen2", RopeType::kNeox));
    DecoderTensorRules rules;
    rules.qkv_bias = Presence::kRequired;
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmWeights weights, load_decoder_tensors(file, config, rules));
    return std::make_unique<CausalLm>(std::move(config), std::move(weights));
}

}  // namespace openbook::arch
