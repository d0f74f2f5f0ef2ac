#include "ingest/loader.h"

namespace openbook::ingest {

Result<LoadedFile> load_file(Format format, std::string_view bytes, std::string_view name) {
    switch (format) {
        case Format::kText: return load_text(bytes, name);
        case Format::kMarkdown: return load_markdown(bytes, name);
        case Format::kHtml: return load_html(bytes, name);
        case Format::kPdf: return load_pdf(bytes, name);
        case Format::kDocx: return load_docx(bytes, name);
        case Format::kBeirJsonl: return load_beir_jsonl(bytes, name);
    }
    return Status::internal("unknown format");
}

}  // namespace openbook::ingest
