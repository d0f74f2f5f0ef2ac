// openbook's own inverted index for BM25 over chunks.
//
// On disk (a directory, normally <collection>/lexical/):
//   MANIFEST          the published state: format version, the list of live segments with their
//                     deletion generation, the catalog generation it reflects, a checksum.
//                     Replaced only by atomic rename, so a crash leaves the last published state.
//   seg-<id>.lex      an immutable segment: magic, version, term dictionary (sorted terms),
//                     postings in blocks of 128 (delta-coded doc numbers, term frequencies, and
//                     per-block max-score data for block-max pruning), per-doc length and the
//                     (chunk id, document id) each segment-local doc number stands for, checksum.
//   seg-<id>.del-<g>  a deletion bitmap for segment <id> at deletion generation <g>.
// Every file starts with a magic number and version and ends with a checksum; every size and
// offset is checked before use, so a truncated or corrupted file is a kCorrupt Status naming the
// file, never a crash.
//
// Scoring is BM25 (k1, b) with collection statistics summed over all segments (deleted docs
// included, as Lucene does, so deleting does not reshuffle scores; a segment whose docs are all
// deleted is dropped at publish, and merges drop deleted docs, as Lucene does too). Top-k uses
// block-max MaxScore (bm25_search.h); results are exactly those of exhaustive scoring, ties
// broken by smaller chunk id. Layout details: segment_format.h, manifest.h, deletions.h.
//
// Concurrency: one writer (the collection's writer lock) and any number of readers. A reader
// opens the MANIFEST once and maps the segments it lists: it keeps a consistent snapshot while a
// writer publishes new ones (files are only deleted once no longer listed, and on Linux an open
// mapping outlives unlink).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook::index {

struct Bm25Params {
    float k1 = 1.2f;
    float b = 0.75f;
};

struct ScoredChunk {
    int64_t chunk_id = 0;
    int64_t document_id = 0;
    float score = 0;
};

// One chunk to index: its ids and the analyzed terms of everything searchable about it (title,
// heading path and text), repeats included.
struct IndexableChunk {
    int64_t chunk_id = 0;
    int64_t document_id = 0;
    std::vector<std::string> terms;
};

struct SearchOptions {
    size_t k = 10;
    Bm25Params bm25;
    // When set, only chunks whose document_id passes are returned (and counted toward k).
    std::function<bool(int64_t document_id)> document_filter;
    bool exhaustive = false;  // score every matching posting (reference for tests/benchmarks)
};

struct IndexStats {
    uint64_t segments = 0;
    uint64_t documents = 0;  // live chunks
    uint64_t deleted = 0;
    uint64_t terms = 0;      // distinct terms summed over segments
    uint64_t postings = 0;
    uint64_t bytes = 0;      // on disk
    uint64_t catalog_generation = 0;
};

// A read-only snapshot of the index. Thread-safe: search() may be called from many threads.
class LexicalIndexReader {
public:
    // kNotFound when there is no MANIFEST; kCorrupt when a listed file is damaged or missing.
    static Result<std::unique_ptr<LexicalIndexReader>> open(const std::filesystem::path& dir);
    virtual ~LexicalIndexReader() = default;

    // Query terms as the analyzer produced them. A term repeated n times in the query weighs n
    // times (bag-of-words queries, as Anserini/Pyserini's BM25 builds them). Terms unknown to
    // every segment are ignored; no known term → no results (not an error).
    virtual Result<std::vector<ScoredChunk>> search(std::span<const std::string> query_terms,
                                                    const SearchOptions& options) const = 0;
    // BM25's idf of a term over this snapshot, ln(1 + (N - df + 0.5) / (df + 0.5)) with N and
    // df over all segments (deleted docs included), exactly as search() weighs it. A term in no
    // segment has df = 0, the largest idf.
    virtual double idf(std::string_view term) const = 0;
    // The number of chunks (deleted included) whose terms contain `term`, over all segments.
    virtual uint64_t document_frequency(std::string_view term) const = 0;
    virtual IndexStats stats() const = 0;
    virtual uint64_t catalog_generation() const = 0;
};

// The single writer. Not thread-safe.
class LexicalIndexWriter {
public:
    // Opens (creating an empty index when there is none) for writing.
    static Result<std::unique_ptr<LexicalIndexWriter>> open(const std::filesystem::path& dir);
    virtual ~LexicalIndexWriter() = default;

    virtual void add(IndexableChunk chunk) = 0;            // buffered in memory until flush
    virtual void remove_document(int64_t document_id) = 0;  // all its chunks, buffered
    // Writes buffered additions as a new segment and deletions as new bitmaps (fsynced) but
    // does not publish them yet.
    virtual Status flush() = 0;
    // Publishes everything flushed so far together with the catalog generation it matches
    // (atomic MANIFEST rename), then merges small segments when there are too many.
    virtual Status publish(uint64_t catalog_generation) = 0;
    // Drops everything and starts an empty index (used to rebuild from the catalog).
    virtual Status reset() = 0;
    virtual uint64_t catalog_generation() const = 0;
};

}  // namespace openbook::index
