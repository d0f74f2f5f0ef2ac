// Builds a Document's text and Sections block by block, for loaders that parse structure
// (HTML, DOCX, PDF) rather than keep the file's own text.
//
// Blocks are joined with "\n\n"; a heading becomes its own block and opens a new Section whose
// heading_path is the stack of enclosing headings; start_page() opens a new Section on a new
// page that continues the current heading path. Not thread-safe (one builder per document).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/document.h"

namespace openbook::ingest {

class StructuredTextBuilder {
public:
    // A heading of `level` (1 = top; clamped to 1..9). Whitespace is collapsed; an empty title
    // is ignored.
    void add_heading(int level, std::string_view title);
    // A paragraph, list item, table row, ...: leading/trailing whitespace trimmed; empty ignored.
    // Inner line breaks are kept.
    void add_block(std::string_view block);
    // Following blocks are on page `page` (1-based).
    void start_page(int page);

    const std::string& text() const { return text_; }
    // The finished document (text and sections); the builder is left empty.
    Document finish();

private:
    void open_section(int heading_level, size_t heading_bytes);
    void append_separator();

    std::string text_;
    std::vector<Section> sections_;
    std::vector<std::pair<int, std::string>> heading_stack_;  // (level, title)
    int page_ = 0;
    bool page_pending_ = false;  // start_page() called, no block on the new page yet
};

// Collapses runs of whitespace (including newlines) to single spaces and trims both ends.
std::string collapse_whitespace(std::string_view text);

}  // namespace openbook::ingest
