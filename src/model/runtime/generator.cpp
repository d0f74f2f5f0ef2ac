#include "model/runtime/generator.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "model/tokenizer/tokenizer.h"

namespace openbook::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using tokenizer::TokenId;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

size_t shared_prefix(std::span<const TokenId> a, std::span<const TokenId> b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}

// Holds generated text back while it could still turn into a stop string.
class StopMatcher {
public:
    explicit StopMatcher(const std::vector<std::string>& stops) : stops_(stops) {}

    // Adds text; returns what may be released now. Sets `stopped` when a stop string appeared
    // (the released text then ends right before it).
    std::string push(std::string_view piece, bool& stopped) {
        pending_ += piece;
        for (const std::string& s : stops_) {
            if (s.empty()) continue;
            const size_t at = pending_.find(s);
            if (at != std::string::npos) {
                stopped = true;
                std::string out = pending_.substr(0, at);
                pending_.clear();
                return out;
            }
        }
        // Keep the longest tail that is a prefix of some stop string.
        size_t keep = 0;
        for (const std::string& s : stops_) {
            for (size_t n = std::min(s.size() - 1, pending_.size()); n > keep; --n) {
                if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
                    keep = n;
                    break;
                }
            }
        }
        std::string out = pending_.substr(0, pending_.size() - keep);
        pending_.erase(0, pending_.size() - keep);
        return out;
    }

    std::string flush() { return std::exchange(pending_, std::string()); }

private:
    const std::vector<std::string>& stops_;
    std::string pending_;
};

}  // namespace

Result<GenerateResult> generate(Decoder& decoder, std::span<const TokenId> prompt,
                                const GenerateOptions& options, const TextCallback& on_text) {
    const auto start = Clock::now();
    GenerateResult result;
    GenerateStats& stats = result.stats;
    stats.prompt_tokens = static_cast<int64_t>(prompt.size());
    if (prompt.empty()) return Status::invalid_argument("the prompt is empty");
    if (stats.prompt_tokens >= decoder.context_length()) {
        return Status::invalid_argument(
            fmt::format("the prompt has {} tokens but the context holds {} (leave room for the "
                        "answer: shorten the prompt or raise the context length)",
                        prompt.size(), decoder.context_length()));
    }

    // Reuse the cached prefix (or the saved one, when it shares more with the prompt); at least
    // the last prompt token is evaluated for its logits.
    size_t common = 0;
    if (options.reuse_prefix) {
        common = std::min(shared_prefix(decoder.cached_tokens(), prompt), prompt.size() - 1);
        if (options.saved_prefix != nullptr) {
            const size_t saved =
                std::min(shared_prefix(options.saved_prefix->tokens, prompt), prompt.size() - 1);
            if (saved > common) {
                decoder.restore_prefix(*options.saved_prefix, static_cast<int64_t>(saved));
                common = saved;
            }
        }
    }
    decoder.truncate(static_cast<int64_t>(common));
    stats.reused_tokens = static_cast<int64_t>(common);

    std::vector<float> logits;
    OPENBOOK_RETURN_IF_ERROR(decoder.eval(prompt.subspan(common), &logits));
    stats.prefill_ms = ms_since(start);

    Sampler sampler(options.sampling);
    const size_t window = static_cast<size_t>(std::max(0, options.sampling.penalty_last_n));
    for (size_t i = prompt.size() > window ? prompt.size() - window : 0; i < prompt.size(); ++i) {
        sampler.accept(prompt[i]);
    }

    const tokenizer::Tokenizer& tok = decoder.tokenizer();
    const auto& eog = tok.vocab().end_of_generation;
    tokenizer::DecodeOptions continuation;
    continuation.strip_leading_space = false;  // the prompt got the encoder's space, not this
    tokenizer::StreamDecoder stream(tok, continuation);
    StopMatcher stops(options.stop_strings);
    auto emit = [&](const std::string& text) {
        if (text.empty()) return true;
        result.text += text;
        return on_text ? on_text(text) : true;
    };

    Clock::time_point first_token_at{};
    while (true) {
        if (stats.generated_tokens >= options.max_tokens) {
            stats.stop_reason = "max_tokens";
            break;
        }
        const TokenId next = sampler.sample(logits);
        if (stats.generated_tokens == 0) {
            first_token_at = Clock::now();
            stats.first_token_ms = ms_since(start);
        }
        if (options.stop_at_end_of_generation &&
            std::find(eog.begin(), eog.end(), next) != eog.end()) {
            stats.stop_reason = "end_of_generation";
            break;
        }
        sampler.accept(next);
        result.tokens.push_back(next);
        ++stats.generated_tokens;

        bool stopped = false;
        if (!emit(stops.push(stream.push(next), stopped))) {
            stats.stop_reason = "cancelled";
            break;
        }
        if (stopped) {
            stats.stop_reason = "stop_string";
            break;
        }
        if (static_cast<int64_t>(decoder.cached_tokens().size()) >= decoder.context_length()) {
            stats.stop_reason = "context_full";
            break;
        }
        const TokenId one[1] = {next};
        OPENBOOK_RETURN_IF_ERROR(decoder.eval(one, &logits));
    }
    if (stats.stop_reason != "stop_string" && stats.stop_reason != "cancelled") {
        bool stopped = false;
        emit(stops.push(stream.flush(), stopped));
        emit(stops.flush());
    }
    if (stats.generated_tokens > 0) stats.decode_ms = ms_since(first_token_at);
    return result;
}

}  // namespace openbook::runtime
