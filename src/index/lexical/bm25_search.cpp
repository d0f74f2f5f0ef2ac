#include "index/lexical/bm25_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "index/lexical/posting_cursor.h"

namespace openbook::index {

namespace {

struct Bm25Consts {
    float k1p1 = 0;  // k1 + 1
    float a = 0;     // k1 * (1 - b)
    float c = 0;     // k1 * b / avgdl
};

// The one scoring expression, shared by both paths.
inline float term_score(float weight, uint32_t tf, uint32_t doc_len, const Bm25Consts& k) {
    float tff = static_cast<float>(tf);
    return weight * ((tff * k.k1p1) / (tff + (k.a + k.c * static_cast<float>(doc_len))));
}

// An upper bound of term_score over every (tf, len) that the pair dominates. Exact arithmetic on
// the same float constants, in double, widened by 1e-6 relative: the float expression has five
// roundings (< 4e-7 relative), so the bound holds even where float rounding is not monotone.
inline double impact_bound(float weight, const ImpactPair& p, const Bm25Consts& k) {
    double tf = p.tf;
    double v = static_cast<double>(weight) * (tf * static_cast<double>(k.k1p1)) /
               (tf + (static_cast<double>(k.a) + static_cast<double>(k.c) * p.doc_len));
    return v * (1.0 + 1e-6);
}

struct Entry {
    float score;
    int64_t chunk_id;
    int64_t document_id;
};

inline bool better(const Entry& x, const Entry& y) {
    return x.score > y.score || (x.score == y.score && x.chunk_id < y.chunk_id);
}

// The k best entries seen; heap[0] is the worst of them.
class TopK {
public:
    void reset(size_t k) {
        k_ = k;
        heap_.clear();
        if (heap_.capacity() < k && k <= 4096) heap_.reserve(k);
    }
    bool full() const { return heap_.size() >= k_; }
    // Scores strictly below this cannot enter; -1 (below every score) while not full.
    double threshold() const { return full() ? static_cast<double>(heap_[0].score) : -1.0; }
    bool would_enter(float score, int64_t chunk_id) const {
        return !full() || better(Entry{score, chunk_id, 0}, heap_[0]);
    }
    void push(const Entry& e) {
        if (!full()) {
            heap_.push_back(e);
            std::push_heap(heap_.begin(), heap_.end(), better);
        } else {
            std::pop_heap(heap_.begin(), heap_.end(), better);
            heap_.back() = e;
            std::push_heap(heap_.begin(), heap_.end(), better);
        }
    }
    std::vector<ScoredChunk> sorted() {
        std::sort(heap_.begin(), heap_.end(), better);
        std::vector<ScoredChunk> out;
        out.reserve(heap_.size());
        for (const Entry& e : heap_) out.push_back({e.chunk_id, e.document_id, e.score});
        return out;
    }

private:
    size_t k_ = 0;
    std::vector<Entry> heap_;
};

struct ScoringCursor {
    PostingCursor cursor;
    float weight = 0;
    uint32_t term = 0;              // index in query order
    double upper_bound = 0;         // over the whole list in this segment
    uint32_t bound_block = UINT32_MAX;  // block whose bound is cached
    double bound = 0;
    double window_bound = 0;        // block-max MaxScore: bound within the current window
    uint32_t hit_doc = kNoMoreDocs;  // the doc `contrib` was computed for
    float contrib = 0;
};

struct Scratch {
    bool in_use = false;
    // Query terms, deduplicated, in order of first appearance.
    std::vector<uint32_t> order_idx;
    std::vector<std::string_view> terms;
    std::vector<uint32_t> qtf;
    std::vector<uint32_t> first_pos;
    std::vector<uint32_t> group_qtf;
    std::vector<uint32_t> perm;
    std::vector<float> weights;
    std::vector<uint64_t> df;
    std::vector<int64_t> lookups;  // [segment * n_terms + term]: dictionary index or -1
    std::vector<ScoringCursor> cursors;
    std::vector<ScoringCursor*> order;
    std::vector<double> prefix;  // block-max MaxScore: summed window bounds of the cheapest terms
    std::vector<float> acc;
    std::vector<uint8_t> seen;
    TopK top;
    SearchCounters counters;
};

thread_local Scratch t_scratch;
thread_local SearchCounters t_last_counters;

class ScratchLease {
public:
    ScratchLease() {
        if (!t_scratch.in_use) {
            s_ = &t_scratch;
        } else {  // re-entered from a document filter: use a private scratch
            own_ = std::make_unique<Scratch>();
            s_ = own_.get();
        }
        s_->in_use = true;
    }
    ~ScratchLease() { s_->in_use = false; }
    Scratch& operator*() { return *s_; }

private:
    Scratch* s_ = nullptr;
    std::unique_ptr<Scratch> own_;
};

// Deduplicates the query into s.terms / s.qtf in order of first appearance.
void prepare_terms(std::span<const std::string> query, Scratch& s) {
    s.order_idx.resize(query.size());
    for (uint32_t i = 0; i < query.size(); ++i) s.order_idx[i] = i;
    std::stable_sort(s.order_idx.begin(), s.order_idx.end(),
                     [&](uint32_t a, uint32_t b) { return query[a] < query[b]; });
    // Runs of equal terms: first position (the smallest, thanks to the stable sort) and count.
    s.first_pos.clear();
    s.group_qtf.clear();
    for (size_t i = 0; i < s.order_idx.size();) {
        size_t j = i + 1;
        while (j < s.order_idx.size() && query[s.order_idx[j]] == query[s.order_idx[i]]) ++j;
        s.first_pos.push_back(s.order_idx[i]);
        s.group_qtf.push_back(static_cast<uint32_t>(j - i));
        i = j;
    }
    s.perm.resize(s.first_pos.size());
    for (uint32_t i = 0; i < s.perm.size(); ++i) s.perm[i] = i;
    std::sort(s.perm.begin(), s.perm.end(),
              [&](uint32_t a, uint32_t b) { return s.first_pos[a] < s.first_pos[b]; });
    s.terms.clear();
    s.qtf.clear();
    for (uint32_t g : s.perm) {
        s.terms.push_back(query[s.first_pos[g]]);
        s.qtf.push_back(s.group_qtf[g]);
    }
}

inline bool is_deleted(const DeletionBitmap* del, uint32_t doc) {
    return del != nullptr && del->test(doc);
}

inline void insertion_sort(ScoringCursor** order, size_t n) {
    for (size_t i = 1; i < n; ++i) {
        ScoringCursor* x = order[i];
        uint32_t d = x->cursor.doc();
        size_t j = i;
        while (j > 0 && order[j - 1]->cursor.doc() > d) {
            order[j] = order[j - 1];
            --j;
        }
        order[j] = x;
    }
}

class SegmentSearcher {
public:
    SegmentSearcher(const SegmentView& view, Scratch& s, const Bm25Consts& k,
                    const SearchOptions& options)
        : view_(view), s_(s), k_(k), options_(options) {}

