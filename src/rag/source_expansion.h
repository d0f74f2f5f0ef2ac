// Source expansion: turns ranked search hits into the sources an answer is built from.
// "Retrieve, optionally expand each hit with its neighbouring chunks, drop near-duplicates,
// order."
//
// Contract of expand_sources(hits, options, fetch): `hits` are a search's hits, best first (rank
// 1 = hits[0]), with text. The result holds every input hit exactly once: in one of `sources`
// (best first) or in one of `dropped`. Steps, in this order:
//
// 1. Expansion (options.neighbours > 0; 0 = off, the default). Each hit is widened with up to
//    `neighbours` chunks before and after it in its document, nearest first (at equal distance
//    the chunk before goes first: it holds what the hit's text continues from), while the
//    widened span stays within options.max_chars code points. A side stops at its first chunk
//    that does not fit, so a source is always one contiguous stretch of the document; the hit
//    itself is always kept whole, even when it alone is longer. The chunks come from `fetch`
//    (one call per hit; chunk_fetcher(collection) does it in one indexed catalog query). A hit
//    whose document was removed or re-ingested since the search is kept as it was, with a note.
// 2. Joining. A source's chunks are joined in document order by their char spans: ingest
//    overlaps consecutive chunks (ChunkingOptions::overlap_tokens), so text before the end of
//    what is already joined is skipped (counted in code points), never repeated. The white space
//    between chunks that do not touch (chunks never begin or end with white space) is filled
//    with as many code points (one space, or that many newlines), so the joined text has exactly
//    char_end - char_start code points and its code point p is document position char_start + p
//    (sentence spans computed from it stay exact).
// 3. Same-document merge (only when expanding). A hit whose chunk range overlaps or is adjacent
//    to (ordinals touch) the range of a better-ranked source of the same document joins that
//    source, which keeps its position and its best hit's score, chunk id, heading path and page.
//    A merged source can exceed max_chars: at most max_chars per hit it holds.
// 4. Near-duplicate removal (options.remove_duplicates). A source is dropped when, compared with
//    a better-ranked source that was kept, either
//    - its normalized text lies entirely inside the kept one's (containment), or
//    - the Jaccard similarity of their sets of 5-code-point shingles is >=
//      options.duplicate_threshold (0.8).
//    Normalized text: case-folded with compatibility forms (ＡＢＣ = abc), white space,
//    punctuation and symbols removed. Code-point shingles need no word boundaries, so English and
//    Chinese (written without spaces) are measured the same way, and a copy that differs only in
//    line wrapping, spacing or punctuation scores 1. An empty normalized text (punctuation only)
//    is never a duplicate. Traditional vs Simplified copies are NOT detected (no script folding).
// 5. Order: by rank of each source's best hit, best first; nothing is re-scored.
//
// With neighbours = 0 every kept hit comes back unchanged (text, span, highlights); only step 4
// runs.
//
// Each source is a SearchHit ready for AnswerSource / prompt_source_from_hit: document fields of
// its document; score, chunk_id, ordinal, heading_path and page of its best-ranked hit (the
// heading and page where the matching passage sits, not those of a neighbour before it); text
// and char span of the joined stretch; highlights of every hit it holds, moved into the joined
// text.
//
// Integration: after Collection::search, call
//   expand_sources(result.hits, options, chunk_fetcher(collection))
// number result.sources 1..n as AnswerSource{number, source.hit}, and add
// describe_expansion(result) to the answer's notes. sources[i].ranks maps a source back to the
// search's hits; dropped[] says which hits were left out and why.
//
// Cost: one fetch per hit when expanding (k indexed queries, each returning <= 2n+1 chunks);
// then O(k * L log L) to join, normalize and shingle and O(k^2 * L) to compare, for k sources of
// L code points. Measured at -O2: 5 sources of 1,500 code points about 0.8 ms; the worst case of
// the defaults, 10 distinct sources of 6,000 code points (45 full comparisons), 6-10 ms.
//
// Thread-safety: pure function apart from the fetcher, which is called on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/collection.h"
#include "openbook/status.h"
#include "openbook/types.h"

namespace openbook::rag {

// The chunks of a document with ordinals in [first, last] (inclusive, clamped to the document),
// in ordinal order, filled like search hits; kNotFound for an unknown document.
using ChunkFetcher = std::function<Result<std::vector<SearchHit>>(
    int64_t document_id, int64_t first_ordinal, int64_t last_ordinal)>;

// Collection::chunks_of_document. The collection must outlive the fetcher.
ChunkFetcher chunk_fetcher(Collection& collection);

struct ExpansionOptions {
    // Chunks added before and after each hit (the CLI's --neighbours); 0: no expansion.
    int64_t neighbours = 0;
    // Code points per expanded source; neighbours that would take it past this are left out.
    // 6000 fits a default-size English chunk (256 tokens, about 1,500 code points) with one
    // neighbour on each side, and about twenty Chinese chunks' worth; <= 0: no limit.
    int64_t max_chars = 6000;
    bool remove_duplicates = true;
    // Jaccard similarity of 5-code-point shingle sets at or above which a source is a
    // near-duplicate of a better-ranked one. One changed character alters at most 5 shingles,
    // so a copy with a few words edited still scores above 0.9, while distinct passages on the
    // same topic share few 5-grams (typically < 0.3), and neighbouring chunks that overlap by
    // ingest's 32 tokens of a 256-token chunk about 0.1. 0.8 keeps a wide margin on both sides.
    double duplicate_threshold = 0.8;
};

inline constexpr size_t kShingleCodePoints = 5;

struct ExpandedSource {
    SearchHit hit;                   // the source (see the header comment for which fields)
    std::vector<int> ranks;          // 1-based ranks of the input hits it holds, ascending
    std::vector<int64_t> chunk_ids;  // its chunks, in document order (hits and neighbours)
    int64_t first_ordinal = 0;       // its chunks' ordinal range, inclusive
    int64_t last_ordinal = 0;
};

struct DroppedDuplicate {
    std::vector<int> ranks;  // 1-based ranks of the input hits the dropped source held
    int duplicate_of = 0;    // rank of the kept source it duplicates (that source's ranks[0])
    size_t kept_index = 0;   // that source's index in ExpansionResult::sources
    double similarity = 0;   // Jaccard of the shingle sets
    // The reason was containment (its normalized text lies entirely inside the kept source's)
    // and the similarity is below the threshold.
    bool contained = false;
    std::string path;  // of the dropped source's document (as given at ingest)
};

struct ExpansionResult {
    std::vector<ExpandedSource> sources;    // best first
    std::vector<DroppedDuplicate> dropped;  // in rank order
    // Things that did not go as asked, e.g. a hit whose document changed since the search.
    std::vector<std::string> notes;
};

// kInvalidArgument for negative neighbours, a duplicate_threshold outside (0, 1], or a missing
// fetcher when neighbours > 0; a fetch error other than kNotFound is returned with context.
Result<ExpansionResult> expand_sources(const std::vector<SearchHit>& hits,
                                       const ExpansionOptions& options,
                                       const ChunkFetcher& fetch = {});

// One line per merged source, dropped duplicate and note, for the caller to print, e.g.
// "hit 4 (docs/copy.md) left out: a near-duplicate (93% similar) of hit 1".
std::vector<std::string> describe_expansion(const ExpansionResult& result);

// The parts of step 4, exposed for tests and tuning: the normalized text (as code points) and
// the Jaccard similarity of two texts' shingle sets.
std::u32string normalize_for_dedup(std::string_view text);
double shingle_jaccard(std::string_view a, std::string_view b);

}  // namespace openbook::rag
