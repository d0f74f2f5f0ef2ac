#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "index/lexical/bm25_search.h"
#include "index/lexical/lexical_index.h"
#include "index/lexical/lexical_test_util.h"
#include "index/lexical/memory_segment.h"
#include "support/test_support.h"

namespace openbook::index {
namespace {

using openbook::testing::TempDir;
using testing::CorpusSpec;
using testing::make_corpus;
using testing::term_name;
using testing::Zipf;

IndexableChunk chunk(int64_t chunk_id, int64_t document_id, std::vector<std::string> terms) {
    return {chunk_id, document_id, std::move(terms)};
}

// Adds the chunks in `n_segments` flushes, then removes `deleted_documents`, and publishes.
std::unique_ptr<LexicalIndexReader> build(const std::filesystem::path& dir,
                                          const std::vector<IndexableChunk>& chunks,
                                          size_t n_segments = 1,
                                          const std::set<int64_t>& deleted_documents = {}) {
    auto w = LexicalIndexWriter::open(dir);
    EXPECT_TRUE(w.has_value()) << w.error().to_string();
    size_t per = (chunks.size() + n_segments - 1) / std::max<size_t>(n_segments, 1);
    for (size_t i = 0; i < chunks.size(); ++i) {
        (*w)->add(chunks[i]);
        if (per > 0 && (i + 1) % per == 0) {
            EXPECT_TRUE((*w)->flush().ok());
        }
    }
    EXPECT_TRUE((*w)->flush().ok());
    for (int64_t d : deleted_documents) (*w)->remove_document(d);
    EXPECT_TRUE((*w)->flush().ok());
    EXPECT_TRUE((*w)->publish(1).ok());
    auto r = LexicalIndexReader::open(dir);
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return std::move(r).value();
}

std::vector<ScoredChunk> search(const LexicalIndexReader& r, std::vector<std::string> q,
                                SearchOptions o) {
    auto res = r.search(q, o);
    EXPECT_TRUE(res.has_value()) << res.error().to_string();
    return res.has_value() ? *res : std::vector<ScoredChunk>{};
}

std::vector<ScoredChunk> both_paths(const LexicalIndexReader& r, std::vector<std::string> q,
                                    SearchOptions o) {
    o.exhaustive = true;
    auto ex = search(r, q, o);
    o.exhaustive = false;
    auto pr = search(r, q, o);
    EXPECT_EQ(ex.size(), pr.size());
    for (size_t i = 0; i < std::min(ex.size(), pr.size()); ++i) {
        EXPECT_EQ(ex[i].chunk_id, pr[i].chunk_id) << i;
        EXPECT_EQ(std::memcmp(&ex[i].score, &pr[i].score, sizeof(float)), 0) << i;
    }
    return ex;
}

// ---- hand-computed scores ----
// d0 "a b c", d1 "a a d", d2 "b d d d e": N = 3, avgdl = 11/3, k1 = 1.2, b = 0.75.
std::vector<IndexableChunk> three_docs() {
    return {chunk(100, 1, {"a", "b", "c"}), chunk(101, 2, {"a", "a", "d"}),
            chunk(102, 3, {"b", "d", "d", "d", "e"})};
}

TEST(Bm25Scoring, HandComputedThreeDocCorpus) {
    TempDir dir;
    auto r = build(dir.path(), three_docs());
    // idf(df=2) = ln(1 + 1.5/2.5) = ln 1.6; idf(df=1) = ln(1 + 2.5/1.5).
    // score(tf, dl) = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl))
    auto res = both_paths(*r, {"a", "d"}, {});
    ASSERT_EQ(res.size(), 3u);
    EXPECT_EQ(res[0].chunk_id, 101);
    EXPECT_NEAR(res[0].score, 1.1888548814823032, 1e-5);  // a (tf 2) + d (tf 1), dl 3
    EXPECT_EQ(res[1].chunk_id, 102);
    EXPECT_NEAR(res[1].score, 0.6851860137196869, 1e-5);  // d (tf 3), dl 5
    EXPECT_EQ(res[2].chunk_id, 100);
    EXPECT_NEAR(res[2].score, 0.5077717780244109, 1e-5);  // a (tf 1), dl 3
    EXPECT_EQ(res[2].document_id, 1);

    // A term repeated in the query weighs double: "e e b".
    res = both_paths(*r, {"e", "e", "b"}, {});
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(res[0].chunk_id, 102);
    EXPECT_NEAR(res[0].score, 2.1167706357379266, 1e-5);
    EXPECT_EQ(res[1].chunk_id, 100);
    EXPECT_NEAR(res[1].score, 0.5077717780244109, 1e-5);
}

TEST(Bm25Scoring, UnknownTermsAreIgnoredAndNoKnownTermMeansNoResults) {
    TempDir dir;
    auto r = build(dir.path(), three_docs());
    auto with_unknown = both_paths(*r, {"zzz", "a", "qqq"}, {});
    auto plain = both_paths(*r, {"a"}, {});
    ASSERT_EQ(with_unknown.size(), plain.size());
    for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(with_unknown[i].score, plain[i].score);
    EXPECT_TRUE(both_paths(*r, {"zzz"}, {}).empty());
    EXPECT_TRUE(both_paths(*r, {}, {}).empty());
    SearchOptions k0;
    k0.k = 0;
    EXPECT_TRUE(both_paths(*r, {"a"}, k0).empty());
}

TEST(Bm25Scoring, ParametersChangeScoresAndBadOnesAreRejected) {
    TempDir dir;
    auto r = build(dir.path(), three_docs());
    SearchOptions o;
    o.bm25.b = 0;  // no length normalisation: tf 1 scores idf * 2.2 / 2.2 = idf
    auto res = both_paths(*r, {"e"}, o);
    ASSERT_EQ(res.size(), 1u);
    EXPECT_NEAR(res[0].score, std::log(1 + 2.5 / 1.5), 1e-6);
    for (auto [k1, b] : {std::pair{-1.0f, 0.5f}, {1.0f, 1.5f}, {1.0f, -0.1f}, {NAN, 0.5f}}) {
        o.bm25 = {k1, b};
        auto bad = r->search(std::vector<std::string>{"a"}, o);
        ASSERT_FALSE(bad.has_value());
        EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
    }
}

TEST(Bm25Scoring, TiesGoToTheSmallerChunkId) {
    TempDir dir;
    std::vector<IndexableChunk> chunks;
    std::mt19937 rng(1);
    std::vector<int64_t> ids(300);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = 5000 - static_cast<int64_t>(i) * 3;
    std::shuffle(ids.begin(), ids.end(), rng);
    for (int64_t id : ids) chunks.push_back(chunk(id, id, {"same", "words"}));
    auto r = build(dir.path(), chunks, 3);
    SearchOptions o;
    o.k = 10;
    auto res = both_paths(*r, {"same"}, o);
    std::vector<int64_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(res.size(), 10u);
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(res[i].chunk_id, sorted[i]);
}

TEST(Bm25Scoring, MultiSegmentStatisticsEqualSingleSegment) {
    std::mt19937 rng(9);
    CorpusSpec spec;
    spec.n_docs = 3000;
    spec.vocab = 500;
    auto chunks = make_corpus(spec, rng);
    TempDir one, many;
    auto r1 = build(one.path(), chunks, 1);
    auto r5 = build(many.path(), chunks, 5);
    EXPECT_EQ(r5->stats().segments, 5u);
    Zipf zipf(spec.vocab, 1.0);
    for (int q = 0; q < 50; ++q) {
        std::vector<std::string> query;
        for (int i = 0; i < 1 + q % 5; ++i) query.push_back(term_name(zipf(rng)));
        SearchOptions o;
        o.k = 20;
        auto a = both_paths(*r1, query, o);
        auto b = both_paths(*r5, query, o);
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            EXPECT_EQ(a[i].chunk_id, b[i].chunk_id);
            EXPECT_EQ(a[i].score, b[i].score);  // bitwise: same global statistics
        }
    }
}

// Scores of every live chunk by the textbook formula, in double.
struct NaiveIndex {
    // counted[i]: chunk i is in the statistics (its segment was not dropped as fully deleted).
    NaiveIndex(const std::vector<IndexableChunk>& chunks, const std::vector<bool>& counted)
        : chunks(chunks) {
        double total = 0;
        tfs.resize(chunks.size());
        for (size_t i = 0; i < chunks.size(); ++i) {
            for (const auto& t : chunks[i].terms) ++tfs[i][t];
            doc_of[chunks[i].chunk_id] = chunks[i].document_id;
            if (!counted[i]) continue;
            n += 1;
            total += static_cast<double>(chunks[i].terms.size());
            for (const auto& [t, tf] : tfs[i]) df[t] += 1;
        }
        avgdl = total / n;
    }
    std::map<int64_t, double> scores(const std::set<int64_t>& deleted,
                                     const std::vector<std::string>& query, Bm25Params p) const {
        std::map<std::string, uint32_t> qtf;
        for (const auto& t : query) ++qtf[t];
        std::map<int64_t, double> out;
        for (size_t i = 0; i < chunks.size(); ++i) {
            const auto& c = chunks[i];
            if (deleted.count(c.document_id)) continue;
            double s = 0;
            bool any = false;
            for (const auto& [t, q] : qtf) {
                auto it = tfs[i].find(t);
                if (it == tfs[i].end()) continue;
                any = true;
                double tf = it->second, d = df.at(t);
                double idf = std::log(1 + (n - d + 0.5) / (d + 0.5));
                double dl = static_cast<double>(c.terms.size());
                s += idf * q * tf * (p.k1 + 1) / (tf + p.k1 * (1 - p.b + p.b * dl / avgdl));
            }
            if (any) out[c.chunk_id] = s;
        }
        return out;
    }
    const std::vector<IndexableChunk>& chunks;
    std::vector<std::map<std::string, uint32_t>> tfs;
    std::map<std::string, double> df;
    std::map<int64_t, int64_t> doc_of;
    double n = 0, avgdl = 0;
};

// The key property: block-max WAND returns exactly the exhaustive top-k, and the exhaustive
// top-k agrees with a textbook implementation.
TEST(Bm25Pruning, PrunedTopKEqualsExhaustiveOnRandomCorpora) {
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 24; ++trial) {
        CorpusSpec spec;
        spec.n_docs = std::vector<size_t>{1, 7, 130, 600, 2500, 6000}[trial % 6];
        spec.vocab = std::vector<size_t>{5, 50, 800, 5000}[trial % 4];
        spec.zipf_s = trial % 3 == 0 ? 0.8 : 1.1;
        spec.max_len = trial % 2 ? 12 : 80;
        auto chunks = make_corpus(spec, rng);
        std::set<int64_t> deleted;
        if (trial % 3 != 0) {
            for (const auto& c : chunks) {
                if (rng() % 5 == 0) deleted.insert(c.document_id);
            }
        }
        size_t n_segments = 1 + trial % 4;
        TempDir dir;
        auto r = build(dir.path(), chunks, n_segments, deleted);
        // Segments whose chunks are all deleted are dropped at publish, statistics and all.
        size_t per = (chunks.size() + n_segments - 1) / n_segments;
        std::vector<bool> counted(chunks.size(), false);
        for (size_t first = 0; first < chunks.size(); first += per) {
            size_t last = std::min(chunks.size(), first + per);
            bool any_live = false;
            for (size_t i = first; i < last; ++i) any_live |= !deleted.count(chunks[i].document_id);
            for (size_t i = first; i < last; ++i) counted[i] = any_live;
        }
        NaiveIndex naive_index(chunks, counted);
        Zipf zipf(spec.vocab, spec.zipf_s);
        for (int q = 0; q < 12; ++q) {
            std::vector<std::string> query;
            size_t len = 1 + rng() % 8;
            for (size_t i = 0; i < len; ++i) query.push_back(term_name(zipf(rng)));
            if (q % 4 == 0) query.push_back(query.front());  // repeated term
            if (q % 5 == 0) query.push_back("unknown-term");
            auto naive = naive_index.scores(deleted, query, Bm25Params{});
            const auto& doc_of = naive_index.doc_of;
            for (size_t k : {1, 10, 100}) {
                for (bool filtered : {false, true}) {
                    SearchOptions o;
                    o.k = k;
                    if (filtered) o.document_filter = [](int64_t d) { return d % 3 != 0; };
                    auto res = both_paths(*r, query, o);

                    std::vector<double> passing;
                    for (const auto& [id, s] : naive) {
                        if (!filtered || doc_of.at(id) % 3 != 0) passing.push_back(s);
                    }
                    ASSERT_EQ(res.size(), std::min(k, passing.size()))
                        << "trial " << trial << " query " << q;
                    std::set<int64_t> returned;
                    for (const auto& sc : res) {
                        returned.insert(sc.chunk_id);
                        ASSERT_TRUE(naive.count(sc.chunk_id));
                        double want = naive.at(sc.chunk_id);
                        EXPECT_NEAR(sc.score, want, 1e-4 * (1 + want)) << "trial " << trial;
                        if (filtered) {
                            EXPECT_NE(sc.document_id % 3, 0);
                        }
                        EXPECT_FALSE(deleted.count(sc.document_id));
                        EXPECT_EQ(sc.document_id, doc_of.at(sc.chunk_id));
                    }
                    if (!res.empty() && res.size() == k) {
                        double last = res.back().score;
                        for (const auto& [id, s] : naive) {
                            if (returned.count(id) || (filtered && doc_of.at(id) % 3 == 0)) continue;
                            EXPECT_LE(s, last + 1e-4 * (1 + last)) << "missed chunk " << id;
                        }
                    }
                }
            }
        }
    }
}