    void offer(float score, uint32_t doc) {
        const DocEntry& e = view_.segment->docs()[doc];
        if (!s_.top.would_enter(score, e.chunk_id)) return;
        if (options_.document_filter && !options_.document_filter(e.document_id)) return;
        s_.top.push({score, e.chunk_id, e.document_id});
    }

    // Term-at-a-time over every posting: the reference.
    void exhaustive(size_t n_cursors) {
        const uint32_t n_docs = view_.segment->n_docs();
        const uint32_t* lens = view_.segment->doc_lens();
        s_.acc.assign(n_docs, 0.0f);
        s_.seen.assign(n_docs, 0);
        for (size_t t = 0; t < n_cursors; ++t) {  // cursors are in query order
            ScoringCursor& sc = s_.cursors[t];
            PostingCursor& c = sc.cursor;
            for (uint32_t d = c.doc(); d != kNoMoreDocs; c.next(), d = c.doc()) {
                s_.acc[d] += term_score(sc.weight, c.tf(), lens[d], k_);
                s_.seen[d] = 1;
            }
        }
        for (uint32_t d = 0; d < n_docs; ++d) {
            if (!s_.seen[d] || is_deleted(view_.deletions, d)) continue;
            ++s_.counters.docs_scored;
            offer(s_.acc[d], d);
        }
    }

    double block_bound(ScoringCursor& sc, uint32_t block) {
        if (sc.bound_block == block) return sc.bound;
        double best = 0;
        for (const ImpactPair& p : sc.cursor.block_impacts(block)) {
            best = std::max(best, impact_bound(sc.weight, p, k_));
        }
        sc.bound_block = block;
        sc.bound = best;
        return best;
    }

    float score_doc(uint32_t doc, size_t n_cursors) {
        const uint32_t len = view_.segment->doc_lens()[doc];
        float score = 0.0f;
        for (size_t t = 0; t < n_cursors; ++t) {  // query order, as in exhaustive()
            ScoringCursor& sc = s_.cursors[t];
            if (sc.cursor.doc() == doc) score += term_score(sc.weight, sc.cursor.tf(), len, k_);
        }
        return score;
    }

    void block_max_wand(size_t n_cursors) {
        // Float sums of m positive terms are within (m - 1) * 2^-24 of exact: widen bounds by more.
        const double slack = 1.0 + static_cast<double>(n_cursors + 2) * 0x1p-23;
        ScoringCursor** order = s_.order.data();
        size_t n = 0;
        for (size_t t = 0; t < n_cursors; ++t) {
            if (s_.cursors[t].cursor.doc() != kNoMoreDocs) order[n++] = &s_.cursors[t];
        }
        insertion_sort(order, n);
        for (;;) {
            while (n > 0 && order[n - 1]->cursor.doc() == kNoMoreDocs) --n;
            if (n == 0) break;
            const double theta = s_.top.threshold();
            // Pivot: the first cursor at which the summed upper bounds reach the threshold.
            double acc = 0;
            size_t p = n;
            for (size_t i = 0; i < n; ++i) {
                acc += order[i]->upper_bound;
                if (acc * slack >= theta) {
                    p = i;
                    break;
                }
            }
            if (p == n) break;
            const uint32_t d = order[p]->cursor.doc();
            while (p + 1 < n && order[p + 1]->cursor.doc() == d) ++p;

            // Block-max bound of d over the cursors that may contain it.
            double bsum = 0;
            uint32_t boundary = kNoMoreDocs;  // first doc after the blocks holding d
            for (size_t i = 0; i <= p; ++i) {
                ScoringCursor& sc = *order[i];
                uint32_t b = sc.cursor.shallow_block(d);
                if (b == sc.cursor.n_blocks()) continue;  // the list ends before d
                bsum += block_bound(sc, b);
                boundary = std::min(boundary, sc.cursor.block_last_doc(b) + 1);
            }
            if (bsum * slack >= theta) {
                if (order[0]->cursor.doc() == d) {
                    if (!is_deleted(view_.deletions, d)) {
                        ++s_.counters.docs_scored;
                        offer(score_doc(d, n_cursors), d);
                    }
                    for (size_t i = 0; i <= p; ++i) order[i]->cursor.next();
                } else {
                    // Docs before d cannot reach the threshold (pivot property).
                    for (size_t i = 0; i < p && order[i]->cursor.doc() < d; ++i) {
                        order[i]->cursor.next_geq(d);
                    }
                }
            } else {
                // Nothing in [d, boundary) can reach it, nor anything before d.
                uint32_t target = boundary;
                if (p + 1 < n) target = std::min(target, order[p + 1]->cursor.doc());
                for (size_t i = 0; i <= p; ++i) order[i]->cursor.next_geq(target);
            }
            insertion_sort(order, n);
        }
    }


    // Block-max MaxScore (Turtle & Flood's MaxScore over windows that lie inside one block of
    // every term, with the window's block bounds, as in Lucene's MaxScoreBulkScorer): the terms
    // whose bounds together cannot reach the threshold are "non-essential" in the window and are
    // only probed for docs that an essential term brings up and that can still make it.
    void block_max_maxscore(size_t n_cursors) {
        const double slack = 1.0 + static_cast<double>(n_cursors + 2) * 0x1p-23;
        ScoringCursor** order = s_.order.data();
        double* prefix = s_.prefix.data();
        const uint32_t* lens = view_.segment->doc_lens();
        for (size_t t = 0; t < n_cursors; ++t) s_.cursors[t].hit_doc = kNoMoreDocs;
        uint32_t next = 0;
        for (;;) {
            // The window [next, end] lies within one block of every term (the block holding
            // `next` or the first doc after it), so each term has one bound for the whole window.
            // (Measured: windows ending with the essential terms' blocks only, with looser
            // bounds for the others, scored 3x more postings and ran slower.)
            uint32_t end = kNoMoreDocs;
            size_t n = 0;
            for (size_t t = 0; t < n_cursors; ++t) {
                ScoringCursor& sc = s_.cursors[t];
                if (sc.cursor.doc() == kNoMoreDocs) continue;
                uint32_t b = sc.cursor.shallow_block(next);
                if (b == sc.cursor.n_blocks()) continue;  // nothing left at or after next
                sc.window_bound = block_bound(sc, b);
                end = std::min(end, sc.cursor.block_last_doc(b));
                order[n++] = &sc;
            }
            if (n == 0) break;
            ++s_.counters.windows;
            // Cheapest bounds first; the prefix that cannot reach the threshold is non-essential.
            for (size_t i = 1; i < n; ++i) {
                ScoringCursor* x = order[i];
                size_t j = i;
                while (j > 0 && order[j - 1]->window_bound > x->window_bound) {
                    order[j] = order[j - 1];
                    --j;
                }
                order[j] = x;
            }
            double theta = s_.top.threshold();
            size_t ne = 0;
            double acc = 0;
            while (ne < n && (acc + order[ne]->window_bound) * slack < theta) {
                prefix[ne] = acc;
                acc += order[ne]->window_bound;
                ++ne;
            }
            if (ne < n) {
                for (size_t i = ne; i < n; ++i) order[i]->cursor.next_geq(next);
                for (;;) {
                    uint32_t d = kNoMoreDocs;
                    for (size_t i = ne; i < n; ++i) d = std::min(d, order[i]->cursor.doc());
                    if (d > end) break;
                    if (!is_deleted(view_.deletions, d)) {
                        const uint32_t len = lens[d];
                        double partial = 0;
                        for (size_t i = ne; i < n; ++i) {
                            ScoringCursor& sc = *order[i];
                            if (sc.cursor.doc() != d) continue;
                            sc.contrib = term_score(sc.weight, sc.cursor.tf(), len, k_);
                            sc.hit_doc = d;
                            partial += sc.contrib;
                            ++s_.counters.postings_scored;
                        }
                        theta = s_.top.threshold();
                        bool pruned = (partial + acc) * slack < theta;
                        for (size_t j = ne; j-- > 0 && !pruned;) {  // the largest bounds first
                            ScoringCursor& sc = *order[j];
                            sc.cursor.next_geq(d);
                            if (sc.cursor.doc() == d) {
                                sc.contrib = term_score(sc.weight, sc.cursor.tf(), len, k_);
                                sc.hit_doc = d;
                                partial += sc.contrib;
                            }
                            pruned = (partial + prefix[j]) * slack < theta;
                        }
                        if (!pruned) {
                            ++s_.counters.docs_scored;
                            float score = 0.0f;
                            for (size_t t = 0; t < n_cursors; ++t) {  // query order
                                if (s_.cursors[t].hit_doc == d) score += s_.cursors[t].contrib;
                            }
                            offer(score, d);
                        }
                    }
                    for (size_t i = ne; i < n; ++i) {
                        if (order[i]->cursor.doc() == d) order[i]->cursor.next();
                    }
                }
            }
            if (end >= view_.segment->n_docs() - 1) break;
            next = end + 1;
        }
    }

private:
    const SegmentView& view_;
    Scratch& s_;
    const Bm25Consts& k_;
    const SearchOptions& options_;
};

}  // namespace

SearchCounters last_search_counters() { return t_last_counters; }

Result<std::vector<ScoredChunk>> bm25_search(std::span<const SegmentView> segments,
                                             std::span<const std::string> query_terms,
                                             const SearchOptions& options,
                                             PruningAlgorithm algorithm) {
    const Bm25Params& params = options.bm25;
    if (!std::isfinite(params.k1) || !std::isfinite(params.b) || params.k1 < 0 || params.b < 0 ||
        params.b > 1) {
        return Status::invalid_argument("BM25 parameters need k1 >= 0 and 0 <= b <= 1");
    }
    if (options.k == 0 || query_terms.empty() || segments.empty()) {
        return std::vector<ScoredChunk>{};
    }
    ScratchLease lease;
    Scratch& s = *lease;
    s.counters = {};
    prepare_terms(query_terms, s);
    const size_t m = s.terms.size();

    uint64_t n_total = 0, len_total = 0;
    for (const SegmentView& v : segments) {
        n_total += v.segment->n_docs();
        len_total += v.segment->sum_doc_len();
    }
    if (n_total == 0) return std::vector<ScoredChunk>{};

    s.lookups.resize(segments.size() * m);
    s.df.assign(m, 0);
    for (size_t g = 0; g < segments.size(); ++g) {
        for (size_t t = 0; t < m; ++t) {
            int64_t idx = segments[g].segment->find_term(s.terms[t]);
            s.lookups[g * m + t] = idx;
            if (idx >= 0) s.df[t] += segments[g].segment->term_entry(idx).df;
        }
    }
    s.weights.resize(m);
    for (size_t t = 0; t < m; ++t) {
        double df = static_cast<double>(s.df[t]);
        double idf = std::log(1.0 + (static_cast<double>(n_total) - df + 0.5) / (df + 0.5));
        s.weights[t] = static_cast<float>(idf) * static_cast<float>(s.qtf[t]);
    }
    double avgdl = static_cast<double>(len_total) / static_cast<double>(n_total);
    Bm25Consts k;
    k.k1p1 = params.k1 + 1.0f;
    k.a = params.k1 * (1.0f - params.b);
    // An empty corpus of empty docs has avgdl 0: lengths are all 0 then, and so is the term.
    k.c = avgdl > 0 ? static_cast<float>(static_cast<double>(params.k1) * params.b / avgdl) : 0.0f;

    s.top.reset(options.k);
    if (s.cursors.size() < m) s.cursors.resize(m);
    if (s.order.size() < m) s.order.resize(m);
    if (s.prefix.size() < m) s.prefix.resize(m);
    for (size_t g = 0; g < segments.size(); ++g) {
        const SegmentView& view = segments[g];
        size_t n_cursors = 0;
        for (size_t t = 0; t < m; ++t) {
            int64_t idx = s.lookups[g * m + t];
            if (idx < 0) continue;
            ScoringCursor& sc = s.cursors[n_cursors++];
            sc.cursor.init(view.segment->postings(static_cast<uint64_t>(idx)),
                           view.segment->n_docs());
            sc.weight = s.weights[t];
            sc.term = static_cast<uint32_t>(t);
            sc.bound_block = UINT32_MAX;
            double ub = 0;
            for (const ImpactPair& p : sc.cursor.term_impacts()) {
                ub = std::max(ub, impact_bound(sc.weight, p, k));
            }
            sc.upper_bound = ub;
        }
        if (n_cursors == 0) continue;
        SegmentSearcher searcher(view, s, k, options);
        if (options.exhaustive) {
            searcher.exhaustive(n_cursors);
        } else if (algorithm == PruningAlgorithm::kBlockMaxWand) {
            searcher.block_max_wand(n_cursors);
        } else {
            searcher.block_max_maxscore(n_cursors);
        }
        for (size_t t = 0; t < n_cursors; ++t) {
            s.counters.blocks_decoded += s.cursors[t].cursor.blocks_decoded();
            if (s.cursors[t].cursor.corrupt()) {
                return Status::corrupt(view.segment->path().string() + ": damaged postings for '" +
                                       std::string(s.terms[s.cursors[t].term]) + "'");
            }
        }
    }
    t_last_counters = s.counters;
    return s.top.sorted();
}

}  // namespace openbook::index
