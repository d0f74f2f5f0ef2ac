// Architecture "llama" (Llama 1/2/3, Mistral, TinyLlama, llama2.c conversions, Breeze, TAIDE):
// llama.cpp's build_llama without its mixture-of-experts branch.
//
// - RoPE on adjacent pairs (LLAMA_ROPE_TYPE_NORM) over the whole head: converters permute HF's
//   Q/K rows so that this equals HF's half-split rotation. rope.dimension_count must equal the
//   head size, as llama.cpp requires.
// - Llama 3.x frequency divisors from rope_freqs.weight, when present.
// - Optional biases on Q/K/V/output and on the feed-forward, as llama.cpp allows.
// - Tied embeddings when output.weight is absent.
#include "model/arch/architectures.h"
#include "model/arch/decoder_loading.h"

namespace openbook::arch {

Result<std::unique_ptr<CausalLm>> load_llama(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmConfig config,
                              read_decoder_hparams(file, "llama", RopeType::kNorm));
    if (config.rope.n_rot != config.head_dim) {
        return Status::corrupt(
            file.name() + ": llama.rope.dimension_count = " + std::to_string(config.rope.n_rot) +
            ", expected the head size " + std::to_string(config.head_dim));
    }
    DecoderTensorRules rules;
    rules.qkv_bias = Presence::kOptional;
    rules.out_bias = Presence::kOptional;
    rules.ffn_bias = Presence::kOptional;
    rules.rope_freqs = true;
    OPENBOOK_ASSIGN_OR_RETURN(CausalLmWeights weights, load_decoder_tensors(file, config, rules));
    return std::make_unique<CausalLm>(std::move(config), std::move(weights));
}

}  // namespace openbook::arch
