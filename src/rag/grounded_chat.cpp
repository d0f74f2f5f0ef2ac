// GroundedChat (openbook/answer.h): a conversation over the collection, one grounded answer per
// message, follow-ups rewritten for retrieval (rag/followup_rewrite.h).

#include <chrono>

#include "openbook/answer.h"
#include "rag/citations.h"
#include "rag/followup_rewrite.h"
#include "rag/grounded_answer.h"

namespace openbook {

GroundedChat::GroundedChat(Collection& collection, LanguageModel& model, ModelAskOptions options)
    : collection_(collection), model_(model), options_(std::move(options)) {}

void GroundedChat::reset() {
    history_.clear();
    last_query_.clear();
    last_.reset();
    turns_ = 0;
}

size_t GroundedChat::turns() const { return turns_; }

const ModelAnswer* GroundedChat::last() const { return last_ ? &*last_ : nullptr; }

Result<ModelAnswer> GroundedChat::ask(const std::string& message, const TextSink& sink) {
    rag::GroundedRequest request;
    request.question = message;
    request.search_query = message;
    request.history = history_;

    double rewrite_ms = 0;
    if (!history_.empty()) {
        const auto start = std::chrono::steady_clock::now();
        GenerationOptions rewrite = options_.generation;
        rewrite.temperature = 0;  // the most likely reading, every time
        rewrite.max_tokens = rag::kRewriteMaxTokens;
        rewrite.stop = {"\n"};
        // The rewrite only helps retrieval: when it cannot run (e.g. a long message leaves no
        // room in the context), the fallback query does its job.
        auto r = model_.chat(rag::rewrite_messages(history_, message), rewrite);
        std::optional<std::string> query;
        if (r.has_value() && r->stop_reason != "cancelled") query = rag::parse_rewrite(r->text, message);
        request.search_query = query ? *query : rag::fallback_query(last_query_, message);
        rewrite_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
    }

    OPENBOOK_ASSIGN_OR_RETURN(ModelAnswer answer, rag::answer_grounded(collection_, model_, request,
                                                                       options_, sink));
    // A rewrite that finds nothing relevant may be a bad rewrite (no model ran yet: retrieval
    // decides relevance first): the previous query and the message together get a second try.
    const std::string fallback = rag::fallback_query(last_query_, message);
    if (!answer.found && !history_.empty() && request.search_query != fallback) {
        request.search_query = fallback;
        OPENBOOK_ASSIGN_OR_RETURN(
            answer, rag::answer_grounded(collection_, model_, request, options_, sink));
    }
    answer.rewrite_ms = rewrite_ms;
    answer.first_token_ms += rewrite_ms;

    // The history keeps what was said, without citations: their numbers named this turn's
    // sources, which the next turn's prompt does not carry.
    history_.push_back({"user", message});
    history_.push_back(
        {"assistant", answer.found ? rag::clean_citations(answer.text, {}).text : answer.message});
    last_query_ = answer.search_query;
    last_ = answer;
    ++turns_;
    return answer;
}

}  // namespace openbook
