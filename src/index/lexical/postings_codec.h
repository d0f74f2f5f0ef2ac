// Postings compression: blocks of up to 128 (doc, tf) postings.
//
// A block stores doc gaps relative to `base` (the previous block's last doc + 1, or 0): the i-th
// doc is base + sum_{j<=i} gap_j + i, so consecutive docs cost a gap of 0. Term frequencies are
// stored as tf - 1. Full blocks are bit-packed (frame of reference: one bit width for the 128
// gaps, one for the 128 tfs); a term's last, partial block is varint-coded. Measured on a
// Zipfian corpus (50k docs x 100 terms, 4M postings; lexical_bench_test.cpp): bit-packed full
// blocks decode in ~150-200 ns per 128 docs against ~550-1000 ns for varint blocks, and the
// segment is 3.1 bytes/posting against 3.9 (varint).
//
// Decoders never read past `end` except for the bit unpacker's documented over-read of at most
// 8 bytes past the packed data, which the segment layout pads for. They validate what they
// decode (widths <= 32, varints in bounds, docs summing exactly to the block's recorded last doc
// in 64-bit arithmetic) and report damage by returning false: no throw, no allocation.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "index/lexical/segment_format.h"

namespace openbook::index::codec {

// ---- varint (LEB128, at most 5 bytes for a uint32) ----
void put_varint(std::string& out, uint32_t v);
// Returns the byte after the varint, or nullptr when it runs past `end` or exceeds 32 bits.
const uint8_t* get_varint(const uint8_t* p, const uint8_t* end, uint32_t* v);

// ---- bit packing of exactly kBlockSize values ----
uint32_t max_bit_width(const uint32_t* values, size_t n);  // 0 when all are 0
// Appends 16 * bits bytes.
void pack128(const uint32_t* values, uint32_t bits, std::string& out);
// Reads 16 * bits bytes from `in` (plus up to 8 bytes of over-read); bits <= 32.
void unpack128(const uint8_t* in, uint32_t bits, uint32_t* out);

// ---- blocks ----
// Encodes n (1..kBlockSize) postings with strictly increasing docs >= base and tfs >= 1.
// Full blocks are bit-packed unless `force_varint` (kept for measuring the alternative).
void encode_block(const uint32_t* docs, const uint32_t* tfs, uint32_t n, uint32_t base,
                  std::string& out, bool force_varint = false);

// Decodes the docs of a block of n postings in [data, end). `tf_state` remembers where the tfs
// are for decode_block_tfs (tfs are decoded only for blocks that get scored). For varint blocks
// the tfs are decoded right away into `tfs`. Returns false when the block is damaged.
struct TfState {
    const uint8_t* tf_data = nullptr;
    uint8_t encoding = 0;
    uint8_t tf_bits = 0;
    bool tfs_ready = false;
};
bool decode_block_docs(const uint8_t* data, const uint8_t* end, uint32_t n, uint32_t base,
                       uint32_t last_doc, uint32_t* docs, uint32_t* tfs, TfState* tf_state);
void decode_block_tfs(uint32_t n, TfState* tf_state, uint32_t* tfs);

// ---- impacts ----
// The Pareto frontier of (tf, len) pairs (see segment_format.h), ascending tf, capped at `cap`
// entries by merging neighbours into (higher tf, lower len). `scratch` avoids allocations.
void compute_frontier(const uint32_t* tfs, const uint32_t* lens, size_t n, uint32_t cap,
                      std::vector<ImpactPair>& scratch, std::vector<ImpactPair>& out);

}  // namespace openbook::index::codec