// Both pruning algorithms against the exhaustive path, on segments built directly (several
// segments with deletion bitmaps), including BM25 parameters at their extremes.
TEST(Bm25Pruning, BothAlgorithmsEqualExhaustive) {
    std::mt19937 rng(99);
    for (int trial = 0; trial < 12; ++trial) {
        CorpusSpec spec;
        spec.n_docs = std::vector<size_t>{50, 400, 3000}[trial % 3];
        spec.vocab = std::vector<size_t>{8, 300, 3000, 20}[trial % 4];
        spec.max_len = trial % 2 ? 10 : 120;
        auto chunks = make_corpus(spec, rng);
        TempDir dir;
        size_t n_segments = 1 + trial % 3;
        std::vector<std::shared_ptr<const SegmentReader>> segs;
        std::vector<std::unique_ptr<DeletionBitmap>> dels;
        std::vector<SegmentView> views;
        size_t per = (chunks.size() + n_segments - 1) / n_segments;
        for (size_t first = 0; first < chunks.size(); first += per) {
            MemorySegment mem;
            for (size_t i = first; i < std::min(chunks.size(), first + per); ++i) mem.add(chunks[i]);
            auto path = dir / (std::to_string(first) + ".lex");
            auto w = mem.write(path);
            ASSERT_TRUE(w.has_value());
            auto seg = SegmentReader::open(path);
            ASSERT_TRUE(seg.has_value());
            segs.push_back(*seg);
            dels.push_back(std::make_unique<DeletionBitmap>((*seg)->n_docs()));
            for (uint32_t d = 0; d < (*seg)->n_docs(); ++d) {
                if (trial % 2 == 0 && rng() % 4 == 0) dels.back()->set(d);
            }
            views.push_back({segs.back().get(), dels.back().get()});
        }
        Zipf zipf(spec.vocab, 1.0);
        for (int q = 0; q < 40; ++q) {
            std::vector<std::string> query;
            size_t len = 1 + rng() % 10;
            for (size_t i = 0; i < len; ++i) query.push_back(term_name(zipf(rng)));
            SearchOptions o;
            o.k = std::vector<size_t>{1, 10, 100}[q % 3];
            o.bm25 = std::vector<Bm25Params>{{1.2f, 0.75f}, {0.9f, 0.4f}, {0.0f, 0.5f},
                                             {2.0f, 1.0f}, {1.2f, 0.0f}}[q % 5];
            if (q % 4 == 1) o.document_filter = [](int64_t d) { return d % 2 == 0; };
            o.exhaustive = true;
            auto ex = bm25_search(views, query, o);
            o.exhaustive = false;
            auto mm = bm25_search(views, query, o, PruningAlgorithm::kBlockMaxMaxScore);
            auto wand = bm25_search(views, query, o, PruningAlgorithm::kBlockMaxWand);
            ASSERT_TRUE(ex.has_value() && mm.has_value() && wand.has_value());
            for (const auto* got : {&*mm, &*wand}) {
                ASSERT_EQ(got->size(), ex->size()) << "trial " << trial << " query " << q;
                for (size_t i = 0; i < ex->size(); ++i) {
                    EXPECT_EQ((*got)[i].chunk_id, (*ex)[i].chunk_id) << trial << " " << q << " " << i;
                    EXPECT_EQ(std::memcmp(&(*got)[i].score, &(*ex)[i].score, sizeof(float)), 0);
                }
            }
        }
    }
}

