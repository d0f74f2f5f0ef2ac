// The chunker: cuts a Document into passages sized for retrieval and for a model's context,
// along the document's own structure and sentence boundaries.
//
// Rules, in order of priority:
// 1. A chunk never crosses a hard boundary: a top-level heading (heading_level 1) or a page
//    change. Deeper headings are soft boundaries: the chunk ends there unless it is still
//    smaller than min_tokens, so tiny sections merge with the next one.
// 2. Chunks are built from whole sentences (text::split_sentences within each section) up to
//    target_tokens; a sentence longer than max_tokens is cut at word boundaries (Latin) or
//    between characters (CJK), never right before trailing punctuation.
// 3. Consecutive chunks of the same section overlap by whole trailing sentences of up to
//    overlap_tokens (0 disables overlap).
// 4. A chunk never starts with white space or trailing punctuation (text::is_trailing_punctuation)
//    and never ends with white space; empty chunks are never produced.
// Every chunk records its exact span: text.substr(byte_start, byte_end - byte_start) is the chunk
// text, and [char_start, char_end) is the same span in code points.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/document.h"

namespace openbook::ingest {

struct ChunkerOptions {
    size_t target_tokens = 256;  // aim for chunks of about this size (text::estimate_tokens)
    size_t max_tokens = 384;     // hard limit: no chunk is larger (a single long sentence is cut)
    size_t overlap_tokens = 32;  // trailing sentences repeated at the start of the next chunk
    size_t min_tokens = 64;      // a chunk smaller than this runs on past a soft boundary
};

// Checks the options make sense (0 < target <= max, overlap < target, min <= target);
// the message names the offending option.
std::string validate_chunker_options(const ChunkerOptions& options);  // empty when valid

struct Chunk {
    size_t byte_start = 0;  // [byte_start, byte_end) in Document::text
    size_t byte_end = 0;
    size_t char_start = 0;  // the same span in code points
    size_t char_end = 0;
    std::vector<std::string> heading_path;  // of the section where the chunk's body starts
    int page = 0;                           // page of the chunk's start (0: no pages)
    size_t token_estimate = 0;              // text::estimate_tokens of the chunk text
};

std::vector<Chunk> chunk_document(const Document& doc, const ChunkerOptions& options);

}  // namespace openbook::ingest
