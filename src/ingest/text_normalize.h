// Small text clean-ups shared by the text-based loaders (txt, md, jsonl).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace openbook::ingest {

// "\r\n" and lone "\r" become "\n", so paragraph breaks look the same whatever the file's origin.
std::string normalize_newlines(std::string_view text);

// True when text has nothing but white space.
bool is_blank(std::string_view text);

// The first non-blank line, trimmed, when it is short enough to be a title (<= 120 code points);
// empty otherwise.
std::string first_line_title(std::string_view text);

// "N invalid byte sequence(s) replaced by U+FFFD".
std::string repaired_warning(size_t n_repaired);

}  // namespace openbook::ingest
