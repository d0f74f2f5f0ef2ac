// A causal language model (llama, qwen2, qwen3) ready to run one sequence: the mapped GGUF file,
// its tokenizer, the architecture's weights (used in place, in their stored types), a KV cache,
// the scratch buffers of a forward pass and a thread pool — everything allocated at load, so
// evaluating tokens allocates nothing but the caller's logits.
//
// The cache remembers which tokens it holds (cached_tokens()). A caller that evaluates a new
// prompt can keep the common prefix (truncate) and evaluate only the rest; to get logits for a
// prompt that is cached in full, truncate one token back and evaluate that token again.
//
// eval() runs new tokens through the model in batches of DecoderOptions::batch tokens (each
// matrix applied to the whole batch at once); logits are computed only for the positions asked
// for. The numerics follow llama.cpp's CPU backend, including the rounding of activations to
// each weight type's dot-product operand and, with the F16 cache, of the attention operands.
//
// Thread-safety: one thread at a time per Decoder (the pool's workers are internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "model/runtime/kv_cache.h"
#include "model/tokenizer/tokenizer.h"
#include "openbook/status.h"

namespace openbook::arch {
class CausalLm;
struct CausalLmConfig;
}  // namespace openbook::arch

namespace openbook::runtime {

struct DecoderOptions {
    int threads = 0;      // 0: physical cores
    int64_t context = 0;  // 0: min(model's context_length, 4096)
    int64_t batch = 512;  // tokens per forward pass in prefill
    KvType kv_type = KvType::kF16;
};

// The first tokens of a sequence and their K/V, copied out of a decoder's cache to be put back
// later: e.g. a system prompt every request starts with, kept while other prompts use the cache.
struct CachedPrefix {
    std::vector<tokenizer::TokenId> tokens;
    KvSnapshot kv;
};

class Decoder {
public:
    // Errors: the file's (kNotFound, kIoError, kCorrupt), an unsupported architecture or tensor
    // type (kUnsupported), an encoder model or bad options (kInvalidArgument: batch < 1,
    // negative context or threads, a cache that cannot be allocated).
    static Result<std::unique_ptr<Decoder>> load(const std::filesystem::path& gguf,
                                                 const DecoderOptions& options);
    ~Decoder();

    const tokenizer::Tokenizer& tokenizer() const;
    std::string_view architecture() const;
    const arch::CausalLmConfig& config() const;
    int64_t vocab_size() const;               // logits per position
    int64_t context_length() const;           // the KV cache capacity in use
    int64_t training_context_length() const;  // the model's <arch>.context_length
    int64_t batch_size() const;
    int threads() const;
    size_t kv_cache_bytes() const;

    // Tokens whose K/V are cached, in order (positions 0..n-1).
    std::span<const tokenizer::TokenId> cached_tokens() const { return cached_; }
    // Forget cached positions >= n (n <= cached size; larger n changes nothing).
    void truncate(int64_t n);

    // A copy of the first n cached positions (n clamped to the cached size).
    CachedPrefix save_prefix(int64_t n) const;
    // Replaces the cache's content with the first n tokens of `prefix` (n clamped to its size).
    // `prefix` must come from save_prefix of this decoder.
    void restore_prefix(const CachedPrefix& prefix, int64_t n);

    // Appends `tokens` at positions cached_tokens().size()... and runs them through the model.
    // Writes the logits of the last token to `last_logits` (vocab_size floats), and/or those of
    // every new token to `all_logits` (n_tokens × vocab_size); either may be nullptr (both:
    // only the cache is filled). Fails with kInvalidArgument, nothing cached changed, when
    // `tokens` is empty, the cache would overflow the context, or a token id is out of range.
    Status eval(std::span<const tokenizer::TokenId> tokens, std::vector<float>* last_logits,
                std::vector<float>* all_logits = nullptr);

private:
    struct Impl;
    explicit Decoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    std::vector<tokenizer::TokenId> cached_;
};

}  // namespace openbook::runtime
