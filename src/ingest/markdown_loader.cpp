// Markdown (.md, .markdown): the text is kept as written (newlines normalized, YAML front matter
// moved to metadata), so a chunk's span points at the very characters of the file a reader sees.
// Structure comes from ATX headings ("## Title") and setext headings ("Title\n====="), ignoring
// anything inside fenced code blocks (where "# comment" is code, not a heading).
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "ingest/loader.h"
#include "ingest/structured_text.h"
#include "ingest/text_normalize.h"
#include "text/encoding.h"

namespace openbook::ingest {

namespace {

struct Line {
    size_t start = 0;
    size_t end = 0;  // excluding the '\n'
};

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back({start, end});
        start = end + 1;
    }
    return lines;
}

size_t leading_spaces(std::string_view line) {
    size_t n = 0;
    while (n < line.size() && line[n] == ' ') ++n;
    return n;
}

bool is_blank_line(std::string_view line) {
    return line.find_first_not_of(" \t") == std::string_view::npos;
}

// "```" or "~~~" (3 or more) after at most 3 spaces: returns the fence char and length.
std::pair<char, size_t> fence_of(std::string_view line) {
    size_t indent = leading_spaces(line);
    if (indent > 3 || indent >= line.size()) return {0, 0};
    char c = line[indent];
    if (c != '`' && c != '~') return {0, 0};
    size_t n = 0;
    while (indent + n < line.size() && line[indent + n] == c) ++n;
    return n >= 3 ? std::pair{c, n} : std::pair<char, size_t>{0, 0};
}

// ATX heading: level 1..6 and its title, or level 0.
std::pair<int, std::string> atx_heading(std::string_view line) {
    size_t indent = leading_spaces(line);
    if (indent > 3) return {0, {}};
    size_t n = 0;
    while (indent + n < line.size() && line[indent + n] == '#') ++n;
    if (n == 0 || n > 6) return {0, {}};
    size_t rest = indent + n;
    if (rest < line.size() && line[rest] != ' ' && line[rest] != '\t') return {0, {}};
    std::string_view title = rest < line.size() ? line.substr(rest) : std::string_view();
    // Optional closing sequence: " ##".
    size_t last = title.find_last_not_of(" \t");
    if (last != std::string_view::npos) {
        size_t hashes = last;
        while (hashes > 0 && title[hashes] == '#') --hashes;
        if (title[last] == '#' && (title[hashes] == ' ' || title[hashes] == '\t')) {
            title = title.substr(0, hashes);
        } else if (title[last] == '#' && hashes == 0 && title[0] == '#') {
            title = {};
        }
    }
    return {static_cast<int>(n), collapse_whitespace(title)};
}

// A setext underline ("===" → 1, "---" → 2), or 0.
int setext_level(std::string_view line) {
    size_t indent = leading_spaces(line);
    if (indent > 3 || indent >= line.size()) return 0;
    char c = line[indent];
    if (c != '=' && c != '-') return 0;
    size_t i = indent;
    while (i < line.size() && line[i] == c) ++i;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i != line.size()) return 0;
    return c == '=' ? 1 : 2;
}

// A line that can be the text of a setext heading: a plain paragraph line, not a list item,
// quote, table row or HTML block.
bool can_be_setext_text(std::string_view line) {
    if (is_blank_line(line) || leading_spaces(line) > 3) return false;
    std::string_view t = line.substr(leading_spaces(line));
    char c = t[0];
    if (c == '>' || c == '|' || c == '<' || c == '#') return false;
    if ((c == '-' || c == '*' || c == '+') && (t.size() == 1 || t[1] == ' ')) return false;
    return true;
}

// Splits off YAML front matter ("---" ... "---" or "...") at the very start of the file.
// Returns the front matter body and the offset where the document text starts.
std::pair<std::string, size_t> split_front_matter(std::string_view text) {
    if (text.substr(0, 4) != "---\n") return {{}, 0};
    size_t pos = 4;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (line == "---" || line == "...") {
            return {std::string(text.substr(4, pos - 4)), std::min(end + 1, text.size())};
        }
        pos = end + 1;
    }
    return {{}, 0};  // never closed: not front matter
}

