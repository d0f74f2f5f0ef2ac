#include "rag/followup_rewrite.h"

#include <algorithm>

#include "text/utf8.h"

namespace openbook::rag {
namespace {

constexpr std::string_view kInstruction =
    "You rewrite the user's follow-up question so that it can be understood without the "
    "conversation, for a search in their documents. Replace pronouns and references (it, they, "
    "that, 它, 這個, 那个) with what they refer to in the conversation. Keep the language and "
    "script of the follow-up (English stays English; Traditional Chinese stays Traditional; "
    "Simplified stays Simplified). If the follow-up already stands alone, repeat it unchanged. "
    "Reply with the rewritten question only, on one line, without an answer.";

constexpr std::string_view kLabel = "Standalone question:";

std::string_view trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

// The first `n` code points of `s`, with " …" when cut.
std::string shorten(std::string_view s, size_t n) {
    if (text::count_code_points(s) <= n) return std::string(s);
    size_t bytes = 0;
    for (size_t i = 0; i < n && bytes < s.size(); ++i) {
        text::decode_utf8(s, bytes);
    }
    return std::string(s.substr(0, bytes)) + " …";
}

std::string one_line(std::string_view s) {
    std::string out(trim(s));
    std::replace(out.begin(), out.end(), '\n', ' ');
    std::replace(out.begin(), out.end(), '\r', ' ');
    return out;
}

}  // namespace

std::vector<ChatTurn> rewrite_messages(const std::vector<ChatTurn>& history,
                                       std::string_view follow_up, size_t max_turns) {
    std::string conversation = "Conversation:\n";
    const size_t first = history.size() > max_turns ? history.size() - max_turns : 0;
    for (size_t i = first; i < history.size(); ++i) {
        const ChatTurn& t = history[i];
        const bool user = t.role == "user";
        conversation += user ? "User: " : "Assistant: ";
        conversation += one_line(shorten(t.content, user ? kRewriteQuestionChars : kRewriteAnswerChars));
        conversation += "\n";
    }
    conversation += "\nFollow-up question: ";
    conversation += one_line(shorten(follow_up, kRewriteQuestionChars));
    conversation += "\n\n";
    conversation += kLabel;
    return {{"system", std::string(kInstruction)}, {"user", conversation}};
}

std::optional<std::string> parse_rewrite(std::string_view output, std::string_view follow_up) {
    std::string_view s = trim(output);
    if (s.substr(0, kLabel.size()) == kLabel) s = trim(s.substr(kLabel.size()));
    // Quotes around the whole question (ASCII or CJK corner brackets).
    for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"\"", "\""},
                               {"“", "”"},
                               {"「", "」"}}) {
        if (s.size() >= open.size() + close.size() && s.substr(0, open.size()) == open &&
            s.substr(s.size() - close.size()) == close) {
            s = trim(s.substr(open.size(), s.size() - open.size() - close.size()));
        }
    }
    if (s.empty() || !text::is_valid_utf8(s)) return std::nullopt;
    if (s.find('\n') != std::string_view::npos) return std::nullopt;
    // A question grows by the topic it names, not by paragraphs: more than 3× the follow-up
    // plus 200 code points is an answer or a ramble, not a question.
    const size_t limit = 3 * text::count_code_points(follow_up) + 200;
    if (text::count_code_points(s) > limit) return std::nullopt;
    return std::string(s);
}

std::string fallback_query(std::string_view previous_query, std::string_view follow_up) {
    std::string out(trim(previous_query));
    if (!out.empty()) out += " ";
    out += trim(follow_up);
    return out;
}

}  // namespace openbook::rag
