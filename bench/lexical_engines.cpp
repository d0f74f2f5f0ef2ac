// The engines of the lexical comparison (see lexical_engines.h).
#include "lexical_engines.h"

#include <sqlite3.h>
#include <xapian.h>

#include <stdexcept>
#include <string_view>
#include <system_error>

#include "openbook/collection.h"

namespace bench {

namespace fs = std::filesystem;

uint64_t disk_bytes(const fs::path& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
    uint64_t total = 0;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    }
    return total;
}

// ---------------------------------------------------------------------------------------------
// openbook

namespace {

class OpenbookSearcher final : public Searcher {
public:
    OpenbookSearcher(std::unique_ptr<openbook::Collection> collection, Bm25Params params)
        : collection_(std::move(collection)) {
        request_.k1 = static_cast<float>(params.k1);
        request_.b = static_cast<float>(params.b);
        request_.with_text = false;  // ids only: what the other engines return too
    }

    void search(const std::string& query, size_t k, std::vector<Hit>& hits) override {
        hits.clear();
        request_.k = k;
        auto result = collection_->search(query, request_);
        if (!result.has_value()) {
            throw std::runtime_error("openbook search: " + result.error().to_string());
        }
        for (const auto& h : result->hits) hits.push_back({h.chunk_id, h.external_id});
    }

private:
    std::unique_ptr<openbook::Collection> collection_;
    openbook::SearchRequest request_;
};

}  // namespace

std::unique_ptr<Searcher> open_openbook(const fs::path& collection_dir, Bm25Params params) {
    auto collection = openbook::Collection::open(collection_dir, openbook::Collection::Mode::kRead);
    if (!collection.has_value()) {
        throw std::runtime_error("opening " + collection_dir.string() + ": " +
                                 collection.error().to_string());
    }
    return std::make_unique<OpenbookSearcher>(std::move(collection).value(), params);
}

// ---------------------------------------------------------------------------------------------
// SQLite FTS5

namespace {

void check_sqlite(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        throw std::runtime_error(std::string("sqlite: ") + what + ": " + sqlite3_errmsg(db));
    }
}

void exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message = err ? err : "unknown error";
        sqlite3_free(err);
        throw std::runtime_error("sqlite: " + sql + ": " + message);
    }
}

sqlite3* open_db(const fs::path& file, int flags) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw std::runtime_error("sqlite: opening " + file.string() + ": " + message);
    }
    return db;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    check_sqlite(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
                 sql);
    return stmt;
}

