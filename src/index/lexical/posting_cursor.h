// Iterates one term's postings in a segment, a block of 128 at a time, decoded into arrays that
// live in the cursor (no allocation). Term frequencies are decoded only when asked for. Blocks
// are validated as they are entered; damage makes the cursor end with corrupt() set, which the
// caller turns into a kCorrupt Status naming the segment.
//
// Thread-safety: a cursor belongs to one search on one thread.
#pragma once

#include <cstdint>
#include <span>

#include "index/lexical/postings_codec.h"
#include "index/lexical/segment_reader.h"

namespace openbook::index {

inline constexpr uint32_t kNoMoreDocs = UINT32_MAX;

class PostingCursor {
public:
    // Positions on the first posting.
    void init(const TermPostings& p, uint32_t n_docs) {
        metas_ = p.metas;
        impacts_ = p.impacts;
        data_ = p.data;
        data_end_ = p.data_end;
        n_blocks_ = p.n_blocks;
        n_impacts_ = p.n_impacts;
        n_term_impacts_ = p.n_term_impacts;
        df_ = p.df;
        n_docs_ = n_docs;
        corrupt_ = false;
        shallow_ = 0;
        blocks_decoded_ = 0;
        load_block(0);
    }

    uint32_t doc() const { return doc_; }
    bool corrupt() const { return corrupt_; }
    uint32_t df() const { return df_; }
    uint64_t blocks_decoded() const { return blocks_decoded_; }

    void next() {
        if (++pos_ < block_len_) {
            doc_ = docs_[pos_];
        } else {
            load_block(block_ + 1);
        }
    }

    // Moves to the first posting with doc >= target (no move when already there).
    void next_geq(uint32_t target) {
        if (doc_ >= target) return;
        if (metas_[block_].last_doc < target) {
            uint32_t b = block_ + 1;
            while (b < n_blocks_ && metas_[b].last_doc < target) ++b;
            if (!load_block(b) || doc_ == kNoMoreDocs) return;
        }
        uint32_t p = pos_;
        while (docs_[p] < target) ++p;  // the block's last doc is >= target
        pos_ = p;
        doc_ = docs_[p];
    }

    uint32_t tf() {
        if (!tf_state_.tfs_ready) codec::decode_block_tfs(block_len_, &tf_state_, tfs_);
        return tfs_[pos_];
    }

    // The block, at or after the current one, that would hold `target` (n_blocks() if none):
    // found from block metadata alone, without decoding.
    uint32_t shallow_block(uint32_t target) {
        uint32_t s = shallow_ > block_ ? shallow_ : block_;
        if (s > block_ && metas_[s - 1].last_doc >= target) s = block_;  // target went back
        while (s < n_blocks_ && metas_[s].last_doc < target) ++s;
        shallow_ = s;
        return s;
    }
    uint32_t n_blocks() const { return n_blocks_; }
    uint32_t block_last_doc(uint32_t b) const { return metas_[b].last_doc; }
    // Empty (and corrupt() set) when the block's impact range is out of bounds.
    std::span<const ImpactPair> block_impacts(uint32_t b) {
        const BlockMeta& m = metas_[b];
        if (m.impact_begin > n_impacts_ || m.impact_count > n_impacts_ - m.impact_begin ||
            m.impact_count == 0) {
            fail();
            return {};
        }
        return {impacts_ + m.impact_begin, m.impact_count};
    }
    std::span<const ImpactPair> term_impacts() const { return {impacts_, n_term_impacts_}; }

private:
    void fail() {
        corrupt_ = true;
        doc_ = kNoMoreDocs;
        block_ = n_blocks_ == 0 ? 0 : n_blocks_ - 1;
        block_len_ = 0;
    }

    // Returns false on damage.
    bool load_block(uint32_t b) {
        if (b >= n_blocks_) {
            doc_ = kNoMoreDocs;
            block_ = n_blocks_ - 1;
            pos_ = block_len_ = 0;
            return true;
        }
        const BlockMeta& m = metas_[b];
        uint32_t base = 0;
        if (b > 0) {
            if (metas_[b - 1].last_doc >= m.last_doc) return fail(), false;
            base = metas_[b - 1].last_doc + 1;
        }
        if (m.last_doc >= n_docs_ || m.data_off >= static_cast<uint64_t>(data_end_ - data_)) {
            return fail(), false;
        }
        uint32_t n = b + 1 < n_blocks_ ? kBlockSize : df_ - b * kBlockSize;
        if (!codec::decode_block_docs(data_ + m.data_off, data_end_, n, base, m.last_doc, docs_,
                                      tfs_, &tf_state_)) {
            return fail(), false;
        }
        block_ = b;
        block_len_ = n;
        pos_ = 0;
        doc_ = docs_[0];
        ++blocks_decoded_;
        return true;
    }

    const BlockMeta* metas_ = nullptr;
    const ImpactPair* impacts_ = nullptr;
    const uint8_t* data_ = nullptr;
    const uint8_t* data_end_ = nullptr;
    uint32_t n_blocks_ = 0;
    uint32_t n_impacts_ = 0;
    uint32_t n_term_impacts_ = 0;
    uint32_t df_ = 0;
    uint32_t n_docs_ = 0;
    uint32_t block_ = 0;
    uint32_t block_len_ = 0;
    uint32_t pos_ = 0;
    uint32_t doc_ = kNoMoreDocs;
    uint32_t shallow_ = 0;
    bool corrupt_ = false;
    uint64_t blocks_decoded_ = 0;
    codec::TfState tf_state_;
    alignas(64) uint32_t docs_[kBlockSize];
    alignas(64) uint32_t tfs_[kBlockSize];
};

}  // namespace openbook::index
