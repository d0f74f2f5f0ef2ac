// A benchmark kept with the tests so it builds with them; disabled by default (it asserts only
// that the pruned results equal the exhaustive ones, and prints timings). Run in a Release build:
//   ./openbook_index_lexical_tests --gtest_also_run_disabled_tests --gtest_filter='LexicalBench.*'
// Environment: OPENBOOK_BENCH_DOCS (50000), OPENBOOK_BENCH_VOCAB (50000), OPENBOOK_BENCH_LEN (100).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "index/lexical/bm25_search.h"
#include "index/lexical/lexical_test_util.h"
#include "index/lexical/memory_segment.h"
#include "index/lexical/posting_cursor.h"
#include "index/lexical/segment_reader.h"
#include "support/test_support.h"

namespace openbook::index {
namespace {

using Clock = std::chrono::steady_clock;

size_t env_size(const char* name, size_t fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

struct DecodeStats {
    uint64_t postings = 0;
    uint64_t checksum = 0;
};

DecodeStats decode_all(const SegmentReader& seg, bool with_tfs) {
    DecodeStats st;
    PostingCursor c;
    for (uint64_t t = 0; t < seg.n_terms(); ++t) {
        c.init(seg.postings(t), seg.n_docs());
        for (uint32_t d = c.doc(); d != kNoMoreDocs; c.next(), d = c.doc()) {
            st.checksum += d;
            if (with_tfs) st.checksum += c.tf();
            ++st.postings;
        }
    }
    return st;
}

TEST(LexicalBench, DISABLED_ZipfianCorpus) {
    testing::CorpusSpec spec;
    spec.n_docs = env_size("OPENBOOK_BENCH_DOCS", 50000);
    spec.vocab = env_size("OPENBOOK_BENCH_VOCAB", 50000);
    spec.min_len = spec.max_len = env_size("OPENBOOK_BENCH_LEN", 100);
    std::mt19937 rng(2024);
    auto chunks = testing::make_corpus(spec, rng);
    openbook::testing::TempDir dir;

    auto t0 = Clock::now();
    MemorySegment mem;
    for (const auto& c : chunks) mem.add(c);
    double invert_s = seconds_since(t0);
    std::shared_ptr<const SegmentReader> segs[2];
    for (int variant = 0; variant < 2; ++variant) {
        auto path = dir / (variant == 0 ? "bitpacked.lex" : "varint.lex");
        t0 = Clock::now();
        auto w = mem.write(path, {variant == 1});
        ASSERT_TRUE(w.has_value()) << w.error().to_string();
        double write_s = seconds_since(t0);
        t0 = Clock::now();
        auto seg = SegmentReader::open(path);
        ASSERT_TRUE(seg.has_value());
        double open_s = seconds_since(t0);
        segs[variant] = *seg;
        std::printf("%s: %llu postings, %.2f MB (%.2f bytes/posting), invert %.2fs, write %.2fs, "
                    "open+verify %.1f ms\n",
                    variant == 0 ? "bit-packed" : "varint    ",
                    static_cast<unsigned long long>(w->n_postings), w->file_size / 1e6,
                    static_cast<double>(w->file_size) / static_cast<double>(w->n_postings),
                    invert_s, write_s, open_s * 1e3);
    }
    for (int variant = 0; variant < 2; ++variant) {
        for (bool with_tfs : {false, true}) {
            decode_all(*segs[variant], with_tfs);  // warm
            t0 = Clock::now();
            DecodeStats st;
            int reps = 5;
            for (int r = 0; r < reps; ++r) st = decode_all(*segs[variant], with_tfs);
            double s = seconds_since(t0) / reps;
            std::printf("decode %s %s: %.0f M postings/s (%.2f ns/posting) [%llu]\n",
                        variant == 0 ? "bit-packed" : "varint    ",
                        with_tfs ? "docs+tfs" : "docs    ", st.postings / s / 1e6,
                        s * 1e9 / st.postings, static_cast<unsigned long long>(st.checksum % 997));
        }
    }

    // Queries: 2..6 terms drawn from the same Zipfian distribution as the text.
    testing::Zipf zipf(spec.vocab, spec.zipf_s);
    std::vector<std::vector<std::string>> queries(1000);
    for (auto& q : queries) {
        size_t len = 2 + rng() % 5;
        for (size_t i = 0; i < len; ++i) q.push_back(testing::term_name(zipf(rng)));
    }
    SegmentView view{segs[0].get(), nullptr};
    for (size_t k : {10, 100}) {
        for (int mode = 0; mode < 3; ++mode) {
            SearchOptions o;
            o.k = k;
            o.exhaustive = mode == 0;
            auto algorithm =
                mode == 2 ? PruningAlgorithm::kBlockMaxWand : PruningAlgorithm::kBlockMaxMaxScore;
            SearchCounters sum;
            t0 = Clock::now();
            for (const auto& q : queries) {
                auto r = bm25_search(std::span(&view, 1), q, o, algorithm);
                ASSERT_TRUE(r.has_value());
                SearchCounters c = last_search_counters();
                sum.docs_scored += c.docs_scored;
                sum.blocks_decoded += c.blocks_decoded;
            }
            double s = seconds_since(t0);
            double nq = static_cast<double>(queries.size());
            std::printf("k=%-3zu %-14s %8.0f queries/s  (%.1f us/query, %.0f docs scored, %.0f "
                        "blocks decoded per query)\n",
                        k, mode == 0 ? "exhaustive" : mode == 1 ? "block-max MS" : "block-max WAND",
                        nq / s, s * 1e6 / nq, static_cast<double>(sum.docs_scored) / nq,
                        static_cast<double>(sum.blocks_decoded) / nq);
        }
        // Same results.
        for (size_t i = 0; i < 100; ++i) {
            SearchOptions o;
            o.k = k;
            auto a = bm25_search(std::span(&view, 1), queries[i], o);
            o.exhaustive = true;
            auto b = bm25_search(std::span(&view, 1), queries[i], o);
            ASSERT_EQ(a->size(), b->size());
            for (size_t j = 0; j < a->size(); ++j) {
                ASSERT_EQ((*a)[j].chunk_id, (*b)[j].chunk_id);
                ASSERT_EQ((*a)[j].score, (*b)[j].score);
            }
        }
    }
}

}  // namespace
}  // namespace openbook::index
