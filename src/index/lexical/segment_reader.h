// Read-only access to one segment file over mmap (layout: segment_format.h).
//
// open() checks the header, every section's bounds, the checksum of the whole file and each
// dictionary entry (O(file size) hashing, O(terms) checks, no per-term allocation): afterwards
// terms, doc entries and lengths can be read without further checks. Blocks are checked as they
// are decoded (posting_cursor.h).
//
// Thread-safety: immutable after open; share it freely between threads and snapshots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "index/lexical/file_io.h"
#include "index/lexical/segment_format.h"
#include "openbook/status.h"

namespace openbook::index {

// A term's postings region, bounds-checked against the file.
struct TermPostings {
    uint32_t df = 0;
    uint32_t n_blocks = 0;
    uint32_t n_impacts = 0;
    uint32_t n_term_impacts = 0;
    const BlockMeta* metas = nullptr;
    const ImpactPair* impacts = nullptr;
    const uint8_t* data = nullptr;      // first block's data
    const uint8_t* data_end = nullptr;  // end of the region (padding follows in the file)
};

class SegmentReader {
public:
    // kNotFound when the file is missing; kCorrupt naming the file when it is damaged or its
    // size differs from `expected_size` (0: not checked).
    static Result<std::shared_ptr<const SegmentReader>> open(const std::filesystem::path& path,
                                                             uint64_t expected_size = 0);

    uint32_t n_docs() const { return static_cast<uint32_t>(header_->n_docs); }
    uint64_t n_terms() const { return header_->n_terms; }
    uint64_t n_postings() const { return header_->n_postings; }
    uint64_t sum_doc_len() const { return header_->sum_doc_len; }
    uint64_t file_size() const { return file_->size(); }
    const std::filesystem::path& path() const { return file_->path(); }

    const DocEntry* docs() const { return docs_; }
    const uint32_t* doc_lens() const { return lens_; }

    // Index of the term in the sorted dictionary, or -1.
    int64_t find_term(std::string_view term) const;
    std::string_view term_at(uint64_t index) const {
        const TermEntry& e = dict_[index];
        return {reinterpret_cast<const char*>(pool_) + e.str_off, e.str_len};
    }
    const TermEntry& term_entry(uint64_t index) const { return dict_[index]; }
    TermPostings postings(uint64_t index) const;

private:
    SegmentReader() = default;

    std::shared_ptr<const MappedFile> file_;
    const SegmentHeader* header_ = nullptr;
    const TermEntry* dict_ = nullptr;
    const uint8_t* pool_ = nullptr;
    const DocEntry* docs_ = nullptr;
    const uint32_t* lens_ = nullptr;
};

}  // namespace openbook::index
