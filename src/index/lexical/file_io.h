// File plumbing for the lexical index: read-only mappings, a buffered writer that hashes what it
// writes, and directory fsync.
// Thread-safety: a MappedFile is immutable after open and safe to read from many threads; a
// HashingFileWriter belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "openbook/status.h"

struct XXH3_state_s;

namespace openbook::index {

// A whole file mapped read-only (MAP_SHARED, so pages come from the page cache). The mapping
// outlives an unlink of the file, which is what lets readers keep old snapshots.
class MappedFile {
public:
    // kNotFound when the file does not exist, kIoError for other failures.
    static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

private:
    MappedFile() = default;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    std::filesystem::path path_;
};

// Writes a new file sequentially through a buffer, keeping an XXH3-64 of every byte written
// after `hash_from` (bytes before it are not hashed: the segment header is patched in later).
// The file is created under `path` + ".tmp" and renamed to `path` by commit(), after fsync;
// destroying an uncommitted writer removes the temporary file.
class HashingFileWriter {
public:
    static Result<std::unique_ptr<HashingFileWriter>> create(const std::filesystem::path& path,
                                                             uint64_t hash_from);
    ~HashingFileWriter();
    HashingFileWriter(const HashingFileWriter&) = delete;
    HashingFileWriter& operator=(const HashingFileWriter&) = delete;

    Status write(std::string_view bytes);
    Status write_zeros(size_t n);
    Status align(size_t alignment);  // zero bytes up to a multiple of alignment
    uint64_t position() const { return position_; }
    uint64_t hash() const;  // of the hashed bytes written so far (after flushing nothing)
    // Overwrites bytes already written (not re-hashed): for the header.
    Status patch(uint64_t offset, std::string_view bytes);
    Status commit();  // flush, fsync, close, rename to the final path

private:
    HashingFileWriter() = default;
    Status flush_buffer();

    int fd_ = -1;
    std::filesystem::path path_;
    std::filesystem::path tmp_path_;
    std::string buffer_;
    uint64_t position_ = 0;
    uint64_t hash_from_ = 0;
    XXH3_state_s* state_ = nullptr;
    bool committed_ = false;
};

// fsync of a directory, so that renames and new files in it survive a crash.
Status fsync_directory(const std::filesystem::path& dir);

// XXH3-64 of bytes, the checksum of every lexical index file.
uint64_t checksum64(const void* data, size_t size);

}  // namespace openbook::index
