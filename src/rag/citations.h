// Citation markers in a generated answer: parsed, checked against the sources the prompt gave,
// and rewritten so that only valid ones are ever shown.
//
// A bracket group is a citation when it holds nothing but source numbers: [1], [1, 2], [1,2,3],
// [1][2], [1-3] (also 1–3), with separators , ， 、 ; and spaces; full-width brackets ［1］ and
// lenticular brackets 【1】 and full-width digits count as well. [Note], [a] or [1a] are text
// and pass through untouched.
//
// Every citation group is rewritten as one [n] per valid number ([1, 2] → [1][2], 【3】 → [3],
// [2-4] → [2][3][4] when all are valid), so each citation has a span of its own. Numbers that
// were not given are removed and reported; a group left with no valid number disappears with
// the spaces before it ("text [7]." → "text."), and a space is put back when a word follows
// ("a [7] b" → "a b").
//
// CitationFilter works on streamed text: it releases text only when no bracket group is open,
// so an invalid number is never printed, not even for a moment. Text that is not a citation is
// released as soon as that is certain; a group is held back for at most kMaxGroupBytes bytes.
// clean_citations() runs the same filter over a whole text, so the two always agree.
//
// Thread-safety: a CitationFilter is used by one thread at a time; clean_citations is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace openbook::rag {

struct Citation {
    int number = 0;           // the source number, one of the valid numbers
    size_t source_index = 0;  // its position in the valid numbers given (e.g. Prompt::sources)
    int64_t char_start = 0;   // the "[n]" marker in the cleaned text, code points [start, end)
    int64_t char_end = 0;
};

struct RemovedCitation {
    int number = 0;           // the number not given (for a range, its first number)
    int number_last = 0;      // == number, or the last number of a range such as [5-9]
    int64_t char_offset = 0;  // where its group began in the text as generated, in code points
};

struct CitationResult {
    std::string text;  // the answer with valid citations as [n] and invalid ones removed
    std::vector<Citation> citations;  // in text order
    std::vector<RemovedCitation> removed;

    // The distinct numbers cited, in order of first citation (for the list of sources shown).
    std::vector<int> cited_numbers() const;
};

class CitationFilter {
public:
    static constexpr size_t kMaxGroupBytes = 64;

    // valid_numbers: the source numbers the prompt showed; Citation::source_index indexes it.
    explicit CitationFilter(std::vector<int> valid_numbers);

    // Takes the next piece of generated text (any bytes; a UTF-8 sequence split across pieces is
    // joined) and returns the text that can be shown now.
    std::string push(std::string_view piece);
    // The end of the text: releases what is still held and returns it. A group cut off by the
    // end ("... [1") is dropped when it holds a number, released as text otherwise ("[").
    std::string flush();

    // Everything released so far, and the citations and removals seen so far.
    const CitationResult& result() const { return result_; }

private:
    void process(char32_t cp, std::string_view bytes, std::string& out);
    void emit(std::string_view bytes, std::string& out);
    void release_group_as_text(std::string& out);
    void close_group(std::string& out);

    std::vector<int> valid_;
    CitationResult result_;
    std::string partial_utf8_;    // an incomplete UTF-8 sequence at the end of the last piece
    std::string held_spaces_;     // spaces that a removed citation right after them would take
    bool after_removed_ = false;  // a group was just removed; held_spaces_ wait for the next char
    bool in_group_ = false;
    std::string group_;         // the bytes of the open group, opener included
    int64_t group_offset_ = 0;  // its start in the input, code points
    int64_t input_chars_ = 0;
    int64_t output_chars_ = 0;
};

// The whole text through a CitationFilter.
CitationResult clean_citations(std::string_view text, const std::vector<int>& valid_numbers);

}  // namespace openbook::rag
