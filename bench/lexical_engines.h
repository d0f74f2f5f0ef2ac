// The retrieval engines compared by bench/lexical_compare.cpp, behind one small interface:
// openbook (through its public Collection API), SQLite FTS5 (unicode61 or trigram tokenizer) and
// Xapian. Every engine indexes exactly the same chunks (exported from openbook's catalog) and
// answers the same free-text queries with the top k chunk ids and their documents' external ids.
//
// Errors throw std::runtime_error: this is a benchmark, and any failure ends the run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace bench {

// One chunk as the other engines index it.
struct ExportedChunk {
    int64_t chunk_id = 0;
    std::string external_id;  // the document's external id (BEIR _id; empty for whole files)
    std::string body;         // title, the headings that do not repeat it, then the chunk text
};

struct Hit {
    int64_t chunk_id = 0;
    std::string external_id;
};

struct Bm25Params {
    double k1 = 0.9;
    double b = 0.4;
};

// One thread's handle on an index (its own connection, reader or database). Not thread-safe:
// every thread opens its own.
class Searcher {
public:
    virtual ~Searcher() = default;
    // The top k chunks for a free-text query, best first. `hits` is cleared first; a query with
    // nothing searchable gives no hits.
    virtual void search(const std::string& query, size_t k, std::vector<Hit>& hits) = 0;
};

// openbook: a Collection opened read-only; Collection::search with k, k1, b and no text.
std::unique_ptr<Searcher> open_openbook(const std::filesystem::path& collection_dir,
                                        Bm25Params params);

// SQLite FTS5, contentless, one indexed column (the chunk body), plus a side table mapping
// rowid (the chunk id) to the external id. Ranked by FTS5's built-in bm25() (ORDER BY rank),
// whose k1 = 1.2 and b = 0.75 are fixed in SQLite. A query is split into words by FTS5's own
// unicode61 tokenizer (remove_diacritics 2) and becomes an OR of quoted words; with the trigram
// tokenizer a word containing CJK becomes the OR of its 3-character windows (FTS5 keeps a Han
// run as one word, and the whole run would have to occur verbatim), other words stay whole
// (a substring match), and words shorter than 3 characters are dropped (trigram cannot match
// them).
enum class Fts5Variant { kUnicode61, kTrigram };
const char* fts5_tokenizer_spec(Fts5Variant variant);  // the tokenize= argument
void build_fts5(const std::filesystem::path& file, const std::vector<ExportedChunk>& chunks,
                Fts5Variant variant);
// Bytes of the database file that are in use (the file minus its free pages).
uint64_t fts5_used_bytes(const std::filesystem::path& file);
std::unique_ptr<Searcher> open_fts5(const std::filesystem::path& file, Fts5Variant variant);

// Xapian (glass backend), English Snowball stemmer, STEM_SOME, CJK n-grams, no positions; the
// database is compacted after the build (as one does for a static index). Document id = chunk
// id, document data = external id.
void build_xapian(const std::filesystem::path& dir, const std::vector<ExportedChunk>& chunks);
// How the query string becomes a Xapian query.
enum class XapianQueryMode {
    // QueryParser as configured (default op OR, FLAG_CJK_NGRAM). Note that it ANDs the n-grams
    // of a CJK run and turns hyphenated words into phrases (AND without positions).
    kQueryParser,
    // The same parsed terms, flattened into one OR (bag of words, like openbook and FTS5 here).
    kFlatOr,
};
std::unique_ptr<Searcher> open_xapian(const std::filesystem::path& dir, Bm25Params params,
                                      XapianQueryMode mode);

// Sum of the sizes of the regular files under path (or of path itself).
uint64_t disk_bytes(const std::filesystem::path& path);

}  // namespace bench
