// A thin RAII layer over the SQLite C API: a connection and prepared statements whose failures
// come back as Status with SQLite's message. No exceptions, no hidden retries.
// Thread-safety: a Database and its Statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "openbook/status.h"

namespace openbook::store {

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binding: 1-based parameter indexes, as in SQLite.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view value);  // copied by SQLite (SQLITE_TRANSIENT)
    Statement& bind_null(int index);

    // Advances: a row is available (true), or the statement is done (false), or an error.
    Result<bool> step();
    // Runs a statement that returns no rows, then resets it for reuse.
    Status run();
    void reset();  // also clears bindings

    int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
    std::string column_text(int i) const;
    bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    enum class Mode { kReadOnly, kReadWrite };
    // Opens (kReadWrite: creating if missing) with foreign keys on and a busy timeout so a
    // reader waits out a checkpoint rather than failing.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, Mode mode);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Status exec(std::string_view sql);  // one or more statements, no results
    Result<Statement> prepare(std::string_view sql);
    // A statement prepared once per connection and reused (reset, bindings cleared) on every
    // call: for queries on hot paths such as fetching search hits. The pointer stays valid for
    // the Database's lifetime; do not hold it across another call with the same SQL.
    Result<Statement*> cached(const std::string& sql);
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    Result<int64_t> query_int(std::string_view sql);  // first column of the first row
    std::string error_message() const { return sqlite3_errmsg(db_); }
    const std::filesystem::path& path() const { return path_; }

private:
    Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// Maps a SQLite result code to a Status with context (kCorrupt for SQLITE_CORRUPT/NOTADB, kBusy
// for SQLITE_BUSY/LOCKED, kIoError otherwise).
Status sqlite_status(sqlite3* db, int rc, std::string_view context);

}  // namespace openbook::store
