// Collection::chunks_of_document: a range of one document's chunks, dressed as search hits, so a
// retrieved hit can be widened with its neighbours (rag/source_expansion.h).
#include <fmt/format.h>

#include "collection/collection_impl.h"

namespace openbook {

Result<std::vector<SearchHit>> Collection::chunks_of_document(int64_t document_id,
                                                              int64_t first_ordinal,
                                                              int64_t last_ordinal) {
    OPENBOOK_ASSIGN_OR_RETURN(
        auto found, impl_->catalog->chunk_range(document_id, first_ordinal, last_ordinal));
    if (!found) {
        return Status::not_found(
            fmt::format("no document with id {} in {} (removed or re-ingested since it was found?)",
                        document_id, impl_->dir.string()));
    }
    const store::DocumentRecord& d = found->document;
    std::vector<SearchHit> out;
    out.reserve(found->chunks.size());
    for (auto& c : found->chunks) {
        SearchHit hit;
        hit.chunk_id = c.id;
        hit.document_id = d.id;
        hit.uri = d.uri;
        hit.path = d.display_path;
        hit.title = d.title;
        hit.external_id = d.external_id;
        hit.heading_path = std::move(c.heading_path);
        hit.page = c.page;
        hit.ordinal = c.ordinal;
        hit.char_start = c.char_start;
        hit.char_end = c.char_end;
        hit.text = std::move(c.text);
        out.push_back(std::move(hit));
    }
    return out;
}

}  // namespace openbook