std::string front_matter_title(std::string_view yaml) {
    size_t pos = 0;
    while (pos < yaml.size()) {
        size_t end = yaml.find('\n', pos);
        if (end == std::string_view::npos) end = yaml.size();
        std::string_view line = yaml.substr(pos, end - pos);
        if (line.substr(0, 6) == "title:") {
            std::string value = collapse_whitespace(line.substr(6));
            if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
                value.back() == value.front()) {
                value = value.substr(1, value.size() - 2);
            }
            return value;
        }
        pos = end + 1;
    }
    return {};
}

}  // namespace

Result<LoadedFile> load_markdown(std::string_view bytes, std::string_view name) {
    OPENBOOK_ASSIGN_OR_RETURN(auto decoded, text::decode_to_utf8(bytes));
    LoadedFile out;
    out.encoding = decoded.encoding;
    if (decoded.n_repaired > 0) out.warnings.push_back(repaired_warning(decoded.n_repaired));

    std::string all = normalize_newlines(decoded.utf8);
    auto [front_matter, body_start] = split_front_matter(all);
    Document doc;
    doc.text = all.substr(body_start);
    if (is_blank(doc.text)) {
        out.warnings.push_back(std::string(name) + ": no text");
        return out;
    }
    if (!front_matter.empty()) {
        doc.metadata_json = nlohmann::json{{"front_matter", front_matter}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

    const std::string_view text = doc.text;
    const auto lines = split_lines(text);
    std::vector<std::pair<int, std::string>> stack;  // open headings (level, title)
    std::string first_h1;
    std::string first_heading;
    char fence_char = 0;
    size_t fence_len = 0;

    auto open_section = [&](size_t start, size_t heading_end, int level, std::string title) {
        while (!stack.empty() && stack.back().first >= level) stack.pop_back();
        stack.emplace_back(level, title);
        if (level == 1 && first_h1.empty()) first_h1 = title;
        if (first_heading.empty()) first_heading = title;
        if (!doc.sections.empty()) doc.sections.back().byte_end = start;
        Section s;
        s.byte_start = start;
        s.heading_level = level;
        s.heading_bytes = heading_end - start;
        for (const auto& entry : stack) s.heading_path.push_back(entry.second);
        doc.sections.push_back(std::move(s));
    };

    for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = text.substr(lines[i].start, lines[i].end - lines[i].start);
        auto [fc, fl] = fence_of(line);
        if (fence_char != 0) {
            // A closing fence: same char, at least as long, nothing else on the line.
            if (fc == fence_char && fl >= fence_len &&
                is_blank_line(line.substr(leading_spaces(line) + fl))) {
                fence_char = 0;
            }
            continue;
        }
        if (fc != 0) {
            fence_char = fc;
            fence_len = fl;
            continue;
        }
        auto [level, title] = atx_heading(line);
        if (level > 0 && !title.empty()) {
            open_section(lines[i].start, lines[i].end, level, std::move(title));
            continue;
        }
        if (i + 1 < lines.size() && can_be_setext_text(line) &&
            (i == 0 || is_blank_line(text.substr(lines[i - 1].start,
                                                 lines[i - 1].end - lines[i - 1].start)))) {
            std::string_view next = text.substr(lines[i + 1].start,
                                                lines[i + 1].end - lines[i + 1].start);
            int setext = setext_level(next);
            if (setext > 0) {
                open_section(lines[i].start, lines[i + 1].end, setext, collapse_whitespace(line));
                ++i;
            }
        }
    }

    if (doc.sections.empty() || doc.sections.front().byte_start > 0) {
        Section lead;
        lead.byte_start = 0;
        lead.byte_end = doc.sections.empty() ? text.size() : doc.sections.front().byte_start;
        doc.sections.insert(doc.sections.begin(), std::move(lead));
    }
    doc.sections.back().byte_end = text.size();

    doc.title = !first_h1.empty() ? first_h1 : front_matter_title(front_matter);
    if (doc.title.empty()) doc.title = first_heading;
    out.documents.push_back(std::move(doc));
    return out;
}

}  // namespace openbook::ingest
