#include "index/lexical/memory_segment.h"

#include <algorithm>
#include <numeric>

namespace openbook::index {

void MemorySegment::add(const IndexableChunk& chunk) {
    const uint32_t doc = static_cast<uint32_t>(docs_.size());
    docs_.push_back({chunk.chunk_id, chunk.document_id});
    lens_.push_back(static_cast<uint32_t>(std::min<size_t>(chunk.terms.size(), UINT32_MAX)));
    dead_.push_back(0);
    by_document_[chunk.document_id].push_back(doc);
    bytes_ += sizeof(DocEntry) + 16;

    scratch_ids_.clear();
    for (const std::string& term : chunk.terms) {
        if (term.size() > kMaxTermBytes) continue;
        auto [it, inserted] = term_ids_.try_emplace(term, static_cast<uint32_t>(postings_.size()));
        if (inserted) {
            term_names_.push_back(&it->first);
            postings_.emplace_back();
            bytes_ += term.size() + 64;
        }
        scratch_ids_.push_back(it->second);
    }
    std::sort(scratch_ids_.begin(), scratch_ids_.end());
    for (size_t i = 0; i < scratch_ids_.size();) {
        size_t j = i + 1;
        while (j < scratch_ids_.size() && scratch_ids_[j] == scratch_ids_[i]) ++j;
        postings_[scratch_ids_[i]].push_back({doc, static_cast<uint32_t>(j - i)});
        bytes_ += sizeof(Posting);
        i = j;
    }
}

size_t MemorySegment::remove_document(int64_t document_id) {
    auto it = by_document_.find(document_id);
    if (it == by_document_.end()) return 0;
    size_t n = 0;
    for (uint32_t doc : it->second) {
        if (!dead_[doc]) {
            dead_[doc] = 1;
            ++n_dead_;
            ++n;
        }
    }
    by_document_.erase(it);
    return n;
}

Result<WrittenSegment> MemorySegment::write(const std::filesystem::path& path,
                                            SegmentWriterOptions options) const {
    WrittenSegment result;
    if (live_docs() == 0) return result;
    constexpr uint32_t kDropped = UINT32_MAX;
    std::vector<uint32_t> remap(docs_.size(), kDropped);
    std::vector<DocEntry> docs;
    std::vector<uint32_t> lens;
    docs.reserve(live_docs());
    lens.reserve(live_docs());
    for (uint32_t d = 0; d < docs_.size(); ++d) {
        if (dead_[d]) continue;
        remap[d] = static_cast<uint32_t>(docs.size());
        docs.push_back(docs_[d]);
        lens.push_back(lens_[d]);
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto writer, SegmentWriter::create(path, docs, lens, options));
    std::vector<uint32_t> order(term_names_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return *term_names_[a] < *term_names_[b]; });
    std::vector<uint32_t> out_docs, out_tfs;
    for (uint32_t t : order) {
        out_docs.clear();
        out_tfs.clear();
        for (const Posting& p : postings_[t]) {
            uint32_t nd = remap[p.doc];
            if (nd == kDropped) continue;
            out_docs.push_back(nd);
            out_tfs.push_back(p.tf);
        }
        if (out_docs.empty()) continue;
        OPENBOOK_RETURN_IF_ERROR(writer->add_term(*term_names_[t], out_docs, out_tfs));
        result.n_postings += out_docs.size();
    }
    OPENBOOK_ASSIGN_OR_RETURN(result.file_size, writer->finish());
    result.n_docs = static_cast<uint32_t>(docs.size());
    result.sum_doc_len = std::accumulate(lens.begin(), lens.end(), uint64_t{0});
    return result;
}

void MemorySegment::clear() {
    term_ids_.clear();
    term_names_.clear();
    postings_.clear();
    docs_.clear();
    lens_.clear();
    dead_.clear();
    by_document_.clear();
    n_dead_ = 0;
    bytes_ = 0;
}

}  // namespace openbook::index
