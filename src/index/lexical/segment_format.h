// The on-disk layout of a lexical segment (seg-<id>.lex). All integers are little-endian; every
// struct here is POD with a static_assert on its size, read in place from the mapping.
//
//   SegmentHeader                     128 bytes at offset 0 (written last, by pwrite)
//   postings section                  one region per term, in dictionary order, each 4-aligned:
//       BlockMeta   [n_blocks]
//       ImpactPair  [n_impacts]       the term's frontier first (n_term_impacts), then each
//                                     block's (BlockMeta::impact_begin/impact_count)
//       block data  [n_blocks]        BlockMeta::data_off is relative to the first block's byte
//   kPostingsPadding zero bytes       lets the bit unpacker load 8 bytes past any block's end
//   TermEntry   [n_terms]             sorted by term bytes (memcmp order): binary search in place
//   term bytes                        the string pool TermEntry::str_off points into
//   DocEntry    [n_docs]              (chunk id, document id) of each segment-local doc number
//   doc lengths u32 [n_docs]          exact number of terms, for BM25
//   pad to 8, SegmentFooter           16 bytes: checksum, end magic
//
// The checksum is XXH3-64 of (header bytes with checksum-free content) ++ body hash, where the
// body hash is XXH3-64 of [sizeof(SegmentHeader), file_size - sizeof(SegmentFooter)): the body is
// hashed while it streams out and the header is hashed once its offsets are known.
//
// Impacts: a block's (tf, doc length) pairs on its Pareto frontier (no other posting in the block
// has both a higher-or-equal tf and a lower-or-equal length). BM25 grows with tf and shrinks with
// length for any k1 >= 0, 0 <= b <= 1, so the best score in the block is the best score over its
// frontier, whatever the query-time parameters and collection statistics. Frontiers longer than a
// cap are coarsened by merging neighbours into (higher tf, lower length), still an upper bound.
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace openbook::index {

static_assert(std::endian::native == std::endian::little, "segment files are little-endian");

inline constexpr uint64_t kSegmentMagic = 0x314753584c42424fULL;     // "OBBLXSG1"
inline constexpr uint64_t kSegmentEndMagic = 0x444e4558534c424fULL;  // "OBLSXEND"
inline constexpr uint32_t kSegmentVersion = 1;

inline constexpr uint32_t kBlockSize = 128;          // postings per block
inline constexpr uint32_t kPostingsPadding = 16;     // >= 8: the unpacker's over-read
inline constexpr uint32_t kMaxBlockImpacts = 8;      // frontier cap per block
inline constexpr uint32_t kMaxTermImpacts = 16;      // frontier cap per term
inline constexpr uint32_t kMaxTermBytes = 1u << 16;  // longer terms are not indexed
// Segment-local doc numbers are uint32; keep well away from the top so sums cannot overflow.
inline constexpr uint32_t kMaxSegmentDocs = 1u << 31;

// Block data starts with one encoding byte.
inline constexpr uint8_t kBlockBitPacked = 0;  // then u8 doc width, u8 tf width, packed values
inline constexpr uint8_t kBlockVarint = 1;     // then n doc deltas, then n (tf - 1), as varints

struct SegmentHeader {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;     // sizeof(SegmentHeader)
    uint64_t file_size;
    uint64_t n_docs;
    uint64_t n_terms;
    uint64_t n_postings;      // sum of df
    uint64_t sum_doc_len;     // sum of doc lengths, for avgdl
    uint64_t postings_off;    // start of the postings section
    uint64_t postings_size;   // without the padding
    uint64_t dict_off;        // TermEntry[n_terms]
    uint64_t pool_off;        // term bytes
    uint64_t pool_size;
    uint64_t docs_off;        // DocEntry[n_docs]
    uint64_t lens_off;        // uint32_t[n_docs]
    uint64_t body_hash;       // XXH3-64 of the body (see above)
    uint64_t reserved;
};
static_assert(sizeof(SegmentHeader) == 128);

struct SegmentFooter {
    uint64_t checksum;  // XXH3-64 of SegmentHeader bytes (whose body_hash covers the rest)
    uint64_t magic;     // kSegmentEndMagic
};
static_assert(sizeof(SegmentFooter) == 16);

struct TermEntry {
    uint64_t str_off;      // into the pool
    uint32_t str_len;
    uint32_t df;           // postings (docs containing the term), deleted ones included
    uint64_t region_off;   // absolute file offset of the term's region, 4-aligned
    uint64_t region_size;
    uint32_t n_blocks;     // ceil(df / kBlockSize)
    uint32_t n_impacts;    // ImpactPair entries in the region (term frontier + block frontiers)
    uint32_t n_term_impacts;
    uint32_t reserved;
};
static_assert(sizeof(TermEntry) == 48);

struct BlockMeta {
    uint32_t last_doc;      // the block's last (largest) doc number
    uint32_t data_off;      // block data start, relative to the region's data start
    uint32_t impact_begin;  // index into the region's ImpactPair array
    uint32_t impact_count;
};
static_assert(sizeof(BlockMeta) == 16);

struct ImpactPair {
    uint32_t tf;
    uint32_t doc_len;
};
static_assert(sizeof(ImpactPair) == 8);

struct DocEntry {
    int64_t chunk_id;
    int64_t document_id;
};
static_assert(sizeof(DocEntry) == 16);

// File names inside the index directory.
inline constexpr const char* kManifestName = "MANIFEST";
std::string segment_file_name(uint64_t segment_id);
std::string deletion_file_name(uint64_t segment_id, uint64_t deletion_generation);

}  // namespace openbook::index
