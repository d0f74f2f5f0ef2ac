// The writer's in-memory buffer: chunks inverted as they are added (terms interned once, postings
// appended per term), written out as one segment by flush.
// Thread-safety: none; owned by the single writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/lexical/lexical_index.h"
#include "index/lexical/merge.h"
#include "index/lexical/segment_format.h"
#include "openbook/status.h"

namespace openbook::index {

class MemorySegment {
public:
    // Terms longer than kMaxTermBytes are not indexed (they still count toward the length).
    void add(const IndexableChunk& chunk);
    // Drops every buffered chunk of the document. Returns how many.
    size_t remove_document(int64_t document_id);
    size_t live_docs() const { return docs_.size() - n_dead_; }
    size_t memory_bytes() const { return bytes_; }
    // Writes the live chunks as a segment (nothing when there is none).
    Result<WrittenSegment> write(const std::filesystem::path& path,
                                 SegmentWriterOptions options = {}) const;
    void clear();

private:
    struct Posting {
        uint32_t doc;
        uint32_t tf;
    };
    std::unordered_map<std::string, uint32_t> term_ids_;
    std::vector<const std::string*> term_names_;  // keys of term_ids_ (node-stable)
    std::vector<std::vector<Posting>> postings_;
    std::vector<DocEntry> docs_;
    std::vector<uint32_t> lens_;
    std::vector<uint8_t> dead_;
    std::unordered_map<int64_t, std::vector<uint32_t>> by_document_;
    size_t n_dead_ = 0;
    size_t bytes_ = 0;
    std::vector<uint32_t> scratch_ids_;
};

}  // namespace openbook::index
