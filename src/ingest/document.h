// What a loader makes of a file: one or more Documents, each with its extracted text and the
// structure (headings, pages) the chunker needs to cut it well.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openbook::ingest {

enum class Format { kText, kMarkdown, kHtml, kPdf, kDocx, kBeirJsonl };

// "text", "markdown", "html", "pdf", "docx", "beir-jsonl": the names stored in the catalog.
const char* format_name(Format format);
std::optional<Format> format_from_name(std::string_view name);

// The format a file name's extension announces (case-insensitive): .txt .text → text,
// .md .markdown → markdown, .html .htm .xhtml → html, .pdf, .docx, .jsonl → beir-jsonl.
std::optional<Format> format_from_extension(std::string_view filename);

// A run of the extracted text under one heading (and, for paged formats, on one page).
// Sections of a document are in order, do not overlap and together cover its text.
struct Section {
    size_t byte_start = 0;  // [byte_start, byte_end) in Document::text
    size_t byte_end = 0;
    // Titles of the enclosing headings, outermost first; empty before the first heading.
    std::vector<std::string> heading_path;
    // Level of the heading that opens this section (1 = top level), 0 when it opens with none
    // (the text before the first heading, or a new page continuing the previous section).
    int heading_level = 0;
    // Bytes at the start of the section taken by the heading line itself (0 when none).
    size_t heading_bytes = 0;
    int page = 0;  // 1-based page number for paged formats (PDF), 0 otherwise
};

struct Document {
    std::string external_id;  // e.g. BEIR "_id"; empty for whole-file documents
    std::string title;        // may be empty; the pipeline falls back to the file name
    std::string text;         // extracted text, valid UTF-8
    std::vector<Section> sections;
    std::string metadata_json = "{}";  // format-specific extras, a JSON object
};

// One section spanning the whole text: for formats without structure.
std::vector<Section> single_section(const std::string& text);

}  // namespace openbook::ingest
