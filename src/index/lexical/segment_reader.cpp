#include "index/lexical/segment_reader.h"

#include <algorithm>
#include <cstring>

namespace openbook::index {

std::string segment_file_name(uint64_t segment_id) {
    return "seg-" + std::to_string(segment_id) + ".lex";
}

std::string deletion_file_name(uint64_t segment_id, uint64_t deletion_generation) {
    return "seg-" + std::to_string(segment_id) + ".del-" + std::to_string(deletion_generation);
}

namespace {

// [off, off + count * size) lies within [lo, hi), without overflow.
bool span_within(uint64_t off, uint64_t count, uint64_t size, uint64_t lo, uint64_t hi) {
    if (off < lo || off > hi) return false;
    if (size != 0 && count > (hi - off) / size) return false;
    return true;
}

}  // namespace

Result<std::shared_ptr<const SegmentReader>> SegmentReader::open(const std::filesystem::path& path,
                                                                 uint64_t expected_size) {
    OPENBOOK_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
    auto corrupt = [&](const std::string& why) {
        return Status::corrupt(path.string() + ": " + why);
    };
    const uint64_t size = file->size();
    if (size < sizeof(SegmentHeader) + sizeof(SegmentFooter)) return corrupt("truncated segment");
    if (expected_size != 0 && size != expected_size) {
        return corrupt("size " + std::to_string(size) + " but the manifest says " +
                       std::to_string(expected_size));
    }
    const auto* h = reinterpret_cast<const SegmentHeader*>(file->data());
    if (h->magic != kSegmentMagic) return corrupt("not a lexical segment (bad magic)");
    if (h->version != kSegmentVersion) {
        return Status::unsupported(path.string() + ": segment version " +
                                   std::to_string(h->version) + " is not supported");
    }
    SegmentFooter footer;
    std::memcpy(&footer, file->data() + size - sizeof footer, sizeof footer);
    if (footer.magic != kSegmentEndMagic) return corrupt("truncated segment (bad end magic)");
    if (h->header_size != sizeof(SegmentHeader) || h->file_size != size) {
        return corrupt("truncated segment (size mismatch)");
    }
    if (checksum64(h, sizeof *h) != footer.checksum) return corrupt("header checksum mismatch");
    const uint64_t body_end = size - sizeof(SegmentFooter);
    if (checksum64(file->data() + sizeof(SegmentHeader), body_end - sizeof(SegmentHeader)) !=
        h->body_hash) {
        return corrupt("checksum mismatch");
    }

    // Section bounds, in file order.
    if (h->n_docs >= kMaxSegmentDocs) return corrupt("too many docs");
    if (h->postings_off != sizeof(SegmentHeader)) return corrupt("bad postings offset");
    uint64_t postings_end = h->postings_off + h->postings_size;
    if (!span_within(h->postings_off, h->postings_size, 1, h->postings_off, body_end) ||
        !span_within(postings_end, kPostingsPadding, 1, postings_end, body_end) ||
        h->dict_off < postings_end + kPostingsPadding || h->dict_off % 8 != 0 ||
        !span_within(h->dict_off, h->n_terms, sizeof(TermEntry), h->dict_off, body_end) ||
        h->pool_off != h->dict_off + h->n_terms * sizeof(TermEntry) ||
        !span_within(h->pool_off, h->pool_size, 1, h->pool_off, body_end) ||
        h->docs_off < h->pool_off + h->pool_size || h->docs_off % 8 != 0 ||
        !span_within(h->docs_off, h->n_docs, sizeof(DocEntry), h->docs_off, body_end) ||
        h->lens_off != h->docs_off + h->n_docs * sizeof(DocEntry) ||
        !span_within(h->lens_off, h->n_docs, sizeof(uint32_t), h->lens_off, body_end)) {
        return corrupt("section out of bounds");
    }

    std::shared_ptr<SegmentReader> r(new SegmentReader());
    r->header_ = h;
    r->dict_ = reinterpret_cast<const TermEntry*>(file->data() + h->dict_off);
    r->pool_ = file->data() + h->pool_off;
    r->docs_ = reinterpret_cast<const DocEntry*>(file->data() + h->docs_off);
    r->lens_ = reinterpret_cast<const uint32_t*>(file->data() + h->lens_off);

    uint64_t sum_len = 0;
    for (uint64_t i = 0; i < h->n_docs; ++i) sum_len += r->lens_[i];
    if (sum_len != h->sum_doc_len) return corrupt("document lengths do not add up");

    uint64_t n_postings = 0;
    for (uint64_t i = 0; i < h->n_terms; ++i) {
        const TermEntry& e = r->dict_[i];
        if (!span_within(e.str_off, e.str_len, 1, 0, h->pool_size) || e.df == 0 ||
            e.df > h->n_docs || e.n_blocks != (e.df + kBlockSize - 1) / kBlockSize ||
            e.n_term_impacts == 0 || e.n_term_impacts > e.n_impacts ||
            e.n_impacts > e.region_size / sizeof(ImpactPair) || e.region_off % 4 != 0 ||
            !span_within(e.region_off, e.region_size, 1, h->postings_off, postings_end) ||
            static_cast<uint64_t>(e.n_blocks) * sizeof(BlockMeta) +
                    static_cast<uint64_t>(e.n_impacts) * sizeof(ImpactPair) >
                e.region_size) {
            return corrupt("bad dictionary entry " + std::to_string(i));
        }
        n_postings += e.df;
    }
    if (n_postings != h->n_postings) return corrupt("posting counts do not add up");
    r->file_ = std::move(file);
    return std::shared_ptr<const SegmentReader>(std::move(r));
}

int64_t SegmentReader::find_term(std::string_view term) const {
    uint64_t lo = 0, hi = header_->n_terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = term_at(mid).compare(term);
        if (c == 0) return static_cast<int64_t>(mid);
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

TermPostings SegmentReader::postings(uint64_t index) const {
    const TermEntry& e = dict_[index];
    const uint8_t* region = file_->data() + e.region_off;
    TermPostings p;
    p.df = e.df;
    p.n_blocks = e.n_blocks;
    p.n_impacts = e.n_impacts;
    p.n_term_impacts = e.n_term_impacts;
    p.metas = reinterpret_cast<const BlockMeta*>(region);
    p.impacts = reinterpret_cast<const ImpactPair*>(region + e.n_blocks * sizeof(BlockMeta));
    p.data = region + e.n_blocks * sizeof(BlockMeta) + e.n_impacts * sizeof(ImpactPair);
    p.data_end = region + e.region_size;
    return p;
}

}  // namespace openbook::index
