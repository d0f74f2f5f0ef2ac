// Merging segments: one new segment with the live docs of the inputs (deleted docs dropped,
// docs renumbered in input order), and the policy that picks what to merge.
// Thread-safety: free functions; inputs are read-only and may be shared with readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "index/lexical/deletions.h"
#include "index/lexical/segment_reader.h"
#include "index/lexical/segment_writer.h"
#include "openbook/status.h"

namespace openbook::index {

struct MergeInput {
    const SegmentReader* segment = nullptr;
    const DeletionBitmap* deletions = nullptr;  // null: none
};

struct WrittenSegment {
    uint64_t file_size = 0;  // 0 when nothing was written (no live docs)
    uint32_t n_docs = 0;
    uint64_t sum_doc_len = 0;
    uint64_t n_postings = 0;
};

// Writes `out` unless the inputs have no live doc. Memory: the merged doc table plus one term's
// postings at a time. kCorrupt naming an input whose postings turn out damaged.
Result<WrittenSegment> merge_segments(std::span<const MergeInput> inputs,
                                      const std::filesystem::path& out,
                                      SegmentWriterOptions options = {});

inline constexpr size_t kMaxSegmentsBeforeMerge = 8;

// A tiered choice: when there are more than `max_segments`, the smallest segment together with
// every other segment at most 4x its size (at least 256 docs' worth), up to 16, and never fewer
// than the two smallest. Merging similar sizes keeps the total work O(n log n) in the docs added,
// where always merging the newest into the rest would be quadratic. Returns indices into
// `live_docs`, empty when no merge is due.
std::vector<size_t> pick_merge(std::span<const uint64_t> live_docs,
                               size_t max_segments = kMaxSegmentsBeforeMerge);

}  // namespace openbook::index
