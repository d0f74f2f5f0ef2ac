#include "store/catalog.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "store/migrations.h"

namespace openbook::store {

namespace {

constexpr std::string_view kDocumentColumns =
    "d.id, d.source_id, d.uri, d.external_id, d.title, d.format, d.encoding, d.content_hash, "
    "d.size, d.mtime_ns, d.metadata, d.n_chars, "
    "(SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id), s.display_path";
// The same columns with n_chunks left 0: counting costs a scan of the document's chunks.
constexpr std::string_view kDocumentColumnsUncounted =
    "d.id, d.source_id, d.uri, d.external_id, d.title, d.format, d.encoding, d.content_hash, "
    "d.size, d.mtime_ns, d.metadata, d.n_chars, 0, s.display_path";

DocumentRecord read_document(const Statement& st, bool with_text) {
    DocumentRecord d;
    d.id = st.column_int(0);
    d.source_id = st.column_int(1);
    d.uri = st.column_text(2);
    d.external_id = st.column_text(3);
    d.title = st.column_text(4);
    d.format = st.column_text(5);
    d.encoding = st.column_text(6);
    d.content_hash = st.column_text(7);
    d.size = st.column_int(8);
    d.mtime_ns = st.column_int(9);
    d.metadata_json = st.column_text(10);
    d.n_chars = st.column_int(11);
    d.n_chunks = st.column_int(12);
    d.display_path = st.column_text(13);
    if (with_text) d.text = st.column_text(14);
    return d;
}

Result<std::vector<DocumentRecord>> read_documents(Statement& st, bool with_text) {
    std::vector<DocumentRecord> out;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(read_document(st, with_text));
    }
    return out;
}

std::string document_query(std::string_view where, bool with_text) {
    return "SELECT " + std::string(kDocumentColumns) + (with_text ? ", d.text" : "") +
           " FROM documents d JOIN sources s ON s.id = d.source_id " + std::string(where);
}

SourceRecord read_source(const Statement& st) {
    SourceRecord s;
    s.id = st.column_int(0);
    s.path = st.column_text(1);
    s.display_path = st.column_text(2);
    s.content_hash = st.column_text(3);
    s.size = st.column_int(4);
    s.mtime_ns = st.column_int(5);
    s.format = st.column_text(6);
    s.encoding = st.column_text(7);
    s.ingested_at = st.column_int(8);
    return s;
}

constexpr std::string_view kSourceQuery =
    "SELECT id, path, display_path, content_hash, size, mtime_ns, format, encoding, ingested_at "
    "FROM sources ";

ChunkRecord read_chunk(const Statement& st, int first) {
    ChunkRecord c;
    c.id = st.column_int(first + 0);
    c.document_id = st.column_int(first + 1);
    c.ordinal = st.column_int(first + 2);
    c.text = st.column_text(first + 3);
    c.heading_path = heading_path_from_json(st.column_text(first + 4));
    c.page = st.column_int(first + 5);
    c.char_start = st.column_int(first + 6);
    c.char_end = st.column_int(first + 7);
    c.byte_start = st.column_int(first + 8);
    c.byte_end = st.column_int(first + 9);
    c.token_estimate = st.column_int(first + 10);
    return c;
}

constexpr std::string_view kChunkColumns =
    "c.id, c.document_id, c.ordinal, c.text, c.heading_path, c.page, c.char_start, c.char_end,"
    " c.byte_start, c.byte_end, c.token_estimate";

}  // namespace

