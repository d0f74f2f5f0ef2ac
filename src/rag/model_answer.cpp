// answer_with_model() (include/openbook/answer.h): retrieval and relevance as for the extractive
// answer, then a prompt fitted to the model's context, then the model's answer streamed through
// the citation filter.

#include <chrono>

#include <fmt/format.h>

#include "openbook/answer.h"
#include "rag/citations.h"
#include "rag/prompt_builder.h"
#include "rag/question_language.h"

namespace openbook {
namespace {

// Tokens a chat template typically adds around one message (role markers, newlines).
constexpr int64_t kMessageOverheadTokens = 8;

}  // namespace

Result<ModelAnswer> answer_with_model(Collection& collection, LanguageModel& model,
                                      const std::string& question,
                                      const ModelAskOptions& options, const TextSink& sink) {
    const auto start = std::chrono::steady_clock::now();
    ModelAnswer out;
    out.question = question;

    // The extractive pass retrieves, scores coverage and decides relevance; its sources are the
    // model's sources.
    OPENBOOK_ASSIGN_OR_RETURN(Answer retrieved,
                              answer_extractive(collection, question, options.retrieval));
    out.retrieval_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const rag::QuestionLanguage language =
        rag::detect_question_language(question, rag::opencc_script_evidence());
    out.language = rag::language_tag(language.language);
    if (!retrieved.found) {
        out.found = false;
        out.message = retrieved.message;
        out.sources = std::move(retrieved.sources);
        return out;
    }

    rag::PromptInput input;
    input.question = question;
    input.persona = options.persona;
    input.language = language;
    if (!options.examples_file.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(input.examples,
                                  rag::load_few_shot_examples(options.examples_file));
    }
    for (const AnswerSource& s : retrieved.sources) {
        input.sources.push_back(rag::prompt_source_from_hit(s.number, s.hit));
    }
    rag::PromptBudget budget;
    budget.count_tokens = [&model](std::string_view text) {
        return static_cast<int64_t>(model.tokenize(text, false, true).size());
    };
    budget.max_tokens = model.context_length() - options.generation.max_tokens;
    budget.message_overhead_tokens = kMessageOverheadTokens;
    if (budget.max_tokens <= 0) {
        return Status::invalid_argument(fmt::format(
            "the model's context ({} tokens) leaves no room for sources after {} answer tokens",
            model.context_length(), options.generation.max_tokens));
    }
    OPENBOOK_ASSIGN_OR_RETURN(rag::Prompt prompt, rag::build_prompt(input, budget));

    const std::vector<int> given = prompt.included_numbers();
    for (AnswerSource& s : retrieved.sources) {
        if (std::find(given.begin(), given.end(), s.number) != given.end()) {
            out.sources.push_back(std::move(s));
        }
    }
    for (const rag::SourceFitReport& r : prompt.sources) {
        if (r.fit == rag::SourceFit::kWhole) continue;
        out.notes.push_back(fmt::format("source [{}] {} to fit the context ({} of {} characters)",
                                        r.number, rag::source_fit_name(r.fit), r.chars_kept,
                                        r.chars_total));
    }

    rag::CitationFilter filter(given);
    bool keep_going = true;
    auto forward = [&](const std::string& text) {
        if (!text.empty() && sink && keep_going) keep_going = sink(text);
        return keep_going;
    };
    OPENBOOK_ASSIGN_OR_RETURN(
        out.generation,
        model.chat(prompt.messages, options.generation,
                   [&](std::string_view piece) { return forward(filter.push(piece)); }));
    forward(filter.flush());

    const rag::CitationResult& cited = filter.result();
    out.found = true;
    out.text = cited.text;
    for (const rag::Citation& c : cited.citations) {
        out.citations.push_back({c.number, c.char_start, c.char_end});
    }
    for (const rag::RemovedCitation& r : cited.removed) out.removed_citations.push_back(r.number);
    return out;
}

}  // namespace openbook
