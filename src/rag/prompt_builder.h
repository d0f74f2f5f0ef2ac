// The chat messages for a grounded, cited answer: a system prompt (persona and rules), optional
// few-shot examples, and one last user message holding the numbered sources and the question.
//
// Layout, and why:
// - messages[0] is the system prompt; then each few-shot example as a user/assistant pair. This
//   prefix is the same bytes for every question (nothing about the question or its sources is in
//   it), so a runtime can evaluate it once and reuse its KV cache. Prompt::n_prefix_messages
//   says where it ends.
// - Then the conversation so far (a chat's earlier questions and answers, without their
//   sources), newest turns kept first within PromptBudget::history_max_tokens; older turns that
//   do not fit are left out whole (never cut mid-turn) and counted in Prompt::history_dropped.
// - The last message (user) holds the sources, "[n] title › heading › subheading (p. 3)" and the
//   text, then the question, then the instruction to answer in the question's language and
//   script (question_language.h), which is why that instruction is not in the system prompt.
//
// Budget fitting: the token counter measures each message as it will be sent (so tokenizers that
// merge across piece boundaries are counted right), plus message_overhead_tokens per message for
// the chat template's markers. Sources are taken in the order given (best first): each goes in
// whole if it fits, otherwise its longest prefix of whole sentences that fits (marked with " …"),
// otherwise it is dropped; later, smaller sources may still fit. The result never exceeds the
// budget; when the prefix and the question alone do not fit, the build fails with
// kInvalidArgument saying how many tokens each part takes. The prompt keeps the given source
// numbers, so a dropped source leaves a gap ([1], [3]); Prompt::included_numbers() is the list
// to validate citations against.
//
// Thread-safety: pure functions (the token counter is called from the calling thread only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/generate.h"
#include "openbook/status.h"
#include "openbook/types.h"
#include "rag/question_language.h"

namespace openbook::rag {

struct FewShotExample {
    std::string question;
    std::string answer;
};

// JSONL, one {"question": "...", "answer": "..."} object per line; blank lines are skipped, other
// keys ignored. Errors name the file (or `name`) and the 1-based line.
Result<std::vector<FewShotExample>> load_few_shot_examples(const std::filesystem::path& path);
Result<std::vector<FewShotExample>> parse_few_shot_examples(std::string_view jsonl,
                                                            std::string_view name);

struct PromptSource {
    int number = 0;  // [number] in the prompt and in citations; > 0, distinct
    std::string title;
    std::vector<std::string> heading_path;
    int64_t page = 0;  // 1-based; 0: no page
    std::string text;
};

// A retrieved chunk as a source: its document title (the path's file name when it has none),
// heading path (minus a first heading that repeats the title), page and text.
PromptSource prompt_source_from_hit(int number, const SearchHit& hit);

using TokenCounter = std::function<int64_t(std::string_view)>;

struct PromptInput {
    std::string question;
    std::string persona;  // empty: a neutral default ("You answer questions from ...")
    std::vector<FewShotExample> examples;
    std::vector<PromptSource> sources;  // best first: earlier sources are kept in preference
    // The answer's language; empty: detect_question_language(question) with the built-in table.
    std::optional<QuestionLanguage> language;
    // Earlier turns of a conversation, oldest first, alternating user / assistant.
    std::vector<ChatTurn> history;
};

struct PromptBudget {
    TokenCounter count_tokens;            // required
    int64_t max_tokens = 0;               // the context length minus the room kept for the answer
    int64_t message_overhead_tokens = 0;  // template tokens around each message's content
    // Most tokens the conversation history may take (0: none kept). Sources get what is left.
    int64_t history_max_tokens = 0;
};

enum class SourceFit { kWhole, kShortened, kDropped };
const char* source_fit_name(SourceFit fit);  // "whole", "shortened", "dropped"

struct SourceFitReport {
    int number = 0;
    SourceFit fit = SourceFit::kWhole;
    int64_t chars_total = 0;  // code points of the source text
    int64_t chars_kept = 0;   // code points of it in the prompt (0 when dropped)
};

struct Prompt {
    std::vector<ChatTurn> messages;
    size_t n_prefix_messages = 0;  // system + few-shot turns: the question-independent prefix
    std::vector<SourceFitReport> sources;  // one per input source, in input order
    QuestionLanguage language;
    size_t history_kept = 0;     // history turns in messages (after the prefix)
    size_t history_dropped = 0;  // older history turns left out to fit
    int64_t prefix_tokens = 0;   // counted, overhead included
    int64_t history_tokens = 0;  // counted, overhead included
    int64_t total_tokens = 0;   // <= PromptBudget::max_tokens

    // The numbers of the sources in the prompt (whole or shortened), in prompt order.
    std::vector<int> included_numbers() const;
};

// The system prompt alone (persona + rules), as build_prompt puts it in messages[0].
std::string system_prompt(std::string_view persona);

Result<Prompt> build_prompt(const PromptInput& input, const PromptBudget& budget);

}  // namespace openbook::rag