int64_t query_int(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = prepare(db, sql);
    check_sqlite(db, sqlite3_step(stmt), sql);
    const int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

// Code points of a UTF-8 string (assumed valid: it comes from SQLite's tokenizer).
std::vector<std::string_view> code_points(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i + 1;
        while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// From U+2E80 (CJK radicals) on: Han, Kana, Hangul, CJK compatibility forms; every
// supplementary-plane character too (CJK extensions B+; others are not unicode61 word characters
// anyway, except a few rare scripts, which then get trigram windows too).
bool is_cjk(std::string_view cp) {
    const auto c0 = static_cast<unsigned char>(cp[0]);
    if (c0 < 0xE0 || cp.size() < 3) return false;
    uint32_t value = (c0 & 0x0F) << 12 | (static_cast<unsigned char>(cp[1]) & 0x3F) << 6 |
                     (static_cast<unsigned char>(cp[2]) & 0x3F);
    return c0 >= 0xF0 || value >= 0x2E80;
}

void append_quoted(std::string& expr, std::string_view token) {
    if (!expr.empty()) expr += " OR ";
    expr += '"';
    for (char c : token) {
        if (c == '"') expr += '"';  // FTS5 escapes a quote inside a string by doubling it
        expr += c;
    }
    expr += '"';
}

class Fts5Searcher final : public Searcher {
public:
    Fts5Searcher(const fs::path& file, Fts5Variant variant) : variant_(variant) {
        db_ = open_db(file, SQLITE_OPEN_READONLY);
        // Map the whole file, as openbook maps its segments: reads then cost no syscalls.
        exec(db_, "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536;");
        // The query is split by FTS5's own unicode61 tokenizer, fetched through fts5_api, so
        // query words fold (case, diacritics) exactly as the indexed text did.
        fts5_api* api = nullptr;
        sqlite3_stmt* stmt = prepare(db_, "SELECT fts5(?1)");
        sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (!api) throw std::runtime_error("sqlite: this SQLite has no FTS5");
        void* context = nullptr;
        check_sqlite(db_, api->xFindTokenizer(api, "unicode61", &context, &tokenizer_api_),
                     "unicode61 tokenizer");
        const char* args[] = {"remove_diacritics", "2"};
        check_sqlite(db_, tokenizer_api_.xCreate(context, args, 2, &tokenizer_),
                     "creating the unicode61 tokenizer");
        query_ = prepare(db_,
                         "SELECT r.id, e.ext FROM (SELECT rowid AS id, rank AS score FROM fts "
                         "WHERE fts MATCH ?1 ORDER BY rank LIMIT ?2) AS r "
                         "JOIN ext AS e ON e.id = r.id ORDER BY r.score");
    }

    ~Fts5Searcher() override {
        sqlite3_finalize(query_);
        if (tokenizer_) tokenizer_api_.xDelete(tokenizer_);
        sqlite3_close(db_);
    }

    void search(const std::string& query, size_t k, std::vector<Hit>& hits) override {
        hits.clear();
        build_match(query);
        if (match_.empty()) return;
        sqlite3_bind_text(query_, 1, match_.data(), static_cast<int>(match_.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(query_, 2, static_cast<int64_t>(k));
        int rc;
        while ((rc = sqlite3_step(query_)) == SQLITE_ROW) {
            const auto* ext = reinterpret_cast<const char*>(sqlite3_column_text(query_, 1));
            hits.push_back({sqlite3_column_int64(query_, 0), ext ? ext : ""});
        }
        sqlite3_reset(query_);
        check_sqlite(db_, rc, "fts5 query");
    }

private:
    static int on_token(void* context, int flags, const char* token, int size, int, int) {
        if ((flags & FTS5_TOKEN_COLOCATED) == 0) {
            static_cast<std::vector<std::string>*>(context)->emplace_back(token, size);
        }
        return SQLITE_OK;
    }

    void build_match(const std::string& query) {
        words_.clear();
        match_.clear();
        tokenizer_api_.xTokenize(tokenizer_, &words_, FTS5_TOKENIZE_QUERY, query.data(),
                                 static_cast<int>(query.size()), on_token);
        for (const auto& word : words_) {
            if (variant_ == Fts5Variant::kUnicode61) {
                append_quoted(match_, word);
                continue;
            }
            const auto cps = code_points(word);
            if (cps.size() < 3) continue;
            bool cjk = false;
            for (auto cp : cps) cjk = cjk || is_cjk(cp);
            if (!cjk) {
                append_quoted(match_, word);
                continue;
            }
            for (size_t i = 0; i + 3 <= cps.size(); ++i) {
                const size_t begin = cps[i].data() - word.data();
                const size_t end = cps[i + 2].data() + cps[i + 2].size() - word.data();
                append_quoted(match_, std::string_view(word).substr(begin, end - begin));
            }
        }
    }

    Fts5Variant variant_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* query_ = nullptr;
    fts5_tokenizer tokenizer_api_{};
    ::Fts5Tokenizer* tokenizer_ = nullptr;
    std::vector<std::string> words_;
    std::string match_;
};

}  // namespace

const char* fts5_tokenizer_spec(Fts5Variant variant) {
    return variant == Fts5Variant::kTrigram ? "trigram" : "unicode61 remove_diacritics 2";
}

void build_fts5(const fs::path& file, const std::vector<ExportedChunk>& chunks,
                Fts5Variant variant) {
    std::error_code ec;
    fs::remove(file, ec);
    sqlite3* db = open_db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    try {
        // Contentless: the text lives in openbook's catalog, as it does for openbook's own
        // index, so the index size compares like with like.
        exec(db, std::string("CREATE VIRTUAL TABLE fts USING fts5(body, content='', tokenize='") +
                     fts5_tokenizer_spec(variant) + "');"
                     "CREATE TABLE ext(id INTEGER PRIMARY KEY, ext TEXT NOT NULL);"
                     "BEGIN;");
        sqlite3_stmt* add_fts = prepare(db, "INSERT INTO fts(rowid, body) VALUES(?1, ?2)");
        sqlite3_stmt* add_ext = prepare(db, "INSERT INTO ext(id, ext) VALUES(?1, ?2)");
        for (const auto& c : chunks) {
            sqlite3_bind_int64(add_fts, 1, c.chunk_id);
            sqlite3_bind_text(add_fts, 2, c.body.data(), static_cast<int>(c.body.size()),
                              SQLITE_STATIC);
            check_sqlite(db, sqlite3_step(add_fts), "inserting into fts");
            sqlite3_reset(add_fts);
            sqlite3_bind_int64(add_ext, 1, c.chunk_id);
            sqlite3_bind_text(add_ext, 2, c.external_id.data(),
                              static_cast<int>(c.external_id.size()), SQLITE_STATIC);
            check_sqlite(db, sqlite3_step(add_ext), "inserting into ext");
            sqlite3_reset(add_ext);
        }
        sqlite3_finalize(add_fts);
        sqlite3_finalize(add_ext);
        // One b-tree per term instead of many incremental segments: the read-optimized form.
        exec(db, "COMMIT; INSERT INTO fts(fts) VALUES('optimize');");
    } catch (...) {
        sqlite3_close(db);
        throw;
    }
    sqlite3_close(db);
}

uint64_t fts5_used_bytes(const fs::path& file) {
    sqlite3* db = open_db(file, SQLITE_OPEN_READONLY);
    const int64_t pages = query_int(db, "PRAGMA page_count");
    const int64_t free_pages = query_int(db, "PRAGMA freelist_count");
    const int64_t page_size = query_int(db, "PRAGMA page_size");
    sqlite3_close(db);
    return static_cast<uint64_t>((pages - free_pages) * page_size);
}

std::unique_ptr<Searcher> open_fts5(const fs::path& file, Fts5Variant variant) {
    return std::make_unique<Fts5Searcher>(file, variant);
}

// ---------------------------------------------------------------------------------------------
// Xapian

namespace {

class XapianSearcher final : public Searcher {
public:
    XapianSearcher(const fs::path& dir, Bm25Params params, XapianQueryMode mode)
        : db_(dir.string()), enquire_(db_), mode_(mode) {
        // k2 = 0, k3 = 1 and min_normlen = 0.5 are Xapian's defaults; k1 and b are openbook's.
        enquire_.set_weighting_scheme(Xapian::BM25Weight(params.k1, 0, 1, params.b, 0.5));
        parser_.set_stemmer(Xapian::Stem("english"));
        parser_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        parser_.set_default_op(Xapian::Query::OP_OR);
    }

    void search(const std::string& query, size_t k, std::vector<Hit>& hits) override {
        hits.clear();
        Xapian::Query parsed;
        try {
            parsed = parser_.parse_query(query, Xapian::QueryParser::FLAG_CJK_NGRAM);
        } catch (const Xapian::QueryParserError&) {
            return;  // no syntax flags are on, so this should not happen; treat as no match
        }
        if (mode_ == XapianQueryMode::kFlatOr) {
            // Every term in query order (repeats kept, as openbook weighs repeated terms).
            terms_.clear();
            for (auto t = parsed.get_terms_begin(); t != parsed.get_terms_end(); ++t) {
                terms_.emplace_back(*t);
            }
            parsed = Xapian::Query(Xapian::Query::OP_OR, terms_.begin(), terms_.end());
        }
        if (parsed.empty()) return;
        enquire_.set_query(parsed);
        const Xapian::MSet mset = enquire_.get_mset(0, static_cast<Xapian::doccount>(k));
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            hits.push_back({static_cast<int64_t>(*it), it.get_document().get_data()});
        }
    }

private:
    Xapian::Database db_;
    Xapian::Enquire enquire_;
    Xapian::QueryParser parser_;
    XapianQueryMode mode_;
    std::vector<Xapian::Query> terms_;
};

}  // namespace

void build_xapian(const fs::path& dir, const std::vector<ExportedChunk>& chunks) {
    std::error_code ec;
    const fs::path staging = dir.string() + ".staging";
    fs::remove_all(staging, ec);
    fs::remove_all(dir, ec);
    {
        Xapian::WritableDatabase db(staging.string(),
                                    Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
        Xapian::TermGenerator generator;
        generator.set_stemmer(Xapian::Stem("english"));
        generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        for (const auto& c : chunks) {
            Xapian::Document doc;
            generator.set_document(doc);
            // No positions: openbook's index has none either, and BM25 does not need them.
            generator.index_text_without_positions(c.body);
            doc.set_data(c.external_id);
            db.replace_document(static_cast<Xapian::docid>(c.chunk_id), doc);
        }
        db.commit();
        // Compaction packs the B-trees full (the read-optimized form of a static index).
        db.compact(dir.string());
    }
    fs::remove_all(staging, ec);
}

std::unique_ptr<Searcher> open_xapian(const fs::path& dir, Bm25Params params,
                                      XapianQueryMode mode) {
    return std::make_unique<XapianSearcher>(dir, params, mode);
}

}  // namespace bench
