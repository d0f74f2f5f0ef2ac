// Loaders turn a file's bytes into Documents. One loader per format, each in its own file
// (text_loader.cpp, markdown_loader.cpp, html_loader.cpp, pdf_loader.cpp, docx_loader.cpp,
// beir_jsonl_loader.cpp); load_file() dispatches on Format.
//
// Contract for every loader:
// - Input is the whole file as bytes; nothing is read from disk (so tests and fuzzers can feed
//   bytes directly). `name` is used only in messages.
// - Output text is valid UTF-8 (text formats are detected and converted via text::decode_to_utf8;
//   invalid sequences are repaired to U+FFFD and counted in warnings).
// - Structure is kept as Sections: headings → heading_path/heading_level, pages → page.
//   Block-level elements (paragraphs, list items, table rows, headings) are separated by "\n\n"
//   (a line break inside a block by "\n") so sentence splitting sees paragraph breaks.
// - Corrupt, truncated, encrypted or unparsable input returns an error Status (kCorrupt or
//   kUnsupported) whose message says what is wrong; a loader never crashes or aborts on input.
// - A file that yields no text at all returns a LoadedFile with no documents and a warning; the
//   pipeline reports it as empty.
// Thread-safety: loaders are pure functions of their input and may run concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/document.h"
#include "openbook/status.h"

namespace openbook::ingest {

struct LoadedFile {
    std::string encoding;  // of the source bytes: "UTF-8", "Big5", ... ; "binary" for pdf/docx
    std::vector<Document> documents;
    std::vector<std::string> warnings;  // non-fatal problems worth telling the user
};

Result<LoadedFile> load_file(Format format, std::string_view bytes, std::string_view name);

Result<LoadedFile> load_text(std::string_view bytes, std::string_view name);
Result<LoadedFile> load_markdown(std::string_view bytes, std::string_view name);
Result<LoadedFile> load_html(std::string_view bytes, std::string_view name);
Result<LoadedFile> load_pdf(std::string_view bytes, std::string_view name);
Result<LoadedFile> load_docx(std::string_view bytes, std::string_view name);
Result<LoadedFile> load_beir_jsonl(std::string_view bytes, std::string_view name);

}  // namespace openbook::ingest
