// File-system helpers that report failures as Status with the path in the message.
// Thread-safety: free functions, safe to call concurrently on different paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "openbook/status.h"

namespace openbook::core {

// Reads a whole file. Fails with kNotFound / kIoError naming the path and the OS reason.
Result<std::string> read_file(const std::filesystem::path& path);

// Writes bytes to path atomically: a temporary file in the same directory, fsync, rename.
// Readers see either the old or the new content, never a mix, even after a crash.
Status write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Last-modification time in nanoseconds since the Unix epoch.
int64_t mtime_ns(const std::filesystem::file_time_type& t);

// The absolute, lexically normal form of a path (symlinks are not resolved, so the path a user
// gave stays recognisable).
std::filesystem::path absolute_normal(const std::filesystem::path& path);

// True when `path` equals `dir` or lies beneath it (both absolute and normal).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& dir);

// strerror(errno) as a string; for messages.
std::string errno_message(int err);

}  // namespace openbook::core
