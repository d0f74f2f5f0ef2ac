// A whole file mapped read-only into memory, released when the object dies.
//
// open() fails with kNotFound (no such file) or kIoError (anything else the OS refuses, or a path
// that is not a regular file), the message naming the path and the OS reason. An empty file is
// valid: it maps nothing (mmap cannot map zero bytes) and data() is nullptr with size() 0.
// The mapping is MAP_SHARED, so its pages come from the page cache and it outlives an unlink of
// the file; truncating the file underneath a live mapping is outside the contract (SIGBUS).
//
// Thread-safety: immutable after open(); reads from many threads are safe. Move-only.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include "openbook/status.h"

namespace openbook::core {

class MappedFile {
public:
    static Result<MappedFile> open(const std::filesystem::path& path);

    MappedFile() = default;  // maps nothing
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    const unsigned char* data() const { return data_; }
    size_t size() const { return size_; }
    std::span<const unsigned char> bytes() const { return {data_, size_}; }
    std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
    const std::filesystem::path& path() const { return path_; }

private:
    void release();

    const unsigned char* data_ = nullptr;
    size_t size_ = 0;
    std::filesystem::path path_;
};

}  // namespace openbook::core
