// Answering a question from the collection. For now extractively: the passages that best match,
// the sentences in them that best answer the question, and numbered sources. (Generated answers
// with a local model build on the same retrieval and citations.)
#pragma once

#include <string>
#include <vector>

#include "openbook/collection.h"
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

}  // namespace openbook
