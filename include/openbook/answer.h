// Answering a question from the collection: extractively (the sentences of the best passages
// that answer it, with numbered sources), or written by a local model from those passages, one
// question at a time or as a conversation (GroundedChat).
#pragma once

#include <string>
#include <vector>

#include <filesystem>
#include <optional>

#include "openbook/collection.h"
#include "openbook/generate.h"
#include "openbook/status.h"
#include "openbook/types.h"

namespace openbook {

struct AskOptions {
    size_t k = 5;              // passages retrieved and listed as sources
    size_t max_sentences = 3;  // sentences quoted in the answer
    std::string filter;        // path glob, as for search
    // How much of the question's weight (idf of its distinct terms) the best passage must
    // contain to count as relevant; below it, the answer says nothing relevant was found.
    // 0.35 separates on-topic from off-topic questions on the bundled examples in both
    // languages (tests/e2e and src/rag/extractive_answer_test.cpp); it is a heuristic.
    double min_coverage = 0.35;
};

struct AnswerSource {
    int number = 0;         // [number] in the answer
    SearchHit hit;          // document, headings, page, span, text, highlights
    double coverage = 0;    // share of the question's idf weight found in the passage
};

struct AnswerSentence {
    std::string text;
    int source = 0;          // the AnswerSource::number it comes from
    int64_t char_start = 0;  // span in the source document's text (code points)
    int64_t char_end = 0;
    double score = 0;        // share of the question's weight the sentence contains
};

struct Answer {
    std::string question;
    bool found = false;   // false: nothing relevant; `message` says so
    std::string message;
    std::vector<AnswerSentence> sentences;  // in source order, then text order
    std::vector<AnswerSource> sources;
    std::vector<std::string> notes;
    double seconds = 0;
};

Result<Answer> answer_extractive(Collection& collection, const std::string& question,
                                 const AskOptions& options = {});

// ---- answers written by a local model from the retrieved passages ----

struct ModelAskOptions {
    AskOptions retrieval;  // k, filter, and the relevance threshold below which no model runs
    std::string persona;   // the system prompt's persona ("" → a neutral default)
    std::filesystem::path examples_file;  // few-shot examples, JSONL {"question", "answer"}
    GenerationOptions generation;          // max_tokens is also the room kept for the answer
    // Most tokens the prompt (system, examples, history, sources, question) may take; 0: the
    // model's context minus generation.max_tokens. Larger than that is capped to it.
    int64_t prompt_budget = 0;
    // Most prompt tokens a chat's earlier turns may take; 0: a quarter of the prompt budget.
    int64_t history_budget = 0;
    // Widen each retrieved passage with up to this many chunks before and after it in its
    // document (0: off); passages that then overlap merge. Near-duplicate passages (a copy of
    // a better one) are dropped either way.
    int64_t neighbours = 0;
    // Evaluate the system prompt and examples once per model and reuse their K/V for every
    // later question (LanguageModel::keep_chat_prefix).
    bool keep_prefix = true;
};

struct AnswerCitation {
    int source = 0;          // the AnswerSource::number cited
    int64_t char_start = 0;  // the "[n]" marker in the answer text (code points)
    int64_t char_end = 0;
};

struct ModelAnswer {
    std::string question;
    bool found = false;    // false: the documents do not cover it; no model ran; see message
    std::string message;
    std::string text;      // the answer, citations validated ("[n]" only for sources given)
    std::vector<AnswerCitation> citations;
    std::vector<int> removed_citations;   // numbers the model made up, taken out of the text
    std::vector<AnswerSource> sources;    // the sources put in the prompt, numbered
    std::vector<std::string> notes;       // sources shortened or dropped to fit the context
    std::string language;                 // "en", "zh-Hant", "zh-Hans", "zh"
    GenerationResult generation;          // tokens and timings
    // What retrieval searched for: the question, or for a chat's follow-up the self-contained
    // question the model rewrote it into.
    std::string search_query;
    size_t history_turns = 0;          // earlier chat turns in the prompt
    size_t history_turns_dropped = 0;  // older turns left out to fit
    // Timings (ms): the parts of the time to the first answer token.
    double rewrite_ms = 0;        // rewriting a follow-up into a self-contained question
    double retrieval_ms = 0;      // search and relevance
    double prompt_ms = 0;         // building and fitting the prompt (tokenizing to count)
    double first_token_ms = 0;    // from the call to the first generated token, everything in
};

// Retrieves passages, builds a grounded prompt (persona, examples, numbered sources, the rule to
// answer only from them in the question's language and script, citing [n]) fitted to the
// model's context, and streams the model's answer to `sink` with invalid citations removed
// before they are shown.
Result<ModelAnswer> answer_with_model(Collection& collection, LanguageModel& model,
                                      const std::string& question,
                                      const ModelAskOptions& options, const TextSink& sink = {});

// A conversation about the collection. Each message is answered as answer_with_model does, with
// the earlier turns in the prompt (newest first within ModelAskOptions::history_budget; their
// citations taken out, since their numbers referred to other sources). A follow-up ("and in
// Chinese?", "它的缺點呢?") is first rewritten by the model into a self-contained question for
// retrieval; ModelAnswer::search_query shows it. When the rewrite is unusable (empty, or not a
// single line) or finds nothing relevant, retrieval searches the previous query and the message
// together.
//
// Thread-safety: one call at a time; the collection and model are used from the calling thread.
class GroundedChat {
public:
    GroundedChat(Collection& collection, LanguageModel& model, ModelAskOptions options);

    Result<ModelAnswer> ask(const std::string& message, const TextSink& sink = {});
    void reset();                       // forget the conversation
    size_t turns() const;               // messages answered since the last reset
    const ModelAnswer* last() const;    // the last answer (nullptr before the first)

private:
    Collection& collection_;
    LanguageModel& model_;
    ModelAskOptions options_;
    std::vector<ChatTurn> history_;  // user message / answer pairs, citations removed
    std::string last_query_;         // the previous search query (the rewrite's fallback)
    std::optional<ModelAnswer> last_;
    size_t turns_ = 0;
};

}  // namespace openbook
