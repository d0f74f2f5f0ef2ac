// Status and Result<T>: how every fallible openbook function reports failure.
//
// A Status is either ok or carries a code and a human-readable message that names the thing that
// failed (a file, a flag, a record) and why. Result<T> holds a T or a non-ok Status; its member
// names follow std::expected (has_value, value, error, value_or) so that moving to std::expected
// once the toolchain has it is a rename. Neither type throws; value() on an error is a programming
// error and aborts, so callers check first (or use the OPENBOOK_* macros below).
//
// Thread-safety: plain values; safe to copy and move between threads.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace openbook {

enum class StatusCode {
    kOk = 0,
    kInvalidArgument,  // bad flag, bad user input
    kNotFound,         // a file, document or record that is not there
    kAlreadyExists,
    kIoError,          // the operating system refused (open, read, write, rename, lock)
    kCorrupt,          // data that does not parse or does not match its checksum
    kUnsupported,      // a format, encoding or feature this build does not handle
    kBusy,             // another process holds the writer lock
    kCancelled,        // interrupted by the user
    kInternal,         // a bug: an invariant did not hold
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
public:
    Status() = default;  // ok
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

    static Status ok_status() { return {}; }
    static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
    static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
    static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
    static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
    static Status corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
    static Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
    static Status busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }
    static Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
    static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

    bool ok() const { return code_ == StatusCode::kOk; }
    StatusCode code() const { return code_; }
    const std::string& message() const { return message_; }

    // A copy with `context` put in front of the message: "reading a.pdf: page 3: ...".
    Status with_context(const std::string& context) const {
        if (ok()) return *this;
        return {code_, context + ": " + message_};
    }

    // "not found: no document 'x'" — code name and message, for logs and errors shown to users.
    std::string to_string() const;

private:
    StatusCode code_ = StatusCode::kOk;
    std::string message_;
};

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> makes no sense");

public:
    Result(const T& value) : data_(value) {}                 // NOLINT: implicit by design
    Result(T&& value) : data_(std::move(value)) {}           // NOLINT
    Result(Status status) : data_(std::move(status)) {       // NOLINT
        if (std::get<Status>(data_).ok()) {
            data_ = Status::internal("Result constructed from an ok Status without a value");
        }
    }
    template <class U>
        requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, T> &&
                 !std::is_same_v<std::decay_t<U>, Status>)
    Result(U&& value) : data_(T(std::forward<U>(value))) {}  // NOLINT

    bool has_value() const { return data_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { check(); return std::get<0>(data_); }
    const T& value() const& { check(); return std::get<0>(data_); }
    T&& value() && { check(); return std::get<0>(std::move(data_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(data_) : static_cast<T>(std::forward<U>(fallback));
    }

    // The error; an ok Status when a value is held.
    Status error() const { return has_value() ? Status() : std::get<1>(data_); }

private:
    void check() const {
        if (!has_value()) {
            std::fprintf(stderr, "openbook: value() on an error Result: %s\n",
                         std::get<1>(data_).to_string().c_str());
            std::abort();
        }
    }
    std::variant<T, Status> data_;
};

}  // namespace openbook

#define OPENBOOK_CONCAT_INNER(a, b) a##b
#define OPENBOOK_CONCAT(a, b) OPENBOOK_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define OPENBOOK_RETURN_IF_ERROR(expr)                    \
    do {                                                  \
        ::openbook::Status openbook_status_ = (expr);     \
        if (!openbook_status_.ok()) return openbook_status_; \
    } while (0)

// `OPENBOOK_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result's value, or returns its error.
#define OPENBOOK_ASSIGN_OR_RETURN(lhs, expr) \
    OPENBOOK_ASSIGN_OR_RETURN_IMPL(OPENBOOK_CONCAT(openbook_result_, __LINE__), lhs, expr)
#define OPENBOOK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                                 \
    if (!tmp.has_value()) return tmp.error();          \
    lhs = std::move(tmp).value()
