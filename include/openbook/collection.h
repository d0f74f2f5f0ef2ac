// A collection: a directory holding the catalog of ingested documents (and, later, the indexes
// derived from it). This is the public API the command line and the server use.
//
// Directory: --index DIR, else $OPENBOOK_INDEX, else ./.openbook (default_collection_dir()).
// Layout: catalog.db (SQLite, WAL: the source of truth) and writer.lock.
//
// Concurrency: one writer at a time across processes (a lock file; a second writer gets kBusy
// with a clear message, never waits silently), any number of readers alongside it. A process
// killed at any moment leaves every document either fully old or fully new.
//
// Thread-safety: a Collection object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "openbook/status.h"
#include "openbook/types.h"

namespace openbook {

// $OPENBOOK_INDEX when set and non-empty, else "./.openbook".
std::filesystem::path default_collection_dir();

class Collection {
public:
    enum class Mode { kRead, kWrite };
    using ProgressCallback = std::function<void(const IngestProgress&)>;

    // kWrite creates the directory and catalog on first use and takes the writer lock;
    // kRead fails with kNotFound (and a hint to ingest first) when there is no collection.
    static Result<std::unique_ptr<Collection>> open(const std::filesystem::path& dir, Mode mode);
    ~Collection();

    const std::filesystem::path& directory() const;

    // Adds or updates the files and folders in `paths` (recursively). Unchanged files (same
    // content hash) cost a stat or a read and hash, nothing more. A file that fails is reported
    // and the rest go on; what was stored before for a failing file is kept. Needs kWrite.
    Result<IngestReport> ingest(const std::vector<std::string>& paths, const IngestOptions& options,
                                const ProgressCallback& progress = {});

    // ingest(), then removes the documents of files under `paths` that no longer exist.
    Result<IngestReport> sync(const std::vector<std::string>& paths, const IngestOptions& options,
                              const ProgressCallback& progress = {});

    // Removes documents by uri, by path as given at ingest, by absolute path, or every document
    // under a folder. Returns the uris removed; a target that matches nothing is kNotFound
    // (and nothing is removed). Needs kWrite.
    Result<std::vector<std::string>> remove(const std::vector<std::string>& targets);

    // Ranked chunks for a free-text query (English, Chinese or mixed). An empty query or one
    // with no searchable terms (only punctuation) returns no hits and a note, not an error.
    // Searching never waits for a running ingest: it reads the last published index. When the
    // index is missing or damaged it is rebuilt from the catalog (if no writer is running).
    Result<SearchResult> search(const std::string& query, const SearchRequest& request = {});

    // The chunks of one document with first_ordinal <= ordinal <= last_ordinal (inclusive),
    // in ordinal order: for widening a search hit with its neighbouring chunks. The range is
    // clamped to the document (ordinals run from 0 to n_chunks - 1), so [hit - 1, hit + 1] at
    // either end yields the chunks that exist; a range outside the document, or with
    // first_ordinal > last_ordinal, yields none. Each chunk is filled like a search hit (uri,
    // path, title, external_id, heading_path, page, ordinal, char_start/char_end, text,
    // chunk_id, document_id) with score 0 and no highlights. An unknown document id (e.g. one
    // removed since the search) is kNotFound. One indexed catalog query: its cost is the chunks
    // returned, not the document's size.
    Result<std::vector<SearchHit>> chunks_of_document(int64_t document_id, int64_t first_ordinal,
                                                      int64_t last_ordinal);

    // The stemming language of the collection's search terms (see IngestOptions::language).
    Result<std::string> language();

    Result<std::vector<DocumentInfo>> list_documents();
    // DOC: a uri, the path as given at ingest, or its absolute path ("file#id" for corpus lines).
    Result<DocumentView> show_document(const std::string& doc);
    Result<CollectionStats> stats();

private:
    Status set_language(const std::string& language);  // ingest --language
    struct Impl;
    explicit Collection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook
