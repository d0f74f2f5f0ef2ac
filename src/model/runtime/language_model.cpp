// LanguageModel (include/openbook/generate.h): a Decoder plus the generation loop, the model's
// chat template and a llama-bench style measurement.

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "model/gguf/gguf_file.h"
#include "model/runtime/decoder.h"
#include "model/runtime/generator.h"
#include "model/tokenizer/chat_template.h"
#include "openbook/generate.h"

namespace openbook {
namespace {

using tokenizer::TokenId;

runtime::GenerateOptions to_runtime(const GenerationOptions& o) {
    runtime::GenerateOptions g;
    g.max_tokens = o.max_tokens;
    g.sampling.temperature = o.temperature;
    g.sampling.top_k = o.top_k;
    g.sampling.top_p = o.top_p;
    g.sampling.min_p = o.min_p;
    g.sampling.repeat_penalty = o.repeat_penalty;
    g.sampling.frequency_penalty = o.frequency_penalty;
    g.sampling.presence_penalty = o.presence_penalty;
    g.sampling.seed = o.seed;
    g.stop_strings = o.stop;
    g.stop_at_end_of_generation = !o.ignore_eos;
    g.reuse_prefix = o.reuse_cache;
    return g;
}

GenerationResult to_public(runtime::GenerateResult&& r) {
    GenerationResult out;
    out.text = std::move(r.text);
    out.tokens.assign(r.tokens.begin(), r.tokens.end());
    out.prompt_tokens = r.stats.prompt_tokens;
    out.reused_prompt_tokens = r.stats.reused_tokens;
    out.prefill_ms = r.stats.prefill_ms;
    out.first_token_ms = r.stats.first_token_ms;
    out.decode_ms = r.stats.decode_ms;
    out.stop_reason = std::move(r.stats.stop_reason);
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct LanguageModel::Impl {
    std::unique_ptr<runtime::Decoder> decoder;
    std::string path;
    std::string template_source;  // tokenizer.chat_template ("" when absent)
    std::string fallback_family = "chatml";
    int threads = 0;
    // keep_chat_prefix(): the pinned turns as rendered and tokenized, and their K/V once a
    // prompt starting with them has been evaluated.
    std::string pinned_text;
    std::vector<TokenId> pinned_tokens;
    std::optional<runtime::CachedPrefix> pinned;
};

LanguageModel::LanguageModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LanguageModel::LanguageModel(LanguageModel&&) noexcept = default;
LanguageModel& LanguageModel::operator=(LanguageModel&&) noexcept = default;
LanguageModel::~LanguageModel() = default;

Result<LanguageModel> LanguageModel::load(const std::filesystem::path& gguf_path,
                                          const ModelLoadOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->path = gguf_path.string();
    {
        OPENBOOK_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(gguf_path));
        impl->template_source =
            std::string(file.get_string("tokenizer.chat_template").value_or(""));
        // A model split over several files (llama.cpp's gguf-split) holds only some tensors in
        // each part; say so plainly instead of failing on the first missing tensor.
        if (const auto parts = file.get_uint("split.count"); parts && *parts > 1) {
            return Status::unsupported(fmt::format(
                "{} is part of a model split into {} files, which this engine cannot load yet; "
                "merge the parts into one file first (llama.cpp: llama-gguf-split --merge "
                "FIRST-PART OUT.gguf)",
                gguf_path.string(), *parts));
        }
    }
    runtime::DecoderOptions d;
    d.threads = options.threads;
    d.context = options.context;
    d.kv_type = options.kv_cache_f32 ? runtime::KvType::kF32 : runtime::KvType::kF16;
    OPENBOOK_ASSIGN_OR_RETURN(impl->decoder, runtime::Decoder::load(gguf_path, d));
    impl->threads = impl->decoder->threads();
    return LanguageModel(std::move(impl));
}

Result<GenerationResult> LanguageModel::generate(std::string_view prompt,
                                                 const GenerationOptions& options,
                                                 const TextSink& sink) {
    const auto ids = impl_->decoder->tokenizer().encode(prompt, true, true);
    return generate_ids(ids, options, sink);
}

Result<GenerationResult> LanguageModel::generate_ids(std::span<const int32_t> prompt,
                                                     const GenerationOptions& options,
                                                     const TextSink& sink) {
    for (int32_t id : prompt) {
        if (id < 0 || id >= impl_->decoder->vocab_size()) {
            return Status::invalid_argument(
                fmt::format("token id {} is outside the vocabulary (0..{})", id,
                            impl_->decoder->vocab_size() - 1));
        }
    }
    runtime::GenerateOptions g = to_runtime(options);
    if (impl_->pinned) g.saved_prefix = &*impl_->pinned;
    OPENBOOK_ASSIGN_OR_RETURN(runtime::GenerateResult r,
                              runtime::generate(*impl_->decoder, prompt, g, sink));
    // A prompt that starts with (more of) the pinned turns: keep their K/V from now on.
    // (The part shared with the pinned tokens: all of them unless the template renders the
    // pinned turns differently inside a conversation, e.g. folds the system message into the
    // first user turn, or the tokenizer merged across the end of the rendered prefix.)
    const auto cached = impl_->decoder->cached_tokens();
    const auto& pin = impl_->pinned_tokens;
    const size_t held = impl_->pinned ? impl_->pinned->tokens.size() : 0;
    if (held < pin.size()) {
        size_t shared = 0;
        while (shared < pin.size() && shared < cached.size() && pin[shared] == cached[shared]) {
            ++shared;
        }
        if (shared > held) {
            impl_->pinned = impl_->decoder->save_prefix(static_cast<int64_t>(shared));
        }
    }
    return to_public(std::move(r));
}

void LanguageModel::set_chat_template_fallback(std::string family) {
    impl_->fallback_family = std::move(family);
}

namespace {

Result<tokenizer::ChatTemplate> pick_template(const std::string& source,
                                              const std::string& fallback) {
    if (!source.empty()) {
        auto detected = tokenizer::ChatTemplate::from_gguf_source(source);
        if (detected.has_value()) return detected;
    }
    return tokenizer::ChatTemplate::from_name(fallback);
}

// The conversation through the model's template (or the fallback family), and that template.
Result<std::pair<tokenizer::ChatTemplate, std::string>> render_turns(
    const std::string& source, const std::string& fallback, std::span<const ChatTurn> turns) {
    OPENBOOK_ASSIGN_OR_RETURN(tokenizer::ChatTemplate tmpl, pick_template(source, fallback));
    std::vector<tokenizer::ChatMessage> messages;
    for (const ChatTurn& t : turns) messages.push_back({t.role, t.content});
    OPENBOOK_ASSIGN_OR_RETURN(std::string prompt, tmpl.render(messages, true));
    return std::make_pair(std::move(tmpl), std::move(prompt));
}

}  // namespace

Result<std::string> LanguageModel::render_chat(std::span<const ChatTurn> turns) const {
    OPENBOOK_ASSIGN_OR_RETURN(auto rendered,
                              render_turns(impl_->template_source, impl_->fallback_family, turns));
    return std::move(rendered.second);
}

Status LanguageModel::keep_chat_prefix(std::span<const ChatTurn> turns) {
    if (turns.empty()) {
        impl_->pinned_text.clear();
        impl_->pinned_tokens.clear();
        impl_->pinned.reset();
        return Status::ok_status();
    }
    OPENBOOK_ASSIGN_OR_RETURN(tokenizer::ChatTemplate tmpl,
                              pick_template(impl_->template_source, impl_->fallback_family));
    std::vector<tokenizer::ChatMessage> messages;
    for (const ChatTurn& t : turns) messages.push_back({t.role, t.content});
    OPENBOOK_ASSIGN_OR_RETURN(std::string text, tmpl.render(messages, false));
    if (text == impl_->pinned_text && !impl_->pinned_tokens.empty()) return Status::ok_status();
    impl_->pinned_text = std::move(text);
    // Tokenized as chat() tokenizes a whole conversation (BOS, special tokens parsed). A
    // template whose turn boundary merges into one token with what follows would make the
    // pinned tokens differ from the prompt's at the end: then only the shared part is reused.
    impl_->pinned_tokens = impl_->decoder->tokenizer().encode(impl_->pinned_text, true, true);
    impl_->pinned.reset();
    return Status::ok_status();
}

int64_t LanguageModel::kept_prefix_tokens() const {
    return impl_->pinned ? static_cast<int64_t>(impl_->pinned->tokens.size()) : 0;
}

Result<GenerationResult> LanguageModel::chat(std::span<const ChatTurn> turns,
                                             const GenerationOptions& options,
                                             const TextSink& sink) {
    OPENBOOK_ASSIGN_OR_RETURN(auto rendered,
                              render_turns(impl_->template_source, impl_->fallback_family, turns));
    const auto& [tmpl, prompt] = rendered;
    // Rendered prompts never start with the BOS text: the tokenizer adds BOS when the model
    // asks for it. Special tokens are parsed over the whole prompt, as llama.cpp's server does,
    // so role markers typed into a message also act as markers.
    auto ids = impl_->decoder->tokenizer().encode(prompt, true, true);
    GenerationOptions with_stops = options;
    for (const std::string& s : tmpl.stop_strings()) with_stops.stop.push_back(s);
    return generate_ids(ids, with_stops, sink);
}

Result<BenchResult> LanguageModel::bench(int64_t n_prompt, int64_t n_gen, int repetitions) {
    runtime::Decoder& d = *impl_->decoder;
    if (n_prompt + n_gen >= d.context_length()) {
        return Status::invalid_argument(fmt::format(
            "pp{} + tg{} needs a context of {} tokens; this one holds {}", n_prompt, n_gen,
            n_prompt + n_gen + 1, d.context_length()));
    }
    BenchResult out;
    out.prompt_tokens = n_prompt;
    out.generated_tokens = n_gen;
    out.threads = impl_->threads;
    std::mt19937 rng(1234);
    std::uniform_int_distribution<TokenId> pick(0, static_cast<TokenId>(d.vocab_size() - 1));
    std::vector<float> logits;

    // Warm-up: page the weights in and size the scratch buffers once.
    d.truncate(0);
    const TokenId warm[1] = {pick(rng)};
    OPENBOOK_RETURN_IF_ERROR(d.eval(warm, &logits));

    for (int r = 0; r < repetitions; ++r) {
        if (n_prompt > 0) {
            std::vector<TokenId> prompt(static_cast<size_t>(n_prompt));
            for (auto& t : prompt) t = pick(rng);
            d.truncate(0);
            const auto start = std::chrono::steady_clock::now();
            OPENBOOK_RETURN_IF_ERROR(d.eval(prompt, &logits));
            out.prompt_tokens_per_s.push_back(static_cast<double>(n_prompt) / seconds_since(start));
        }
        if (n_gen > 0) {
            d.truncate(0);
            const auto start = std::chrono::steady_clock::now();
            for (int64_t i = 0; i < n_gen; ++i) {
                const TokenId one[1] = {pick(rng)};
                OPENBOOK_RETURN_IF_ERROR(d.eval(one, &logits));
            }
            out.generation_tokens_per_s.push_back(static_cast<double>(n_gen) / seconds_since(start));
        }
    }
    d.truncate(0);
    return out;
}

std::vector<int32_t> LanguageModel::tokenize(std::string_view text, bool add_special,
                                             bool parse_special) const {
    return impl_->decoder->tokenizer().encode(text, add_special, parse_special);
}

std::string LanguageModel::architecture() const {
    return std::string(impl_->decoder->architecture());
}
int64_t LanguageModel::context_length() const { return impl_->decoder->context_length(); }
int LanguageModel::threads() const { return impl_->threads; }

}  // namespace openbook
