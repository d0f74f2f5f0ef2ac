// Plain data exchanged through openbook's public API: options, progress, reports and the records
// a collection returns. No behaviour here; see collection.h for the operations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace openbook {

// How documents are cut into chunks (sizes in estimated tokens: CJK characters + Latin words).
struct ChunkingOptions {
    size_t target_tokens = 256;
    size_t max_tokens = 384;
    size_t overlap_tokens = 32;
    size_t min_tokens = 64;
};

struct IngestOptions {
    std::vector<std::string> include;  // globs; when non-empty a file must match one
    std::vector<std::string> exclude;  // globs; a matching file or folder is skipped
    ChunkingOptions chunking;
    bool force = false;  // re-read and re-chunk files even when unchanged
    // Files per transaction: work is committed (and visible to searches) at least this often.
    // Larger batches are faster; each file is atomic whatever the batch size.
    size_t commit_every = 256;
    // Snowball stemming language for the collection's search terms ("english", "french",
    // "german", ..., or "none"); empty keeps the collection's current one (English at first).
    // Changing it rebuilds the search index.
    std::string language;
};

// Reported after every file (and once at the start with files_done = 0).
struct IngestProgress {
    size_t files_done = 0;
    size_t files_total = 0;
    uint64_t bytes_done = 0;
    uint64_t bytes_total = 0;
    size_t chunks = 0;  // chunks written so far
    double seconds = 0;
    std::string current;  // the file just finished
};

enum class FileOutcomeKind { kAdded, kUpdated, kUnchanged, kFailed, kSkipped, kEmpty, kRemoved };
const char* file_outcome_name(FileOutcomeKind kind);  // "added", "updated", ...

struct FileOutcome {
    std::string path;  // as given (or found under a folder that was given)
    FileOutcomeKind kind = FileOutcomeKind::kAdded;
    std::string reason;  // why it failed or was skipped; warnings for stored files
    size_t documents = 0;
    size_t chunks = 0;
};

struct IngestReport {
    size_t added = 0;
    size_t updated = 0;
    size_t unchanged = 0;
    size_t failed = 0;
    size_t skipped = 0;  // hidden, binary, unsupported format, excluded by a glob
    size_t empty = 0;
    size_t removed = 0;  // sync: documents whose files are gone
    size_t documents = 0;  // documents written (added + updated files)
    size_t chunks = 0;     // chunks written
    uint64_t bytes = 0;    // bytes of the files read
    double seconds = 0;
    // Every file that was not simply added/updated/unchanged, plus stored files with warnings.
    std::vector<FileOutcome> notes;
    bool has_failures() const { return failed > 0; }
};

struct DocumentInfo {
    std::string uri;           // unique in the collection: absolute path, or "path#id"
    std::string path;          // the file as given at ingest
    std::string external_id;   // e.g. a BEIR _id
    std::string title;
    std::string format;        // "text", "markdown", "html", "pdf", "docx", "beir-jsonl"
    std::string encoding;      // of the file: "UTF-8", "Big5", "GB18030", "UTF-16LE", ...
    std::string content_hash;  // of the extracted text
    int64_t size = 0;          // bytes of the file
    int64_t mtime_ns = 0;
    int64_t n_chars = 0;       // code points of extracted text
    int64_t n_chunks = 0;
    std::string metadata_json = "{}";
};

struct ChunkInfo {
    int64_t ordinal = 0;
    std::string text;
    std::vector<std::string> heading_path;
    int64_t page = 0;        // 1-based, 0 when the format has no pages
    int64_t char_start = 0;  // [char_start, char_end): code points in the document's text
    int64_t char_end = 0;
    int64_t byte_start = 0;  // the same span in UTF-8 bytes
    int64_t byte_end = 0;
    int64_t token_estimate = 0;
};

struct DocumentView {
    DocumentInfo info;
    std::string text;  // the whole extracted text
    std::vector<ChunkInfo> chunks;
};

struct CollectionStats {
    std::string directory;
    int64_t files = 0;
    int64_t documents = 0;
    int64_t chunks = 0;
    int64_t source_bytes = 0;  // of the files ingested
    int64_t text_bytes = 0;    // of the extracted text
    int64_t text_chars = 0;
    int64_t tokens = 0;        // estimated, over all chunks
    int64_t disk_bytes = 0;    // the collection directory on disk
    int schema_version = 0;
    std::vector<std::pair<std::string, int64_t>> documents_by_format;
};

// A search over the collection's chunks (BM25 over title, heading path and text).
struct SearchRequest {
    size_t k = 10;
    // Only documents whose path (as given at ingest) or uri matches this glob; empty: all.
    std::string filter;
    float k1 = 0.9f;  // BM25 parameters; defaults chosen on SciFact/DRCD/CMRC (docs/BENCHMARKS.md)
    float b = 0.75f;
    bool with_text = true;  // fetch each hit's text and highlights (eval needs only ids)
    bool exhaustive = false;  // score every posting instead of pruning (reference; slower)
};

struct Span {
    int64_t start = 0;  // code points, [start, end)
    int64_t end = 0;
};

struct SearchHit {
    double score = 0;
    int64_t chunk_id = 0;
    int64_t document_id = 0;
    std::string uri;
    std::string path;  // as given at ingest
    std::string title;
    std::string external_id;
    std::vector<std::string> heading_path;
    int64_t page = 0;
    int64_t ordinal = 0;     // the chunk's position in its document
    int64_t char_start = 0;  // the chunk's span in its document's text (code points)
    int64_t char_end = 0;
    std::string text;               // the chunk text (with_text)
    std::vector<Span> highlights;   // matched terms, in code points of `text` (with_text)
    std::vector<Span> highlight_bytes;  // the same in bytes of `text`
};

struct SearchResult {
    std::vector<SearchHit> hits;
    std::vector<std::string> terms;  // the analyzed query terms
    // Per distinct term, in first-occurrence order: how many chunks contain it and its BM25 idf
    // (a term in no chunk has the largest idf).
    struct TermStats {
        std::string term;
        uint64_t chunks = 0;
        double idf = 0;
    };
    std::vector<TermStats> term_stats;
    double seconds = 0;
    std::vector<std::string> notes;  // e.g. "the index was rebuilt from the catalog"
};

}  // namespace openbook
