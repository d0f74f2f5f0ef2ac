// Deleted docs of one segment: a bitmap over its segment-local doc numbers, stored as
// seg-<id>.del-<generation>. A new generation is written whenever more docs are deleted, and the
// MANIFEST names the generation in force, so a published bitmap is never modified in place.
//
// File: u64 magic "OBFXDEL1", u32 version, u32 zero, u64 segment id, u64 n_docs, u64 n_deleted,
// u64 words[ceil(n_docs / 64)], u64 XXH3-64 of everything before it.
//
// Thread-safety: a published bitmap is immutable (shared as shared_ptr<const>); the writer copies
// before changing one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook::index {

class DeletionBitmap {
public:
    explicit DeletionBitmap(uint32_t n_docs) : n_docs_(n_docs), words_((n_docs + 63) / 64, 0) {}

    uint32_t n_docs() const { return n_docs_; }
    uint32_t count() const { return count_; }
    const uint64_t* words() const { return words_.data(); }
    bool test(uint32_t doc) const { return (words_[doc >> 6] >> (doc & 63)) & 1; }
    // True when the doc was live before.
    bool set(uint32_t doc) {
        uint64_t bit = uint64_t{1} << (doc & 63);
        if (words_[doc >> 6] & bit) return false;
        words_[doc >> 6] |= bit;
        ++count_;
        return true;
    }

    std::string encode(uint64_t segment_id) const;
    // kCorrupt naming `name` when the bytes are damaged or do not describe that segment.
    static Result<DeletionBitmap> decode(std::string_view bytes, const std::string& name,
                                         uint64_t segment_id, uint32_t n_docs);

private:
    uint32_t n_docs_ = 0;
    uint32_t count_ = 0;
    std::vector<uint64_t> words_;
};

// Writes atomically (temporary file, fsync, rename); the caller fsyncs the directory.
Status write_deletions(const std::filesystem::path& path, const DeletionBitmap& bitmap,
                       uint64_t segment_id);
// kCorrupt (naming the file) when missing, damaged or not matching the segment.
Result<std::shared_ptr<const DeletionBitmap>> read_deletions(const std::filesystem::path& path,
                                                             uint64_t segment_id,
                                                             uint32_t n_docs);

}  // namespace openbook::index