TEST(Bm25Pruning, SkipsMostDocsOnALargeCorpus) {
    std::mt19937 rng(77);
    CorpusSpec spec;
    spec.n_docs = 20000;
    spec.vocab = 20000;
    spec.max_len = 60;
    auto chunks = make_corpus(spec, rng);
    TempDir dir;
    auto r = build(dir.path(), chunks, 2);
    std::vector<std::string> query = {term_name(0), term_name(3), term_name(40), term_name(700)};
    SearchOptions o;
    o.k = 10;
    o.exhaustive = true;
    ASSERT_TRUE(r->search(query, o).has_value());
    uint64_t exhaustive_scored = last_search_counters().docs_scored;
    o.exhaustive = false;
    ASSERT_TRUE(r->search(query, o).has_value());
    uint64_t pruned_scored = last_search_counters().docs_scored;
    EXPECT_GT(exhaustive_scored, 10000u);
    EXPECT_LT(pruned_scored * 5, exhaustive_scored)
        << pruned_scored << " of " << exhaustive_scored << " docs scored";
}

TEST(Bm25Pruning, FilterThatRejectsEverythingReturnsNothing) {
    TempDir dir;
    auto r = build(dir.path(), three_docs());
    SearchOptions o;
    o.document_filter = [](int64_t) { return false; };
    EXPECT_TRUE(both_paths(*r, {"a", "b", "d"}, o).empty());
}

TEST(Bm25Pruning, FilterMayItselfSearch) {
    TempDir dir;
    auto r = build(dir.path(), three_docs());
    SearchOptions o;
    o.document_filter = [&](int64_t doc) {
        auto inner = r->search(std::vector<std::string>{"e"}, SearchOptions{});
        return inner.has_value() && !inner->empty() && inner->front().document_id != doc;
    };
    auto res = both_paths(*r, {"a", "d"}, o);
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(res[0].chunk_id, 101);
    EXPECT_EQ(res[1].chunk_id, 100);
}

}  // namespace
}  // namespace openbook::index
