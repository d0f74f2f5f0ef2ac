// Turning a chat's follow-up into a self-contained question for retrieval.
//
// "What are its drawbacks?" after a question about dropout retrieves nothing useful on its own;
// "What are the drawbacks of dropout?" does. The model that writes the answers rewrites the
// follow-up from the conversation (greedy, one line). Its output is checked before use: a
// rewrite that is empty, runs over several lines, is not valid UTF-8 or is far longer than the
// conversation warrants is rejected, and retrieval falls back to the previous search query plus
// the follow-up (the words of both usually find the right passages for a lexical search).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/generate.h"

namespace openbook::rag {

// Answers in the history are shortened to this many code points, questions (a pasted text
// may be long) to the second: the topic is what matters, and the rewrite prompt stays small.
inline constexpr size_t kRewriteAnswerChars = 400;
inline constexpr size_t kRewriteQuestionChars = 600;
// Most tokens the rewrite may take; a question is far shorter.
inline constexpr int64_t kRewriteMaxTokens = 96;

// The messages asking the model for the rewrite: a system instruction and one user message with
// the conversation (oldest first; the latest `max_turns` turns) and the follow-up.
std::vector<ChatTurn> rewrite_messages(const std::vector<ChatTurn>& history,
                                       std::string_view follow_up, size_t max_turns = 6);

// The model's output as a search query, or nullopt when it is unusable (see above). Strips a
// leading label the model may echo ("Standalone question:") and surrounding quotes.
std::optional<std::string> parse_rewrite(std::string_view output, std::string_view follow_up);

// The fallback query: the previous query and the follow-up.
std::string fallback_query(std::string_view previous_query, std::string_view follow_up);

}  // namespace openbook::rag
