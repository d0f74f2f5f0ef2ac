// The catalog: a collection's source of truth, in SQLite (WAL mode).
//
//   collections ─< sources ─< documents ─< chunks
//
// A *source* is a file that was ingested (absolute path, content hash, size, mtime, format,
// encoding). It yields one or more *documents* (one per file, or one per line of a BEIR corpus),
// each with its extracted text, and each document is cut into *chunks* with their exact spans.
// Everything a source yields is replaced in one transaction (replace_source), so readers and a
// process killed at any moment see a source either fully old or fully new.
//
// Schema changes are numbered migrations applied at open in read-write mode (PRAGMA
// user_version); a catalog from a newer openbook is refused with a clear message.
//
// Thread-safety: one Catalog per thread. Any number of processes may read while one writes
// (SQLite WAL); the single-writer rule is enforced above this layer (collection's lock file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"
#include "store/sqlite.h"

namespace openbook::store {

inline constexpr int kSchemaVersion = 2;

struct SourceRecord {
    int64_t id = 0;
    std::string path;          // absolute, lexically normal
    std::string display_path;  // as the user gave it at ingest
    std::string content_hash;  // of the file's bytes; empty forces the next ingest to re-read it
    int64_t size = 0;          // bytes
    int64_t mtime_ns = 0;
    std::string format;    // ingest::format_name
    std::string encoding;  // of the file's bytes
    int64_t ingested_at = 0;  // Unix seconds
};

struct ChunkRecord {
    int64_t id = 0;
    int64_t document_id = 0;
    int64_t ordinal = 0;  // 0-based position in the document
    std::string text;
    std::vector<std::string> heading_path;
    int64_t page = 0;  // 0: the format has no pages
    int64_t char_start = 0;
    int64_t char_end = 0;
    int64_t byte_start = 0;
    int64_t byte_end = 0;
    int64_t token_estimate = 0;
};

struct DocumentRecord {
    int64_t id = 0;
    int64_t source_id = 0;
    std::string uri;          // unique: the source path, or "path#external_id" for corpus lines
    std::string external_id;  // e.g. BEIR _id; empty for whole files
    std::string title;
    std::string format;
    std::string encoding;
    std::string content_hash;  // of the extracted text
    int64_t size = 0;          // bytes of the source this document came from
    int64_t mtime_ns = 0;
    std::string metadata_json = "{}";
    std::string text;  // extracted text; filled only where asked for (see with_text)
    int64_t n_chars = 0;
    int64_t n_chunks = 0;  // filled by queries
    std::string display_path;  // of its source
};

struct NewDocument {
    DocumentRecord document;
    std::vector<ChunkRecord> chunks;
};

// One document's identity (no text) and a range of its chunks: see Catalog::chunk_range.
struct DocumentChunks {
    DocumentRecord document;
    std::vector<ChunkRecord> chunks;  // in ordinal order
};

struct CatalogStats {
    int64_t sources = 0;
    int64_t documents = 0;
    int64_t chunks = 0;
    int64_t source_bytes = 0;
    int64_t text_bytes = 0;
    int64_t text_chars = 0;
    int64_t tokens = 0;
    std::vector<std::pair<std::string, int64_t>> documents_by_format;
};

class Catalog {
public:
    using Mode = Database::Mode;

    // Opens path (creating and migrating it in kReadWrite mode). kReadOnly on a missing file is
    // kNotFound; on a catalog whose schema is older than this build's, kUnsupported asking for a
    // write command to upgrade it.
    static Result<std::unique_ptr<Catalog>> open(const std::filesystem::path& path, Mode mode);

    int schema_version() const { return schema_version_; }

    // Sources.
    Result<std::optional<SourceRecord>> find_source(std::string_view path);
    Result<std::vector<SourceRecord>> list_sources();
    // Replaces everything stored for source.path by `documents` in one transaction (savepoint),
    // inserting the source if new. Returns the source id and fills in the ids of the new
    // documents and chunks.
    Result<int64_t> replace_source(const SourceRecord& source, std::vector<NewDocument>& documents);
    Status remove_source(int64_t source_id);
    // Records a new size/mtime for a source whose content did not change (so the next ingest
    // can trust the cheap stat check again).
    Status update_source_stat(int64_t source_id, int64_t size, int64_t mtime_ns);
    // Removes one document; its source's hash is cleared so a later ingest re-reads the file.
    Status remove_document(int64_t document_id);

    // The generation: a counter bumped by every write transaction that changes documents
    // (bump_generation, called inside it). Derived indexes record the generation they reflect,
    // so a mismatch after a crash tells them to catch up.
    Result<uint64_t> generation();
    Result<uint64_t> bump_generation();
    // Settings in the meta table; an absent key reads as "".
    Result<std::string> get_meta(std::string_view key);
    Status set_meta(std::string_view key, std::string_view value);

    // Every chunk of the collection with its document's title, for rebuilding derived indexes.
    // Calls visit(document, chunk) in document id, then ordinal order; stops at the first error.
    Status for_each_chunk(const std::function<Status(const DocumentRecord&, const ChunkRecord&)>& visit);
    Result<std::optional<ChunkRecord>> find_chunk(int64_t chunk_id);
    Result<std::optional<DocumentRecord>> find_document_by_id(int64_t document_id, bool with_text);

    // Documents (without text unless with_text), in uri order.
    Result<std::vector<DocumentRecord>> list_documents(bool with_text = false);
    Result<std::vector<DocumentRecord>> documents_of_source(int64_t source_id, bool with_text);
    Result<std::optional<DocumentRecord>> find_document(std::string_view uri, bool with_text);
    Result<std::vector<ChunkRecord>> chunks_of(int64_t document_id);
    // The document (every field but text and n_chunks) and its chunks with
    // first_ordinal <= ordinal <= last_ordinal, in ordinal order; a range past either end of the
    // document yields the chunks that exist (possibly none). nullopt when there is no such
    // document. One query, reading the chunks through the (document_id, ordinal) unique index
    // (which also gives the order), so its cost is the chunks returned, not the document's
    // size: for widening a search hit with its neighbours.
    Result<std::optional<DocumentChunks>> chunk_range(int64_t document_id, int64_t first_ordinal,
                                                      int64_t last_ordinal);

    Result<CatalogStats> stats();

    // Groups many writes into one transaction (much faster than one per source). Each
    // replace_source stays atomic on its own inside it.
    Status begin();
    Status commit();
    Status rollback();

    // SQLite's own consistency check ("ok" when healthy).
    Result<std::string> integrity_check();

    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

private:
    explicit Catalog(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    Status migrate();
    Result<int64_t> default_collection_id();

    std::unique_ptr<Database> db_;
    int schema_version_ = 0;
    int64_t collection_id_ = 0;
};

// Heading paths are stored as JSON arrays of strings.
std::string heading_path_to_json(const std::vector<std::string>& path);
std::vector<std::string> heading_path_from_json(std::string_view json);

}  // namespace openbook::store
