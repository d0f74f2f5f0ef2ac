#include "rag/prompt_builder.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "text/sentence.h"
#include "text/utf8.h"

namespace openbook::rag {
namespace {

constexpr std::string_view kDefaultPersona =
    "You are openbook, an assistant that answers questions from the user's own documents.";

constexpr std::string_view kRules =
    "Answer the user's question using only the numbered sources in their message.\n"
    "- Use only what the sources say. Do not add facts from elsewhere, and do not guess.\n"
    "- After each claim, cite the source it comes from with its number in square brackets, like "
    "[1] or [1][3]. Cite only the numbers of the sources given.\n"
    "- If the sources do not contain the answer, say plainly that the documents do not contain "
    "it.\n"
    "- Answer in the language of the question, and for Chinese in its script: Traditional "
    "Chinese (繁體中文) for a Traditional question, Simplified Chinese (简体中文) for a "
    "Simplified one, even when the sources are written in the other script.";

constexpr std::string_view kQuestionLabel = "Question: ";
constexpr std::string_view kShortenedMark = " …";

std::string_view trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

std::string source_header(const PromptSource& source) {
    std::string out = "[";  // built in steps: g++ 12 warns falsely (-Wrestrict) on a + chain
    out += std::to_string(source.number);
    out += ']';
    std::string label(trim(source.title));
    for (const auto& heading : source.heading_path) {
        std::string_view h = trim(heading);
        if (h.empty()) continue;
        if (!label.empty()) label += " › ";
        label += h;
    }
    if (!label.empty()) out += " " + label;
    if (source.page > 0) {
        out += " (p. ";
        out += std::to_string(source.page);
        out += ')';
    }
    return out;
}

// A source as it goes into the prompt: its number and the text chosen for it.
struct Placed {
    const PromptSource* source = nullptr;
    std::string text;
};

std::string user_message(const std::vector<Placed>& placed, std::string_view question,
                         AnswerLanguage language) {
    std::string out = "Sources:\n\n";
    if (placed.empty()) out += "(none)\n\n";
    for (const auto& p : placed) {
        out += source_header(*p.source);
        out += "\n";
        out += p.text;
        out += "\n\n";
    }
    out += kQuestionLabel;
    out += trim(question);
    out += "\n\n";
    out += answer_language_instruction(language);
    return out;
}

}  // namespace

const char* source_fit_name(SourceFit fit) {
    switch (fit) {
        case SourceFit::kWhole: return "whole";
        case SourceFit::kShortened: return "shortened";
        case SourceFit::kDropped: return "dropped";
    }
    return "?";
}

std::vector<int> Prompt::included_numbers() const {
    std::vector<int> out;
    for (const auto& s : sources) {
        if (s.fit != SourceFit::kDropped) out.push_back(s.number);
    }
    return out;
}

Result<std::vector<FewShotExample>> parse_few_shot_examples(std::string_view jsonl,
                                                            std::string_view name) {
    std::vector<FewShotExample> out;
    size_t line_no = 0;
    for (size_t begin = 0; begin <= jsonl.size();) {
        size_t end = jsonl.find('\n', begin);
        if (end == std::string_view::npos) end = jsonl.size();
        std::string_view line = jsonl.substr(begin, end - begin);
        begin = end + 1;
        ++line_no;
        if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
        if (trim(line).empty()) continue;
        auto where = std::string(name) + ":" + std::to_string(line_no) + ": ";
        auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded()) return Status::invalid_argument(where + "not valid JSON");
        if (!json.is_object()) {
            return Status::invalid_argument(where +
                                            "expected an object {\"question\": ..., "
                                            "\"answer\": ...}");
        }
        FewShotExample example;
        for (auto [key, field] :
             {std::pair{"question", &example.question}, std::pair{"answer", &example.answer}}) {
            auto it = json.find(key);
            if (it == json.end() || !it->is_string()) {
                return Status::invalid_argument(where + "\"" + key + "\" must be a string");
            }
            *field = std::string(trim(it->get_ref<const std::string&>()));
            if (field->empty() || !text::is_valid_utf8(*field)) {
                return Status::invalid_argument(where + "\"" + key +
                                                "\" must be non-empty UTF-8 text");
            }
        }
        out.push_back(std::move(example));
    }
    return out;
}

Result<std::vector<FewShotExample>> load_few_shot_examples(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::not_found("cannot read few-shot examples file " + path.string());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return Status::io_error("reading few-shot examples file " + path.string());
    return parse_few_shot_examples(buffer.str(), path.string());
}

PromptSource prompt_source_from_hit(int number, const SearchHit& hit) {
    PromptSource s;
    s.number = number;
    s.title = hit.title;
    if (trim(s.title).empty()) s.title = std::filesystem::path(hit.path).filename().string();
    s.heading_path = hit.heading_path;
    if (!s.heading_path.empty() && trim(s.heading_path.front()) == trim(s.title)) {
        s.heading_path.erase(s.heading_path.begin());
    }
    s.page = hit.page;
    s.text = hit.text;
    return s;
}

std::string system_prompt(std::string_view persona) {
    std::string out(trim(persona).empty() ? kDefaultPersona : trim(persona));
    out += "\n\n";
    out += kRules;
    return out;
}

Result<Prompt> build_prompt(const PromptInput& input, const PromptBudget& budget) {
    if (!budget.count_tokens) return Status::invalid_argument("build_prompt: no token counter");
    if (budget.max_tokens <= 0 || budget.message_overhead_tokens < 0) {
        return Status::invalid_argument("the prompt budget must be positive, not " +
                                        std::to_string(budget.max_tokens) + " tokens");
    }
    if (trim(input.question).empty()) return Status::invalid_argument("the question is empty");
    std::set<int> numbers;
    for (const auto& s : input.sources) {
        if (s.number <= 0 || !numbers.insert(s.number).second) {
            return Status::invalid_argument("source numbers must be positive and distinct (" +
                                            std::to_string(s.number) + ")");
        }
    }

    Prompt prompt;
    prompt.language = input.language ? *input.language : detect_question_language(input.question);
    auto count = [&](const std::string& content) {
        return budget.count_tokens(content) + budget.message_overhead_tokens;
    };

    prompt.messages.push_back({"system", system_prompt(input.persona)});
    for (const auto& example : input.examples) {
        prompt.messages.push_back({"user", std::string(kQuestionLabel) + example.question});
        prompt.messages.push_back({"assistant", example.answer});
    }
    prompt.n_prefix_messages = prompt.messages.size();
    for (const auto& m : prompt.messages) prompt.prefix_tokens += count(m.content);

    std::vector<Placed> placed;
    auto total_with = [&](const std::vector<Placed>& p) {
        return prompt.prefix_tokens + prompt.history_tokens +
               count(user_message(p, input.question, prompt.language.language));
    };
    const int64_t bare = total_with(placed);
    if (bare > budget.max_tokens) {
        int64_t question_tokens = bare - prompt.prefix_tokens;
        return Status::invalid_argument(
            "the prompt does not fit the budget of " + std::to_string(budget.max_tokens) +
            " tokens even without sources: the system prompt and examples take " +
            std::to_string(prompt.prefix_tokens) + ", the question " +
            std::to_string(question_tokens) + "; allow a larger context or a shorter persona");
    }

    // History, newest first, in whole turns, within its own cap and what the question leaves.
    const int64_t history_room =
        std::min(budget.history_max_tokens, budget.max_tokens - bare);
    size_t first_kept = input.history.size();
    while (first_kept > 0) {
        const int64_t turn = count(input.history[first_kept - 1].content);
        if (prompt.history_tokens + turn > history_room) break;
        prompt.history_tokens += turn;
        --first_kept;
    }
    // A kept history starts with a user turn, as chat templates expect after the prefix.
    while (first_kept < input.history.size() && input.history[first_kept].role != "user") {
        prompt.history_tokens -= count(input.history[first_kept].content);
        ++first_kept;
    }
    for (size_t i = first_kept; i < input.history.size(); ++i) {
        prompt.messages.push_back(input.history[i]);
    }
    prompt.history_kept = input.history.size() - first_kept;
    prompt.history_dropped = first_kept;

    for (const auto& source : input.sources) {
        SourceFitReport report;
        report.number = source.number;
        std::string_view whole = trim(source.text);
        report.chars_total = static_cast<int64_t>(text::count_code_points(whole));

        placed.push_back({&source, std::string(whole)});
        if (total_with(placed) <= budget.max_tokens) {
            report.fit = SourceFit::kWhole;
            report.chars_kept = report.chars_total;
            prompt.sources.push_back(report);
            continue;
        }
        // The longest run of whole sentences that fits: binary search over how many sentences
        // are kept (more sentences, more tokens), each candidate measured as it would be sent.
        auto spans = text::split_sentences(whole);
        auto cut = [&](size_t n_sentences) {
            return std::string(whole.substr(0, spans[n_sentences - 1].end)) +
                   std::string(kShortenedMark);
        };
        size_t lo = 0;                                     // sentences known to fit (0: none)
        size_t hi = spans.empty() ? 0 : spans.size() - 1;  // all of them is the whole text
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            placed.back().text = cut(mid);
            if (total_with(placed) <= budget.max_tokens) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0) {
            placed.pop_back();
            report.fit = SourceFit::kDropped;
        } else {
            placed.back().text = cut(lo);
            report.fit = SourceFit::kShortened;
            report.chars_kept =
                static_cast<int64_t>(text::count_code_points(whole.substr(0, spans[lo - 1].end)));
        }
        prompt.sources.push_back(report);
    }

    prompt.messages.push_back(
        {"user", user_message(placed, input.question, prompt.language.language)});
    prompt.total_tokens =
        prompt.prefix_tokens + prompt.history_tokens + count(prompt.messages.back().content);
    if (prompt.total_tokens > budget.max_tokens) {  // a counter that is not a function of its input
        return Status::internal("prompt budget fitting exceeded its budget");
    }
    return prompt;
}

}  // namespace openbook::rag
