#include "ingest/structured_text.h"

#include <algorithm>

#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::ingest {

namespace {

std::string_view trim(std::string_view s) {
    // Trims ASCII whitespace and U+00A0/U+3000 style spaces at both ends.
    size_t b = 0;
    while (b < s.size()) {
        size_t p = b;
        char32_t cp = text::decode_utf8(s, p);
        if (!text::is_space(cp)) break;
        b = p;
    }
    size_t e = s.size();
    while (e > b) {
        size_t start = e - 1;
        while (start > b && !text::is_code_point_boundary(s, start)) --start;
        size_t p = start;
        char32_t cp = text::decode_utf8(s, p);
        if (!text::is_space(cp)) break;
        e = start;
    }
    return s.substr(b, e - b);
}

}  // namespace

std::string collapse_whitespace(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t start = pos;
        char32_t cp = text::decode_utf8(text, pos);
        if (text::is_space(cp)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.append(text.substr(start, pos - start));
    }
    return out;
}

void StructuredTextBuilder::append_separator() {
    if (!text_.empty()) text_.append("\n\n");
}

void StructuredTextBuilder::open_section(int heading_level, size_t heading_bytes) {
    if (!sections_.empty()) sections_.back().byte_end = text_.size();
    Section s;
    s.byte_start = text_.size();
    s.byte_end = text_.size();
    for (const auto& [level, title] : heading_stack_) s.heading_path.push_back(title);
    s.heading_level = heading_level;
    s.heading_bytes = heading_bytes;
    s.page = page_;
    sections_.push_back(std::move(s));
}

void StructuredTextBuilder::add_heading(int level, std::string_view title) {
    std::string clean = collapse_whitespace(title);
    if (clean.empty()) return;
    level = std::clamp(level, 1, 9);
    while (!heading_stack_.empty() && heading_stack_.back().first >= level) heading_stack_.pop_back();
    heading_stack_.emplace_back(level, clean);
    append_separator();
    open_section(level, clean.size());
    page_pending_ = false;
    text_.append(clean);
}

void StructuredTextBuilder::add_block(std::string_view block) {
    std::string_view t = trim(block);
    if (t.empty()) return;
    append_separator();
    if (sections_.empty() || page_pending_) open_section(0, 0);
    page_pending_ = false;
    text_.append(t);
}

void StructuredTextBuilder::start_page(int page) {
    // The section opens with the page's first block, so an empty page leaves no trace.
    page_ = page;
    page_pending_ = true;
}

Document StructuredTextBuilder::finish() {
    if (!sections_.empty()) sections_.back().byte_end = text_.size();
    Document doc;
    doc.text = std::move(text_);
    // Drop empty sections (a page with no text, a heading followed by another page).
    for (auto& s : sections_) {
        if (s.byte_end > s.byte_start) doc.sections.push_back(std::move(s));
    }
    // Sections must cover the text: extend each to the start of the next, the last to the end.
    for (size_t i = 0; i + 1 < doc.sections.size(); ++i) {
        doc.sections[i].byte_end = doc.sections[i + 1].byte_start;
    }
    if (!doc.sections.empty()) {
        doc.sections.front().byte_start = 0;
        doc.sections.back().byte_end = doc.text.size();
    }
    text_.clear();
    sections_.clear();
    heading_stack_.clear();
    page_ = 0;
    page_pending_ = false;
    return doc;
}

}  // namespace openbook::ingest
