// The generation loop: evaluate a prompt (reusing whatever prefix of it the decoder's KV cache
// already holds), then sample token by token until a stop, streaming UTF-8-safe text.
//
// Stops, in the order checked after each token: an end-of-generation token of the model
// (not part of the text), a stop string (the text ends before it; text that might be the start
// of a stop string is held back from the callback until it is decided), max_tokens, a full
// context, or the callback returning false (cancelled). The reason is in stats.stop_reason.
//
// Errors: a prompt that does not fit the context (kInvalidArgument, nothing evaluated), or an
// evaluation failure from the decoder.
//
// Thread-safety: one generation at a time per Decoder.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/runtime/decoder.h"
#include "model/runtime/sampler.h"
#include "openbook/status.h"

namespace openbook::runtime {

struct GenerateOptions {
    int64_t max_tokens = 256;
    SamplingParams sampling;
    std::vector<std::string> stop_strings;
    bool stop_at_end_of_generation = true;
    bool reuse_prefix = true;  // keep the KV cache's common prefix with the prompt
    // A saved prefix (Decoder::save_prefix) to restore first when it shares more tokens with the
    // prompt than the cache does (only with reuse_prefix). Not owned.
    const CachedPrefix* saved_prefix = nullptr;
};

struct GenerateStats {
    int64_t prompt_tokens = 0;
    int64_t reused_tokens = 0;  // prompt tokens whose K/V came from the cache
    int64_t generated_tokens = 0;
    double prefill_ms = 0;      // evaluating the prompt
    double first_token_ms = 0;  // from the call to the first generated token
    double decode_ms = 0;       // generating after the first token
    std::string stop_reason;    // end_of_generation | stop_string | max_tokens | context_full | cancelled
};

struct GenerateResult {
    std::string text;  // what the callback received, in full
    std::vector<tokenizer::TokenId> tokens;  // generated ids (the end-of-generation token excluded)
    GenerateStats stats;
};

// Receives text as it becomes final; return false to stop.
using TextCallback = std::function<bool(std::string_view)>;

Result<GenerateResult> generate(Decoder& decoder, std::span<const tokenizer::TokenId> prompt,
                                const GenerateOptions& options, const TextCallback& on_text = {});

}  // namespace openbook::runtime
