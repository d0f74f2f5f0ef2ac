// An exclusive, advisory lock on a file (flock), held for the lifetime of the object. Used for
// "one writer at a time" on a collection. The kernel releases the lock when the process dies, so
// a crashed writer (even kill -9) never leaves a collection locked.
// Thread-safety: one FileLock per holder; not shareable between threads.
#pragma once

#include <filesystem>
#include <string>

#include "openbook/status.h"

namespace openbook::core {

class FileLock {
public:
    // Creates the lock file if needed and takes the lock without waiting. When another process
    // holds it: kBusy with a message naming the lock file and that process's pid.
    static Result<FileLock> try_acquire(const std::filesystem::path& path);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace openbook::core
