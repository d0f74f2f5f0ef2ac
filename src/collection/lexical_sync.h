// Keeps the lexical index (index/lexical) in step with the catalog.
//
// The catalog is the source of truth; the index is derived. Every write transaction follows one
// order: (1) flush the index writer (new segment and deletion files, not yet visible),
// (2) bump the catalog generation and commit the catalog, (3) publish the index under that
// generation. A crash between (2) and (3) leaves the index one generation behind; whoever opens
// the collection for writing next sees the mismatch and rebuilds the index from the catalog. A
// crash before (2) leaves an unpublished segment that nobody references.
//
// The index also records which analyzer built it (lexical/ANALYZER); a different analyzer means
// the terms no longer match, so the index is rebuilt.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "index/lexical/lexical_index.h"
#include "store/catalog.h"
#include "text/analyzer.h"

namespace openbook::collection {

inline constexpr const char* kLexicalDir = "lexical";

// The catalog's meta key naming the collection's stemming language ("english" when absent).
inline constexpr const char* kStemLanguageKey = "stem_language";

// The analyzer of this collection: Chinese script folding, and Snowball stemming in the language
// recorded in the catalog (English unless `openbook ingest --language` chose another).
Result<text::AnalyzerOptions> analyzer_options(store::Catalog& catalog);
// A string that changes whenever the terms an analyzer produces would change.
std::string analyzer_signature(const text::AnalyzerOptions& options);

// The searchable terms of a chunk: its document's title, the headings above it (those that do
// not repeat the title) and its text.
void chunk_terms(const text::Analyzer& analyzer, const std::string& title,
                 const std::vector<std::string>& heading_path, const std::string& text,
                 std::vector<std::string>& terms);

// The index under collection_dir when it reflects `catalog_generation` and was built by this
// analyzer; null when it is missing, damaged, stale or built by another analyzer (it needs a
// rebuild).
std::unique_ptr<index::LexicalIndexReader> open_current_lexical_index(
    const std::filesystem::path& collection_dir, uint64_t catalog_generation,
    const text::AnalyzerOptions& options);

// Rebuilds the whole index from the catalog (the caller holds the collection's writer lock).
Status rebuild_lexical_index(const std::filesystem::path& collection_dir, store::Catalog& catalog,
                             const text::AnalyzerOptions& options);

// The writer side, held by a collection opened for writing.
class LexicalSync {
public:
    // Opens the index writer, rebuilding the index first when it is not current.
    static Result<std::unique_ptr<LexicalSync>> open(const std::filesystem::path& collection_dir,
                                                     store::Catalog& catalog);

    void remove_document(int64_t document_id);
    void add_document(const store::DocumentRecord& document,
                      const std::vector<store::ChunkRecord>& chunks);
    // Steps (1)–(3) above: flush, bump + commit the catalog's open transaction, publish.
    Status commit(store::Catalog& catalog);

private:
    LexicalSync(std::unique_ptr<index::LexicalIndexWriter> writer,
                std::unique_ptr<text::Analyzer> analyzer)
        : writer_(std::move(writer)), analyzer_(std::move(analyzer)) {}
    std::unique_ptr<index::LexicalIndexWriter> writer_;
    std::unique_ptr<text::Analyzer> analyzer_;
    std::vector<std::string> scratch_terms_;
};

}  // namespace openbook::collection