std::string heading_path_to_json(const std::vector<std::string>& path) {
    return nlohmann::json(path).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> heading_path_from_json(std::string_view json) {
    auto j = nlohmann::json::parse(json, nullptr, false);
    std::vector<std::string> out;
    if (!j.is_array()) return out;
    for (const auto& v : j) {
        if (v.is_string()) out.push_back(v.get<std::string>());
    }
    return out;
}

Result<std::unique_ptr<Catalog>> Catalog::open(const std::filesystem::path& path, Mode mode) {
    if (mode == Mode::kReadOnly && !std::filesystem::exists(path)) {
        return Status::not_found("no catalog at " + path.string());
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto db, Database::open(path, mode));
    std::unique_ptr<Catalog> catalog(new Catalog(std::move(db)));
    Database& d = *catalog->db_;
    // Reading user_version is also the first real read: a file that is not SQLite fails here.
    auto version = d.query_int("PRAGMA user_version");
    if (!version.has_value()) {
        return version.error().with_context(path.string() + " is not an openbook catalog");
    }
    catalog->schema_version_ = static_cast<int>(*version);
    if (catalog->schema_version_ > kSchemaVersion) {
        return Status::unsupported(path.string() + " has catalog schema version " +
                                   std::to_string(catalog->schema_version_) +
                                   ", newer than this openbook understands (" +
                                   std::to_string(kSchemaVersion) + "); upgrade openbook");
    }
    if (mode == Mode::kReadWrite) {
        OPENBOOK_RETURN_IF_ERROR(d.exec("PRAGMA journal_mode = WAL"));
        OPENBOOK_RETURN_IF_ERROR(d.exec("PRAGMA synchronous = NORMAL"));
        // A big page cache keeps a batch's pages in memory until commit; with SQLite's 2 MB
        // default, large batches spill pages to the WAL many times over.
        OPENBOOK_RETURN_IF_ERROR(d.exec("PRAGMA cache_size = -65536"));
        OPENBOOK_RETURN_IF_ERROR(catalog->migrate());
    } else if (catalog->schema_version_ < kSchemaVersion) {
        return Status::unsupported(path.string() + " has catalog schema version " +
                                   std::to_string(catalog->schema_version_) +
                                   "; run `openbook ingest` once to upgrade it to version " +
                                   std::to_string(kSchemaVersion));
    }
    OPENBOOK_ASSIGN_OR_RETURN(catalog->collection_id_, catalog->default_collection_id());
    return catalog;
}

Status Catalog::migrate() {
    auto migrations = catalog_migrations();
    while (schema_version_ < static_cast<int>(migrations.size())) {
        int next = schema_version_ + 1;
        OPENBOOK_RETURN_IF_ERROR(db_->exec("BEGIN IMMEDIATE"));
        Status s = db_->exec(migrations[static_cast<size_t>(schema_version_)]);
        if (s.ok()) s = db_->exec("PRAGMA user_version = " + std::to_string(next));
        if (s.ok() && schema_version_ == 0) {
            s = db_->exec("INSERT INTO collections (name, created_at) VALUES ('default', " +
                          std::to_string(std::time(nullptr)) + ")");
        }
        if (!s.ok()) {
            (void)db_->exec("ROLLBACK");
            return s.with_context("migrating catalog to schema version " + std::to_string(next));
        }
        OPENBOOK_RETURN_IF_ERROR(db_->exec("COMMIT"));
        schema_version_ = next;
    }
    return {};
}

Result<int64_t> Catalog::default_collection_id() {
    return db_->query_int("SELECT id FROM collections WHERE name = 'default'");
}

Result<std::optional<SourceRecord>> Catalog::find_source(std::string_view path) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(std::string(kSourceQuery) +
                                                    "WHERE collection_id = ?1 AND path = ?2"));
    st.bind(1, collection_id_).bind(2, path);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<SourceRecord>();
    return std::optional<SourceRecord>(read_source(st));
}

Result<std::vector<SourceRecord>> Catalog::list_sources() {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(std::string(kSourceQuery) +
                                                    "WHERE collection_id = ?1 ORDER BY path"));
    st.bind(1, collection_id_);
    std::vector<SourceRecord> out;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(read_source(st));
    }
    return out;
}

