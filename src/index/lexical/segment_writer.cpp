#include "index/lexical/segment_writer.h"

#include <algorithm>
#include <cstring>

#include "index/lexical/postings_codec.h"

namespace openbook::index {

namespace {

template <class T>
std::string_view as_bytes(const T* p, size_t n) {
    return {reinterpret_cast<const char*>(p), n * sizeof(T)};
}

}  // namespace

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::create(const std::filesystem::path& path,
                                                             std::span<const DocEntry> docs,
                                                             std::span<const uint32_t> doc_lens,
                                                             SegmentWriterOptions options) {
    if (docs.size() != doc_lens.size()) {
        return Status::invalid_argument("segment writer: docs and doc lengths differ in size");
    }
    if (docs.size() >= kMaxSegmentDocs) {
        return Status::invalid_argument("segment writer: too many docs for one segment");
    }
    std::unique_ptr<SegmentWriter> w(new SegmentWriter());
    w->options_ = options;
    w->docs_.assign(docs.begin(), docs.end());
    w->lens_.assign(doc_lens.begin(), doc_lens.end());
    for (uint32_t len : doc_lens) w->sum_doc_len_ += len;
    OPENBOOK_ASSIGN_OR_RETURN(w->out_, HashingFileWriter::create(path, sizeof(SegmentHeader)));
    SegmentHeader placeholder{};
    OPENBOOK_RETURN_IF_ERROR(w->out_->write(as_bytes(&placeholder, 1)));
    w->postings_off_ = w->out_->position();
    return w;
}

Status SegmentWriter::add_term(std::string_view term, std::span<const uint32_t> docs,
                               std::span<const uint32_t> tfs) {
    if (docs.empty() || docs.size() != tfs.size()) {
        return Status::invalid_argument("segment writer: term without postings");
    }
    if (term.size() > kMaxTermBytes) return Status::invalid_argument("segment writer: long term");
    if (!dict_.empty() && term <= std::string_view(last_term_)) {
        return Status::invalid_argument("segment writer: terms out of order");
    }
    const size_t n = docs.size();
    posting_lens_.resize(n);
    for (size_t i = 0; i < n; ++i) {
        if (docs[i] >= docs_.size() || (i > 0 && docs[i] <= docs[i - 1]) || tfs[i] == 0) {
            return Status::invalid_argument("segment writer: bad postings for a term");
        }
        posting_lens_[i] = lens_[docs[i]];
    }

    const uint32_t n_blocks = static_cast<uint32_t>((n + kBlockSize - 1) / kBlockSize);
    metas_.clear();
    impacts_.clear();
    data_.clear();
    codec::compute_frontier(tfs.data(), posting_lens_.data(), n, kMaxTermImpacts,
                            frontier_scratch_, frontier_);
    const uint32_t n_term_impacts = static_cast<uint32_t>(frontier_.size());
    impacts_.insert(impacts_.end(), frontier_.begin(), frontier_.end());
    uint32_t base = 0;
    for (uint32_t b = 0; b < n_blocks; ++b) {
        size_t begin = static_cast<size_t>(b) * kBlockSize;
        uint32_t count = static_cast<uint32_t>(std::min<size_t>(kBlockSize, n - begin));
        codec::compute_frontier(tfs.data() + begin, posting_lens_.data() + begin, count,
                                kMaxBlockImpacts, frontier_scratch_, frontier_);
        if (data_.size() > UINT32_MAX) {
            return Status::invalid_argument("segment writer: postings of one term too large");
        }
        BlockMeta meta{};
        meta.last_doc = docs[begin + count - 1];
        meta.data_off = static_cast<uint32_t>(data_.size());
        meta.impact_begin = static_cast<uint32_t>(impacts_.size());
        meta.impact_count = static_cast<uint32_t>(frontier_.size());
        metas_.push_back(meta);
        impacts_.insert(impacts_.end(), frontier_.begin(), frontier_.end());
        codec::encode_block(docs.data() + begin, tfs.data() + begin, count, base, data_,
                            options_.force_varint);
        base = meta.last_doc + 1;
    }

    OPENBOOK_RETURN_IF_ERROR(out_->align(4));
    TermEntry entry{};
    entry.str_off = pool_.size();
    entry.str_len = static_cast<uint32_t>(term.size());
    entry.df = static_cast<uint32_t>(n);
    entry.region_off = out_->position();
    entry.region_size = metas_.size() * sizeof(BlockMeta) + impacts_.size() * sizeof(ImpactPair) +
                        data_.size();
    entry.n_blocks = n_blocks;
    entry.n_impacts = static_cast<uint32_t>(impacts_.size());
    entry.n_term_impacts = n_term_impacts;
    OPENBOOK_RETURN_IF_ERROR(out_->write(as_bytes(metas_.data(), metas_.size())));
    OPENBOOK_RETURN_IF_ERROR(out_->write(as_bytes(impacts_.data(), impacts_.size())));
    OPENBOOK_RETURN_IF_ERROR(out_->write(data_));
    dict_.push_back(entry);
    pool_.append(term);
    last_term_.assign(term);
    n_postings_ += n;
    return {};
}

Result<uint64_t> SegmentWriter::finish() {
    SegmentHeader h{};
    h.magic = kSegmentMagic;
    h.version = kSegmentVersion;
    h.header_size = sizeof(SegmentHeader);
    h.n_docs = docs_.size();
    h.n_terms = dict_.size();
    h.n_postings = n_postings_;
    h.sum_doc_len = sum_doc_len_;
    h.postings_off = postings_off_;
    h.postings_size = out_->position() - postings_off_;
    OPENBOOK_RETURN_IF_ERROR(out_->write_zeros(kPostingsPadding));
    OPENBOOK_RETURN_IF_ERROR(out_->align(8));
    h.dict_off = out_->position();
    OPENBOOK_RETURN_IF_ERROR(out_->write(as_bytes(dict_.data(), dict_.size())));
    h.pool_off = out_->position();
    h.pool_size = pool_.size();
    OPENBOOK_RETURN_IF_ERROR(out_->write(pool_));
    OPENBOOK_RETURN_IF_ERROR(out_->align(8));
    h.docs_off = out_->position();
    OPENBOOK_RETURN_IF_ERROR(out_->write(as_bytes(docs_.data(), docs_.size())));
    h.lens_off = out_->position();
    OPENBOOK_RETURN_IF_ERROR(out_->write(as_bytes(lens_.data(), lens_.size())));
    OPENBOOK_RETURN_IF_ERROR(out_->align(8));
    h.file_size = out_->position() + sizeof(SegmentFooter);
    h.body_hash = out_->hash();
    SegmentFooter footer{};
    footer.checksum = checksum64(&h, sizeof h);
    footer.magic = kSegmentEndMagic;
    // The footer is outside the hashed body: write it without hashing by patching after the end.
    uint64_t footer_off = out_->position();
    OPENBOOK_RETURN_IF_ERROR(out_->patch(footer_off, as_bytes(&footer, 1)));
    OPENBOOK_RETURN_IF_ERROR(out_->patch(0, as_bytes(&h, 1)));
    OPENBOOK_RETURN_IF_ERROR(out_->commit());
    return h.file_size;
}

}  // namespace openbook::index
