// Plain text (.txt): decoded to UTF-8, newlines normalized, kept whole as one section.
#include "ingest/loader.h"
#include "ingest/text_normalize.h"
#include "text/encoding.h"

namespace openbook::ingest {

Result<LoadedFile> load_text(std::string_view bytes, std::string_view name) {
    OPENBOOK_ASSIGN_OR_RETURN(auto decoded, text::decode_to_utf8(bytes));
    LoadedFile out;
    out.encoding = decoded.encoding;
    if (decoded.n_repaired > 0) out.warnings.push_back(repaired_warning(decoded.n_repaired));
    Document doc;
    doc.text = normalize_newlines(decoded.utf8);
    if (is_blank(doc.text)) {
        out.warnings.push_back(std::string(name) + ": no text");
        return out;
    }
    doc.title = first_line_title(doc.text);
    doc.sections = single_section(doc.text);
    out.documents.push_back(std::move(doc));
    return out;
}

}  // namespace openbook::ingest
