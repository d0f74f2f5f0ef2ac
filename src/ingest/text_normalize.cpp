#include "ingest/text_normalize.h"

#include "ingest/structured_text.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::ingest {

std::string normalize_newlines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool is_blank(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        if (!text::is_space(text::decode_utf8(text, pos))) return false;
    }
    return true;
}

std::string first_line_title(std::string_view text) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string line = collapse_whitespace(text.substr(start, end - start));
        if (!line.empty()) {
            return text::count_code_points(line) <= 120 ? line : std::string();
        }
        start = end + 1;
    }
    return {};
}

std::string repaired_warning(size_t n_repaired) {
    return std::to_string(n_repaired) + " invalid byte sequence" + (n_repaired == 1 ? "" : "s") +
           " replaced by U+FFFD";
}

}  // namespace openbook::ingest
