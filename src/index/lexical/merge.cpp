#include "index/lexical/merge.h"

#include <algorithm>
#include <numeric>
#include <string_view>

#include "index/lexical/posting_cursor.h"

namespace openbook::index {

Result<WrittenSegment> merge_segments(std::span<const MergeInput> inputs,
                                      const std::filesystem::path& out,
                                      SegmentWriterOptions options) {
    constexpr uint32_t kDropped = UINT32_MAX;
    std::vector<std::vector<uint32_t>> remap(inputs.size());
    std::vector<DocEntry> docs;
    std::vector<uint32_t> lens;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const SegmentReader& seg = *inputs[i].segment;
        remap[i].assign(seg.n_docs(), kDropped);
        for (uint32_t d = 0; d < seg.n_docs(); ++d) {
            if (inputs[i].deletions != nullptr && inputs[i].deletions->test(d)) continue;
            if (docs.size() + 1 >= kMaxSegmentDocs) {
                return Status::invalid_argument("merge: too many docs for one segment");
            }
            remap[i][d] = static_cast<uint32_t>(docs.size());
            docs.push_back(seg.docs()[d]);
            lens.push_back(seg.doc_lens()[d]);
        }
    }
    WrittenSegment result;
    if (docs.empty()) return result;
    OPENBOOK_ASSIGN_OR_RETURN(auto writer, SegmentWriter::create(out, docs, lens, options));

    // k-way merge of the sorted dictionaries.
    std::vector<uint64_t> pos(inputs.size(), 0);
    std::vector<uint32_t> out_docs, out_tfs;
    PostingCursor cursor;
    for (;;) {
        std::string_view smallest;
        bool any = false;
        for (size_t i = 0; i < inputs.size(); ++i) {
            if (pos[i] >= inputs[i].segment->n_terms()) continue;
            std::string_view t = inputs[i].segment->term_at(pos[i]);
            if (!any || t < smallest) {
                smallest = t;
                any = true;
            }
        }
        if (!any) break;
        out_docs.clear();
        out_tfs.clear();
        for (size_t i = 0; i < inputs.size(); ++i) {
            const SegmentReader& seg = *inputs[i].segment;
            if (pos[i] >= seg.n_terms() || seg.term_at(pos[i]) != smallest) continue;
            cursor.init(seg.postings(pos[i]), seg.n_docs());
            for (uint32_t d = cursor.doc(); d != kNoMoreDocs; cursor.next(), d = cursor.doc()) {
                uint32_t nd = remap[i][d];
                if (nd == kDropped) continue;
                out_docs.push_back(nd);
                out_tfs.push_back(cursor.tf());
            }
            if (cursor.corrupt()) {
                return Status::corrupt(seg.path().string() + ": damaged postings for '" +
                                       std::string(smallest) + "'");
            }
            ++pos[i];
        }
        // Inputs are in doc order and renumbered in input order, so out_docs is increasing.
        if (!out_docs.empty()) {
            OPENBOOK_RETURN_IF_ERROR(writer->add_term(smallest, out_docs, out_tfs));
            result.n_postings += out_docs.size();
        }
    }
    OPENBOOK_ASSIGN_OR_RETURN(result.file_size, writer->finish());
    result.n_docs = static_cast<uint32_t>(docs.size());
    result.sum_doc_len = std::accumulate(lens.begin(), lens.end(), uint64_t{0});
    return result;
}

std::vector<size_t> pick_merge(std::span<const uint64_t> live_docs, size_t max_segments) {
    if (live_docs.size() <= max_segments || live_docs.size() < 2) return {};
    std::vector<size_t> order(live_docs.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return live_docs[a] < live_docs[b]; });
    const uint64_t limit = 4 * std::max<uint64_t>(live_docs[order[0]], 256);
    size_t take = 0;
    while (take < order.size() && take < 16 && live_docs[order[take]] <= limit) ++take;
    take = std::max<size_t>(take, 2);
    order.resize(take);
    return order;
}

}  // namespace openbook::index
