// Internals of openbook::Collection shared by its source files (collection.cpp: open, queries,
// removal; ingest_pipeline.cpp: ingest and sync).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include <functional>
#include <unordered_map>

#include "collection/lexical_sync.h"
#include "core/file_lock.h"
#include "index/lexical/lexical_index.h"
#include "openbook/collection.h"
#include "store/catalog.h"
#include "text/analyzer.h"

namespace openbook {

struct Collection::Impl {
    std::filesystem::path dir;
    std::unique_ptr<store::Catalog> catalog;
    std::optional<core::FileLock> writer_lock;  // held only in kWrite mode
    std::unique_ptr<collection::LexicalSync> lexical;  // kWrite only

    // Search side, opened on first search and reopened when the catalog generation moves.
    std::unique_ptr<text::Analyzer> analyzer;
    std::unique_ptr<index::LexicalIndexReader> reader;
    uint64_t reader_generation = ~uint64_t{0};
    struct DocumentSummary {
        std::string uri, path, title, external_id;
    };
    std::unordered_map<int64_t, DocumentSummary> documents;  // by document id, for hits
    uint64_t documents_generation = ~uint64_t{0};

    Status require_writer(const char* operation) const;
    // Ends the open catalog transaction and publishes the index (see lexical_sync.h).
    Status commit() { return lexical->commit(*catalog); }
    // Runs body in one catalog transaction: committed (and the index published) when it
    // succeeds, rolled back when it fails.
    Status in_transaction(const std::function<Status()>& body) {
        OPENBOOK_RETURN_IF_ERROR(catalog->begin());
        Status s = body();
        if (!s.ok()) {
            (void)catalog->rollback();
            return s;
        }
        return commit();
    }
};

namespace collection {

inline constexpr const char* kCatalogFile = "catalog.db";
inline constexpr const char* kLockFile = "writer.lock";

DocumentInfo to_document_info(const store::DocumentRecord& d);

}  // namespace collection
}  // namespace openbook
