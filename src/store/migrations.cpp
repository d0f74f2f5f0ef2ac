#include "store/migrations.h"

#include <array>

namespace openbook::store {

namespace {

// Version 1: collections, sources, documents, chunks.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    display_path  TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    format        TEXT NOT NULL,
    encoding      TEXT NOT NULL,
    ingested_at   INTEGER NOT NULL,
    UNIQUE (collection_id, path)
);
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    uri           TEXT NOT NULL,
    external_id   TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    format        TEXT NOT NULL,
    encoding      TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    metadata      TEXT NOT NULL DEFAULT '{}',
    text          TEXT NOT NULL,
    n_chars       INTEGER NOT NULL,
    UNIQUE (collection_id, uri)
);
CREATE INDEX documents_by_source ON documents(source_id);
CREATE TABLE chunks (
    id             INTEGER PRIMARY KEY,
    document_id    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    text           TEXT NOT NULL,
    heading_path   TEXT NOT NULL DEFAULT '[]',
    page           INTEGER NOT NULL DEFAULT 0,
    char_start     INTEGER NOT NULL,
    char_end       INTEGER NOT NULL,
    byte_start     INTEGER NOT NULL,
    byte_end       INTEGER NOT NULL,
    token_estimate INTEGER NOT NULL,
    UNIQUE (document_id, ordinal)
);
)sql";

// Version 2: key/value settings of the collection, e.g. the catalog generation the derived
// indexes are compared against, and the analyzer the lexical index was built with.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', '0');
)sql";

constexpr std::array<std::string_view, 2> kMigrations = {kV1, kV2};

}  // namespace

std::span<const std::string_view> catalog_migrations() { return kMigrations; }

}  // namespace openbook::store
