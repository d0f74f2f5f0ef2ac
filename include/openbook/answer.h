// Answering a question from the collection. For now extractively: the passages that best match,
// the sentences in them that best answer the question, and numbered sources. (Generated answers
// with a local model build on the same retrieval and citations.)
#pragma once

#include <string>
#include <vector>

#include <filesystem>

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
    double retrieval_ms = 0;
};

// Retrieves passages, builds a grounded prompt (persona, examples, numbered sources, the rule to
// answer only from them in the question's language and script, citing [n]) fitted to the
// model's context, and streams the model's answer to `sink` with invalid citations removed
// before they are shown.
Result<ModelAnswer> answer_with_model(Collection& collection, LanguageModel& model,
                                      const std::string& question,
                                      const ModelAskOptions& options, const TextSink& sink = {});

}  // namespace openbook
