// BM25 top-k over a snapshot of segments: exhaustive scoring (the reference), block-max MaxScore
// (the default) and block-max WAND.
//
// Statistics are global over the snapshot: N = docs of all segments (deleted included), avgdl =
// their summed lengths / N, df summed over segments. idf = ln(1 + (N - df + 0.5) / (df + 0.5)).
// A doc's score is the sum, in query order (first appearance of each distinct term), of
//     w_t * (tf * (k1 + 1)) / (tf + (k1 * (1 - b) + (k1 * b / avgdl) * dl)),   w_t = idf_t * qtf_t
// all in float, by the one function both paths call, and both paths add the terms in the same
// order: their scores are bitwise identical, so pruning changes speed, never results.
//
// Pruning: a term's upper bound comes from the (tf, length) frontier stored per term and per
// block (segment_format.h), evaluated in double and widened by a margin that covers float
// rounding of the real scores and of their sum; a doc is skipped only when its bound is strictly
// below the k-th best score, since an equal score can still win on the smaller chunk id.
// Block-max MaxScore beat block-max WAND by 2-2.5x on the synthetic Zipfian benchmark (fewer
// docs fully scored, fewer blocks decoded), so it is the default; WAND stays as a second,
// independently tested implementation of the same contract.
//
// Thread-safety: search() may run on many threads at once over the same segments; each thread
// reuses its own scratch memory (thread_local), so a search allocates little beyond its result.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "index/lexical/deletions.h"
#include "index/lexical/lexical_index.h"
#include "index/lexical/segment_reader.h"

namespace openbook::index {

struct SegmentView {
    const SegmentReader* segment = nullptr;
    const DeletionBitmap* deletions = nullptr;  // null: nothing deleted
};

// The top-k algorithm when options.exhaustive is false. Both return exactly the exhaustive
// results; they differ in speed only.
enum class PruningAlgorithm {
    kBlockMaxMaxScore,  // the default: measured faster (see lexical_bench_test.cpp)
    kBlockMaxWand,
};

// kInvalidArgument for bad BM25 parameters (k1 < 0, b outside [0, 1], not finite); kCorrupt
// naming the segment file when a block turns out damaged.
Result<std::vector<ScoredChunk>> bm25_search(
    std::span<const SegmentView> segments, std::span<const std::string> query_terms,
    const SearchOptions& options,
    PruningAlgorithm algorithm = PruningAlgorithm::kBlockMaxMaxScore);

// Counters of the last search on this thread (for benchmarks and tests of pruning).
struct SearchCounters {
    uint64_t docs_scored = 0;      // docs whose full score was computed and offered
    uint64_t postings_scored = 0;  // term_score evaluations
    uint64_t windows = 0;          // block-max MaxScore windows
    uint64_t blocks_decoded = 0;
};
SearchCounters last_search_counters();

}  // namespace openbook::index
