// answer_grounded() (rag/grounded_answer.h) and answer_with_model() (openbook/answer.h):
// retrieval and relevance as for the extractive answer, then a prompt fitted to the model's
// context, then the model's answer streamed through the citation filter.

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "rag/citations.h"
#include "rag/grounded_answer.h"
#include "rag/prompt_builder.h"
#include "rag/question_language.h"
#include "rag/source_expansion.h"

namespace openbook {
namespace rag {
namespace {

using Clock = std::chrono::steady_clock;

// Tokens a chat template typically adds around one message (role markers, newlines).
constexpr int64_t kMessageOverheadTokens = 8;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

Result<ModelAnswer> answer_grounded(Collection& collection, LanguageModel& model,
                                    const GroundedRequest& request,
                                    const ModelAskOptions& options, const TextSink& sink) {
    const auto start = Clock::now();
    ModelAnswer out;
    out.question = request.question;
    out.search_query = request.search_query.empty() ? request.question : request.search_query;

    // The extractive pass retrieves, scores coverage and decides relevance; its sources are the
    // model's sources.
    OPENBOOK_ASSIGN_OR_RETURN(Answer retrieved,
                              answer_extractive(collection, out.search_query, options.retrieval));
    out.retrieval_ms = ms_since(start);
    const QuestionLanguage language =
        detect_question_language(request.question, opencc_script_evidence());
    out.language = language_tag(language.language);
    if (!retrieved.found) {
        out.found = false;
        out.message = retrieved.message;
        out.sources = std::move(retrieved.sources);
        return out;
    }

    // Widen with neighbouring chunks, merge what then overlaps, drop near-duplicates; the
    // sources are renumbered 1..n in rank order.
    {
        std::vector<SearchHit> hits;
        std::vector<double> coverage;
        for (AnswerSource& s : retrieved.sources) {
            hits.push_back(std::move(s.hit));
            coverage.push_back(s.coverage);
        }
        ExpansionOptions expansion;
        expansion.neighbours = options.neighbours;
        OPENBOOK_ASSIGN_OR_RETURN(ExpansionResult expanded,
                                  expand_sources(hits, expansion, chunk_fetcher(collection)));
        retrieved.sources.clear();
        for (ExpandedSource& e : expanded.sources) {
            AnswerSource source;
            source.number = static_cast<int>(retrieved.sources.size()) + 1;
            for (int rank : e.ranks) {
                source.coverage = std::max(source.coverage, coverage[static_cast<size_t>(rank - 1)]);
            }
            source.hit = std::move(e.hit);
            retrieved.sources.push_back(std::move(source));
        }
        for (std::string& note : describe_expansion(expanded)) out.notes.push_back(std::move(note));
    }
    out.retrieval_ms = ms_since(start);

    const auto prompt_start = Clock::now();
    PromptInput input;
    input.question = request.question;
    input.persona = options.persona;
    input.language = language;
    input.history = request.history;
    if (!options.examples_file.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(input.examples, load_few_shot_examples(options.examples_file));
    }
    for (const AnswerSource& s : retrieved.sources) {
        input.sources.push_back(prompt_source_from_hit(s.number, s.hit));
    }
    PromptBudget budget;
    budget.count_tokens = [&model](std::string_view text) {
        return static_cast<int64_t>(model.tokenize(text, false, true).size());
    };
    budget.max_tokens = model.context_length() - options.generation.max_tokens;
    if (budget.max_tokens <= 0) {
        return Status::invalid_argument(fmt::format(
            "the model's context ({} tokens) leaves no room for sources after {} answer tokens",
            model.context_length(), options.generation.max_tokens));
    }
    if (options.prompt_budget > 0) budget.max_tokens = std::min(budget.max_tokens, options.prompt_budget);
    budget.message_overhead_tokens = kMessageOverheadTokens;
    budget.history_max_tokens =
        options.history_budget > 0 ? options.history_budget : budget.max_tokens / 4;
    OPENBOOK_ASSIGN_OR_RETURN(Prompt prompt, build_prompt(input, budget));
    out.history_turns = prompt.history_kept;
    out.history_turns_dropped = prompt.history_dropped;

    const std::vector<int> given = prompt.included_numbers();
    for (AnswerSource& s : retrieved.sources) {
        if (std::find(given.begin(), given.end(), s.number) != given.end()) {
            out.sources.push_back(std::move(s));
        }
    }
    for (const SourceFitReport& r : prompt.sources) {
        if (r.fit == SourceFit::kWhole) continue;
        out.notes.push_back(fmt::format("source [{}] {} to fit the context ({} of {} characters)",
                                        r.number, source_fit_name(r.fit), r.chars_kept,
                                        r.chars_total));
    }
    if (prompt.history_dropped > 0) {
        out.notes.push_back(fmt::format("{} earlier message(s) of the conversation left out to "
                                        "fit the context",
                                        prompt.history_dropped));
    }
    if (options.keep_prefix) {
        const std::span<const ChatTurn> prefix(prompt.messages.data(), prompt.n_prefix_messages);
        // Only an optimization: a template that cannot render the prefix alone costs time,
        // not the answer.
        (void)model.keep_chat_prefix(prefix);
    }
    out.prompt_ms = ms_since(prompt_start);

    CitationFilter filter(given);
    bool keep_going = true;
    auto forward = [&](const std::string& text) {
        if (!text.empty() && sink && keep_going) keep_going = sink(text);
        return keep_going;
    };
    const double before_generation_ms = ms_since(start);
    OPENBOOK_ASSIGN_OR_RETURN(
        out.generation,
        model.chat(prompt.messages, options.generation,
                   [&](std::string_view piece) { return forward(filter.push(piece)); }));
    forward(filter.flush());
    // The generator times its first token from its own start (tokenizing, prefill, sampling).
    out.first_token_ms = before_generation_ms + out.generation.first_token_ms;

    const CitationResult& cited = filter.result();
    out.found = true;
    out.text = cited.text;
    for (const Citation& c : cited.citations) {
        out.citations.push_back({c.number, c.char_start, c.char_end});
    }
    for (const RemovedCitation& r : cited.removed) out.removed_citations.push_back(r.number);
    return out;
}

}  // namespace rag

Result<ModelAnswer> answer_with_model(Collection& collection, LanguageModel& model,
                                      const std::string& question,
                                      const ModelAskOptions& options, const TextSink& sink) {
    return rag::answer_grounded(collection, model, {question, question, {}}, options, sink);
}

}  // namespace openbook
