// Real documents made by tests: small but valid PDF and DOCX files, so every loader and the whole
// pipeline are exercised on the formats as other programs write them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace openbook::testing {

// A valid PDF 1.4 with one page per entry of `page_contents` (raw content streams; see
// pdf_text_line), the standard Helvetica font (WinAnsi), an Info /Title when `title` is
// non-empty, and an xref table with the real byte offsets.
std::string make_pdf(const std::vector<std::string>& page_contents, const std::string& title);

// A content-stream fragment drawing one line of Latin-1 text at (x, y) points.
std::string pdf_text_line(const std::string& text, int x = 72, int y = 720, int size = 12);

// A zip archive (deflated entries) with the given entry name → content.
std::string make_zip(const std::map<std::string, std::string>& entries);

// A minimal Word document: paragraphs as (heading level, text); level 0 is body text, 1..9 use
// the built-in "Heading N" styles. `title` goes to docProps/core.xml when non-empty.
std::string make_docx(const std::vector<std::pair<int, std::string>>& paragraphs,
                      const std::string& title);

}  // namespace openbook::testing
