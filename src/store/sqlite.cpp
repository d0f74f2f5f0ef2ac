#include "store/sqlite.h"

namespace openbook::store {

Status sqlite_status(sqlite3* db, int rc, std::string_view context) {
    std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (rc & 0xFF) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Status::corrupt(msg);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Status::busy(msg);
        case SQLITE_CANTOPEN:
            return Status::not_found(msg);
        default:
            return Status::io_error(msg);
    }
}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        if (stmt_) sqlite3_finalize(stmt_);
        db_ = o.db_;
        stmt_ = o.stmt_;
        o.stmt_ = nullptr;
    }
    return *this;
}

Statement::~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Status s = sqlite_status(db_, rc, sqlite3_sql(stmt_) ? "SQL step" : "step");
    sqlite3_reset(stmt_);
    return s;
}

Status Statement::run() {
    auto r = step();
    reset();
    if (!r.has_value()) return r.error();
    return {};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, Mode mode) {
    sqlite3* db = nullptr;
    int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                        : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        Status s = sqlite_status(db, rc, "opening " + path.string());
        sqlite3_close(db);
        return s;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_extended_result_codes(db, 1);
    std::unique_ptr<Database> out(new Database(db, path));
    OPENBOOK_RETURN_IF_ERROR(out->exec("PRAGMA foreign_keys = ON"));
    return out;
}

Database::~Database() {
    cache_.clear();  // statements first: they belong to the connection
    if (db_) sqlite3_close_v2(db_);
}

Status Database::exec(std::string_view sql) {
    std::string owned(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        Status s = sqlite_status(nullptr, rc, path_.string());
        return Status(s.code(), path_.string() + ": " + msg);
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, path_.string() + ": preparing SQL");
    return Statement(db_, stmt);
}

Result<Statement*> Database::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        OPENBOOK_ASSIGN_OR_RETURN(auto st, prepare(sql));
        it = cache_.emplace(sql, std::make_unique<Statement>(std::move(st))).first;
    }
    it->second->reset();
    return it->second.get();
}

Result<int64_t> Database::query_int(std::string_view sql) {
    OPENBOOK_ASSIGN_OR_RETURN(auto stmt, prepare(sql));
    OPENBOOK_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return Status::not_found("no row for: " + std::string(sql));
    return stmt.column_int(0);
}

}  // namespace openbook::store
