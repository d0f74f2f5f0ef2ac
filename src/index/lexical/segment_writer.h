// Writes one immutable segment file (layout: segment_format.h), streaming the postings so a
// merge of large segments needs memory for one term's postings, the dictionary and the doc table
// only.
// Thread-safety: one writer per thread; the file appears under its final name only after
// finish() has fsynced it (the caller fsyncs the directory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/lexical/file_io.h"
#include "index/lexical/segment_format.h"
#include "openbook/status.h"

namespace openbook::index {

struct SegmentWriterOptions {
    bool force_varint = false;  // encode full blocks as varints too (for measuring the codec)
};

class SegmentWriter {
public:
    // `docs` and `doc_lens` describe every segment-local doc number (copied).
    static Result<std::unique_ptr<SegmentWriter>> create(const std::filesystem::path& path,
                                                         std::span<const DocEntry> docs,
                                                         std::span<const uint32_t> doc_lens,
                                                         SegmentWriterOptions options = {});

    // Terms in strictly increasing byte order, each with >= 1 posting; docs strictly increasing
    // and < the number of docs, tfs >= 1. kInvalidArgument otherwise.
    Status add_term(std::string_view term, std::span<const uint32_t> docs,
                    std::span<const uint32_t> tfs);

    // Writes the dictionary, doc table, header and footer, fsyncs and renames into place.
    // Returns the file size.
    Result<uint64_t> finish();

private:
    SegmentWriter() = default;

    std::unique_ptr<HashingFileWriter> out_;
    SegmentWriterOptions options_;
    std::vector<DocEntry> docs_;
    std::vector<uint32_t> lens_;
    uint64_t sum_doc_len_ = 0;
    std::vector<TermEntry> dict_;
    std::string pool_;
    std::string last_term_;
    uint64_t n_postings_ = 0;
    uint64_t postings_off_ = 0;

    // Scratch reused across terms.
    std::string region_;
    std::string data_;
    std::vector<BlockMeta> metas_;
    std::vector<ImpactPair> impacts_;
    std::vector<ImpactPair> frontier_;
    std::vector<ImpactPair> frontier_scratch_;
    std::vector<uint32_t> posting_lens_;
};

}  // namespace openbook::index