Result<int64_t> Catalog::replace_source(const SourceRecord& source,
                                        std::vector<NewDocument>& documents) {
    OPENBOOK_RETURN_IF_ERROR(db_->exec("SAVEPOINT replace_source"));
    auto body = [&]() -> Result<int64_t> {
        // Upsert the source row, keeping its id so nothing else that refers to it breaks.
        OPENBOOK_ASSIGN_OR_RETURN(auto up, db_->prepare(
            "INSERT INTO sources (collection_id, path, display_path, content_hash, size, mtime_ns,"
            " format, encoding, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
            "ON CONFLICT (collection_id, path) DO UPDATE SET display_path = excluded.display_path,"
            " content_hash = excluded.content_hash, size = excluded.size,"
            " mtime_ns = excluded.mtime_ns, format = excluded.format,"
            " encoding = excluded.encoding, ingested_at = excluded.ingested_at "
            "RETURNING id"));
        up.bind(1, collection_id_).bind(2, source.path).bind(3, source.display_path);
        up.bind(4, source.content_hash).bind(5, source.size).bind(6, source.mtime_ns);
        up.bind(7, source.format).bind(8, source.encoding).bind(9, source.ingested_at);
        OPENBOOK_ASSIGN_OR_RETURN(bool row, up.step());
        if (!row) return Status::internal("upsert of source returned no id");
        const int64_t source_id = up.column_int(0);
        up.reset();

        OPENBOOK_ASSIGN_OR_RETURN(auto del, db_->prepare("DELETE FROM documents WHERE source_id = ?1"));
        del.bind(1, source_id);
        OPENBOOK_RETURN_IF_ERROR(del.run());

        OPENBOOK_ASSIGN_OR_RETURN(auto ins_doc, db_->prepare(
            "INSERT INTO documents (source_id, collection_id, uri, external_id, title, format,"
            " encoding, content_hash, size, mtime_ns, metadata, text, n_chars)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
        OPENBOOK_ASSIGN_OR_RETURN(auto ins_chunk, db_->prepare(
            "INSERT INTO chunks (document_id, ordinal, text, heading_path, page, char_start,"
            " char_end, byte_start, byte_end, token_estimate)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
        for (auto& nd : documents) {
            DocumentRecord& d = nd.document;
            ins_doc.bind(1, source_id).bind(2, collection_id_).bind(3, d.uri);
            ins_doc.bind(4, d.external_id).bind(5, d.title).bind(6, d.format);
            ins_doc.bind(7, d.encoding).bind(8, d.content_hash).bind(9, d.size);
            ins_doc.bind(10, d.mtime_ns).bind(11, d.metadata_json).bind(12, d.text);
            ins_doc.bind(13, d.n_chars);
            Status s = ins_doc.run();
            if (!s.ok()) return s.with_context("storing document " + d.uri);
            const int64_t doc_id = db_->last_insert_rowid();
            d.id = doc_id;
            d.source_id = source_id;
            for (auto& c : nd.chunks) {
                ins_chunk.bind(1, doc_id).bind(2, c.ordinal).bind(3, c.text);
                ins_chunk.bind(4, heading_path_to_json(c.heading_path)).bind(5, c.page);
                ins_chunk.bind(6, c.char_start).bind(7, c.char_end).bind(8, c.byte_start);
                ins_chunk.bind(9, c.byte_end).bind(10, c.token_estimate);
                OPENBOOK_RETURN_IF_ERROR(ins_chunk.run());
                c.id = db_->last_insert_rowid();
                c.document_id = doc_id;
            }
        }
        return source_id;
    };
    auto result = body();
    if (!result.has_value()) {
        (void)db_->exec("ROLLBACK TO replace_source");
        (void)db_->exec("RELEASE replace_source");
        return result.error().with_context("storing " + source.display_path);
    }
    OPENBOOK_RETURN_IF_ERROR(db_->exec("RELEASE replace_source"));
    return result;
}

Status Catalog::remove_source(int64_t source_id) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare("DELETE FROM sources WHERE id = ?1"));
    st.bind(1, source_id);
    return st.run();
}

Status Catalog::update_source_stat(int64_t source_id, int64_t size, int64_t mtime_ns) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(
        "UPDATE sources SET size = ?2, mtime_ns = ?3 WHERE id = ?1"));
    st.bind(1, source_id).bind(2, size).bind(3, mtime_ns);
    return st.run();
}

