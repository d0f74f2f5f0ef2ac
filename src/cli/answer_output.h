// How answers are shown: the numbered source list, and the JSON of a model-written answer
// (shared by ask and chat).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "openbook/answer.h"

namespace openbook::cli {

// "[n] path — title > heading, page 3 (chars a-b)" per source; with `passages`, the passage text
// follows each line, indented.
void print_sources(const std::vector<AnswerSource>& sources, bool passages = false);

// question, found, message, answer, language, citations (char spans), removed_citations,
// sources (with retrieval scores), notes, search_query, history_turns, retrieval_ms,
// timings {rewrite_ms, retrieval_ms, prompt_ms, prefill_ms, first_token_ms, decode_ms,
// tokens_per_s}, generation {text, tokens, prompt_tokens, reused_prompt_tokens, ...}.
nlohmann::json model_answer_json(const ModelAnswer& answer);

// One line on stderr after an answer: notes, removed citations, tokens and timings.
void print_answer_summary(const ModelAnswer& answer);

}  // namespace openbook::cli
