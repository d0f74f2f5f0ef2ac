// The one path every model-written answer takes (answer_with_model and GroundedChat): retrieve
// for the search query, decide relevance, build the prompt with the history and the sources
// fitted to the context, keep the question-independent prefix's K/V, stream the answer through
// the citation filter.
#pragma once

#include <string>
#include <vector>

#include "openbook/answer.h"

namespace openbook::rag {

struct GroundedRequest {
    std::string question;         // as asked: the prompt's question and its language
    std::string search_query;     // what retrieval searches for ("" → the question)
    std::vector<ChatTurn> history;  // earlier turns, oldest first
};

Result<ModelAnswer> answer_grounded(Collection& collection, LanguageModel& model,
                                    const GroundedRequest& request,
                                    const ModelAskOptions& options, const TextSink& sink);

}  // namespace openbook::rag