Status Catalog::remove_document(int64_t document_id) {
    OPENBOOK_RETURN_IF_ERROR(db_->exec("SAVEPOINT remove_document"));
    auto body = [&]() -> Status {
        OPENBOOK_ASSIGN_OR_RETURN(auto clear, db_->prepare(
            "UPDATE sources SET content_hash = '' WHERE id = "
            "(SELECT source_id FROM documents WHERE id = ?1)"));
        clear.bind(1, document_id);
        OPENBOOK_RETURN_IF_ERROR(clear.run());
        OPENBOOK_ASSIGN_OR_RETURN(auto del, db_->prepare("DELETE FROM documents WHERE id = ?1"));
        del.bind(1, document_id);
        OPENBOOK_RETURN_IF_ERROR(del.run());
        // A source with nothing left is forgotten entirely.
        return db_->exec("DELETE FROM sources WHERE NOT EXISTS "
                         "(SELECT 1 FROM documents d WHERE d.source_id = sources.id)");
    };
    Status s = body();
    if (!s.ok()) {
        (void)db_->exec("ROLLBACK TO remove_document");
        (void)db_->exec("RELEASE remove_document");
        return s;
    }
    return db_->exec("RELEASE remove_document");
}

Result<std::vector<DocumentRecord>> Catalog::list_documents(bool with_text) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(document_query(
        "WHERE d.collection_id = ?1 ORDER BY d.uri", with_text)));
    st.bind(1, collection_id_);
    return read_documents(st, with_text);
}

Result<std::vector<DocumentRecord>> Catalog::documents_of_source(int64_t source_id,
                                                                 bool with_text) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(document_query(
        "WHERE d.source_id = ?1 ORDER BY d.id", with_text)));
    st.bind(1, source_id);
    return read_documents(st, with_text);
}

Result<std::optional<DocumentRecord>> Catalog::find_document(std::string_view uri,
                                                             bool with_text) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(document_query(
        "WHERE d.collection_id = ?1 AND d.uri = ?2", with_text)));
    st.bind(1, collection_id_).bind(2, uri);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(read_document(st, with_text));
}

Result<std::vector<ChunkRecord>> Catalog::chunks_of(int64_t document_id) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(
        "SELECT " + std::string(kChunkColumns) + " FROM chunks c WHERE c.document_id = ?1"
        " ORDER BY c.ordinal"));
    st.bind(1, document_id);
    std::vector<ChunkRecord> out;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(read_chunk(st, 0));
    }
    return out;
}

Result<std::optional<DocumentChunks>> Catalog::chunk_range(int64_t document_id,
                                                           int64_t first_ordinal,
                                                           int64_t last_ordinal) {
    // The LEFT JOIN gives one row with NULL chunk columns for a document with no chunk in the
    // range, and no row at all for an unknown document: both answers from a single query.
    constexpr int kFirstChunkColumn = 14;  // after the document's columns
    OPENBOOK_ASSIGN_OR_RETURN(Statement * st, db_->cached(
        "SELECT " + std::string(kDocumentColumnsUncounted) + ", " + std::string(kChunkColumns) +
        " FROM documents d JOIN sources s ON s.id = d.source_id"
        " LEFT JOIN chunks c ON c.document_id = d.id AND c.ordinal BETWEEN ?2 AND ?3"
        " WHERE d.id = ?1 ORDER BY c.ordinal"));
    st->bind(1, document_id).bind(2, first_ordinal).bind(3, last_ordinal);
    std::optional<DocumentChunks> out;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st->step());
        if (!row) break;
        if (!out) {
            out.emplace();
            out->document = read_document(*st, false);
        }
        if (!st->column_is_null(kFirstChunkColumn)) {
            out->chunks.push_back(read_chunk(*st, kFirstChunkColumn));
        }
    }
    return out;
}

