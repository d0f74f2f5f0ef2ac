// Running a local GGUF language model: plain generation, chat through the model's own chat
// template, and a prompt-processing / generation speed benchmark.
//
// Errors: a file that is not a model this build runs (unknown architecture or tensor type,
// shapes that disagree with the metadata) is kUnsupported / kCorrupt naming the file and the
// tensor; a prompt that does not fit the context is kInvalidArgument. Nothing aborts.
//
// Thread-safety: one call at a time per LanguageModel (it owns one KV cache); the matrix work
// inside a call runs on `threads` threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook {

struct ModelLoadOptions {
    int threads = 0;          // 0: the machine's physical cores
    int64_t context = 0;      // 0: the model's context length, at most 4096
    bool kv_cache_f32 = false;  // F16 K/V by default, as llama.cpp
};

struct GenerationOptions {
    int64_t max_tokens = 256;
    float temperature = 0.8f;  // <= 0: greedy
    int top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    float repeat_penalty = 1.0f;
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    uint64_t seed = 0;
    std::vector<std::string> stop;  // the text ends before the first of these
    bool ignore_eos = false;        // keep going past the model's end-of-generation tokens
    // Keep the K/V of the part of the prompt the cache (or a kept prefix, keep_chat_prefix)
    // already holds; false evaluates the whole prompt anew (for measurements).
    bool reuse_cache = true;
};

struct GenerationResult {
    std::string text;
    std::vector<int32_t> tokens;  // the generated ids
    int64_t prompt_tokens = 0;
    int64_t reused_prompt_tokens = 0;  // taken from the KV cache of the previous call
    double prefill_ms = 0;
    double first_token_ms = 0;
    double decode_ms = 0;
    std::string stop_reason;  // end_of_generation, stop_string, max_tokens, context_full, cancelled
};

struct ChatTurn {
    std::string role;  // system, user or assistant
    std::string content;
};

// Text as it is generated; return false to stop.
using TextSink = std::function<bool(std::string_view)>;

struct BenchResult {
    int64_t prompt_tokens = 0;
    int64_t generated_tokens = 0;
    int threads = 0;
    std::vector<double> prompt_tokens_per_s;  // one per repetition
    std::vector<double> generation_tokens_per_s;
};

class LanguageModel {
public:
    static Result<LanguageModel> load(const std::filesystem::path& gguf_path,
                                      const ModelLoadOptions& options = {});
    LanguageModel(LanguageModel&&) noexcept;
    LanguageModel& operator=(LanguageModel&&) noexcept;
    ~LanguageModel();

    // Continues `prompt` (BOS added if the model asks for it; special tokens in the text parsed).
    Result<GenerationResult> generate(std::string_view prompt, const GenerationOptions& options,
                                      const TextSink& sink = {});
    // Continues a prompt given as token ids.
    Result<GenerationResult> generate_ids(std::span<const int32_t> prompt,
                                          const GenerationOptions& options,
                                          const TextSink& sink = {});

    // The conversation rendered with the model's chat template (or the named family, e.g.
    // "chatml", when the file has none), ending with the assistant's turn header.
    Result<std::string> render_chat(std::span<const ChatTurn> turns) const;
    // render_chat + generate, stopping at the template's end-of-turn markers as well.
    Result<GenerationResult> chat(std::span<const ChatTurn> turns, const GenerationOptions& options,
                                  const TextSink& sink = {});
    // Keeps the K/V state of these turns (e.g. a fixed system prompt and few-shot examples):
    // once a chat() whose conversation starts with them has run, every later one starting with
    // them skips evaluating them again, even when other prompts used the cache in between.
    // (Only the tokens that the first such conversation shares with the turns rendered alone
    // are kept: all of them for templates that render each turn on its own, like ChatML.)
    // Calling it again with the same turns keeps the state; other turns replace it; no turns
    // forget it. Costs the K/V of those tokens in memory (about 12 KiB per token for
    // Qwen2.5-0.5B with the F16 cache).
    Status keep_chat_prefix(std::span<const ChatTurn> turns);
    // Tokens of the kept prefix whose K/V are held (0 until the first chat() evaluated them).
    int64_t kept_prefix_tokens() const;

    // Chat template family to use when the file has no template (or one not recognised).
    void set_chat_template_fallback(std::string family);

    // llama-bench style: `repetitions` times, evaluate n_prompt random tokens in one batch from
    // an empty cache, then generate n_gen tokens one at a time; tokens/s of each phase.
    Result<BenchResult> bench(int64_t n_prompt, int64_t n_gen, int repetitions);

    // The model's token ids of `text` (for budgets: counts as the model will see them).
    std::vector<int32_t> tokenize(std::string_view text, bool add_special,
                                  bool parse_special) const;

    std::string architecture() const;
    int64_t context_length() const;
    int threads() const;

private:
    struct Impl;
    explicit LanguageModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook
