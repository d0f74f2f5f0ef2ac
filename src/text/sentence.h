// Sentence splitting for English and Chinese (and mixed) text.
//
// A sentence ends after a terminal mark (. ! ? 。 ！ ？ ； … and full-width forms), together with
// any closing quotes or brackets that follow it (。」 ."), when whitespace, a CJK character or the
// end of text comes next; a blank line (paragraph break) also ends one. English abbreviations
// (Mr. e.g. i.e. etc. Fig. No. single initials) and decimals (3.14) do not end a sentence.
// Returned spans are byte offsets into the input, in order, non-overlapping; each starts at a
// non-space character that is not trailing punctuation (see is_trailing_punctuation) unless the
// text itself begins with one, and ends right after its last non-space character. Whitespace
// between sentences belongs to no span.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace openbook::text {

struct ByteSpan {
    size_t begin = 0;
    size_t end = 0;  // exclusive
    size_t size() const { return end - begin; }
    bool operator==(const ByteSpan&) const = default;
};

std::vector<ByteSpan> split_sentences(std::string_view text);

}  // namespace openbook::text
