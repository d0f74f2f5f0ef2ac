// Content hashing: XXH3-128, shown as 32 lowercase hex digits. Used to tell whether a file or a
// document changed since it was ingested (not for security). Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace openbook::core {

std::string content_hash(std::string_view bytes);

}  // namespace openbook::core
