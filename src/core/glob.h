// Shell-style glob matching for --include / --exclude, on '/'-separated relative paths.
//
//   *      any run of characters except '/'
//   **     any run of characters including '/' ("**/" also matches no directory at all)
//   ?      one character except '/'
//   [abc] [a-z] [!a-z]   one character from (or not from) a set
// A pattern without '/' is matched against the last path component only (as .gitignore does:
// "*.md" matches "docs/a.md"); a pattern with '/' is matched against the whole path.
// Matching is on bytes (UTF-8 stays intact because no metacharacter is a continuation byte) and
// takes O(pattern × path) time at worst. Thread-safety: pure function.
#pragma once

#include <string_view>

namespace openbook::core {

bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace openbook::core