Result<CatalogStats> Catalog::stats() {
    CatalogStats s;
    const std::string cid = std::to_string(collection_id_);
    OPENBOOK_ASSIGN_OR_RETURN(s.sources, db_->query_int(
        "SELECT COUNT(*) FROM sources WHERE collection_id = " + cid));
    OPENBOOK_ASSIGN_OR_RETURN(s.source_bytes, db_->query_int(
        "SELECT COALESCE(SUM(size), 0) FROM sources WHERE collection_id = " + cid));
    OPENBOOK_ASSIGN_OR_RETURN(s.documents, db_->query_int(
        "SELECT COUNT(*) FROM documents WHERE collection_id = " + cid));
    OPENBOOK_ASSIGN_OR_RETURN(s.text_bytes, db_->query_int(
        "SELECT COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM documents"
        " WHERE collection_id = " + cid));
    OPENBOOK_ASSIGN_OR_RETURN(s.text_chars, db_->query_int(
        "SELECT COALESCE(SUM(n_chars), 0) FROM documents WHERE collection_id = " + cid));
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(
        "SELECT COUNT(*), COALESCE(SUM(c.token_estimate), 0) FROM chunks c"
        " JOIN documents d ON d.id = c.document_id WHERE d.collection_id = ?1"));
    st.bind(1, collection_id_);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
    if (row) {
        s.chunks = st.column_int(0);
        s.tokens = st.column_int(1);
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto by_format, db_->prepare(
        "SELECT format, COUNT(*) FROM documents WHERE collection_id = ?1"
        " GROUP BY format ORDER BY format"));
    by_format.bind(1, collection_id_);
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool r, by_format.step());
        if (!r) break;
        s.documents_by_format.emplace_back(by_format.column_text(0), by_format.column_int(1));
    }
    return s;
}

Result<std::string> Catalog::get_meta(std::string_view key) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT value FROM meta WHERE key = ?1"));
    st.bind(1, key);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? st.column_text(0) : std::string();
}

Status Catalog::set_meta(std::string_view key, std::string_view value) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    st.bind(1, key).bind(2, value);
    return st.run();
}

Result<uint64_t> Catalog::generation() {
    OPENBOOK_ASSIGN_OR_RETURN(std::string v, get_meta("generation"));
    return v.empty() ? 0 : std::stoull(v);
}

Result<uint64_t> Catalog::bump_generation() {
    OPENBOOK_ASSIGN_OR_RETURN(uint64_t g, generation());
    OPENBOOK_RETURN_IF_ERROR(set_meta("generation", std::to_string(g + 1)));
    return g + 1;
}

Status Catalog::for_each_chunk(
    const std::function<Status(const DocumentRecord&, const ChunkRecord&)>& visit) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(
        "SELECT " + std::string(kChunkColumns) + ", d.uri, d.title, d.external_id"
        " FROM chunks c JOIN documents d ON d.id = c.document_id"
        " WHERE d.collection_id = ?1 ORDER BY c.document_id, c.ordinal"));
    st.bind(1, collection_id_);
    DocumentRecord doc;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        ChunkRecord c = read_chunk(st, 0);
        if (c.document_id != doc.id) {
            doc = DocumentRecord();
            doc.id = c.document_id;
            doc.uri = st.column_text(11);
            doc.title = st.column_text(12);
            doc.external_id = st.column_text(13);
        }
        OPENBOOK_RETURN_IF_ERROR(visit(doc, c));
    }
    return {};
}

Result<std::optional<ChunkRecord>> Catalog::find_chunk(int64_t chunk_id) {
    OPENBOOK_ASSIGN_OR_RETURN(Statement * st, db_->cached(
        "SELECT " + std::string(kChunkColumns) + " FROM chunks c WHERE c.id = ?1"));
    st->bind(1, chunk_id);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return std::optional<ChunkRecord>();
    return std::optional<ChunkRecord>(read_chunk(*st, 0));
}

Result<std::optional<DocumentRecord>> Catalog::find_document_by_id(int64_t document_id,
                                                                   bool with_text) {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare(document_query("WHERE d.id = ?1", with_text)));
    st.bind(1, document_id);
    OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(read_document(st, with_text));
}

Status Catalog::begin() { return db_->exec("BEGIN IMMEDIATE"); }
Status Catalog::commit() { return db_->exec("COMMIT"); }
Status Catalog::rollback() { return db_->exec("ROLLBACK"); }

Result<std::string> Catalog::integrity_check() {
    OPENBOOK_ASSIGN_OR_RETURN(auto st, db_->prepare("PRAGMA integrity_check"));
    std::string out;
    for (;;) {
        OPENBOOK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        if (!out.empty()) out += "\n";
        out += st.column_text(0);
    }
    return out;
}

}  // namespace openbook::store
