#include "index/lexical/lexical_index.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <set>

#include "index/lexical/lexical_test_util.h"
#include "index/lexical/manifest.h"
#include "index/lexical/segment_format.h"
#include "support/test_support.h"

namespace openbook::index {
namespace {

namespace fs = std::filesystem;
using openbook::testing::TempDir;

IndexableChunk chunk(int64_t chunk_id, int64_t document_id, std::vector<std::string> terms) {
    return {chunk_id, document_id, std::move(terms)};
}

std::unique_ptr<LexicalIndexWriter> open_writer(const fs::path& dir) {
    auto w = LexicalIndexWriter::open(dir);
    EXPECT_TRUE(w.has_value()) << w.error().to_string();
    return std::move(w).value();
}

std::unique_ptr<LexicalIndexReader> open_reader(const fs::path& dir) {
    auto r = LexicalIndexReader::open(dir);
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return r.has_value() ? std::move(r).value() : nullptr;
}

std::vector<int64_t> ids(const LexicalIndexReader& r, std::vector<std::string> q, size_t k = 100) {
    SearchOptions o;
    o.k = k;
    auto res = r.search(q, o);
    EXPECT_TRUE(res.has_value()) << res.error().to_string();
    std::vector<int64_t> out;
    if (res.has_value()) {
        for (const auto& c : *res) out.push_back(c.chunk_id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::set<std::string> files_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

TEST(LexicalIndex, NoManifestIsNotFound) {
    TempDir dir;
    auto r = LexicalIndexReader::open(dir.path());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
}

TEST(LexicalIndex, NewIndexIsEmptyAndSearchable) {
    TempDir dir;
    auto w = open_writer(dir / "lex");
    auto r = open_reader(dir / "lex");
    ASSERT_TRUE(r);
    EXPECT_TRUE(ids(*r, {"anything"}).empty());
    EXPECT_EQ(r->stats().segments, 0u);
    EXPECT_EQ(r->stats().documents, 0u);
    EXPECT_EQ(r->catalog_generation(), 0u);
}

TEST(LexicalIndex, AddFlushPublishSearch) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 10, {"hello", "world"}));
    w->add(chunk(2, 10, {"hello", "there"}));
    w->add(chunk(3, 11, {"檢索", "增強"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(5).ok());
    EXPECT_EQ(w->catalog_generation(), 5u);
    auto r = open_reader(dir.path());
    ASSERT_TRUE(r);
    EXPECT_EQ(ids(*r, {"hello"}), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(ids(*r, {"檢索"}), (std::vector<int64_t>{3}));
    EXPECT_EQ(r->catalog_generation(), 5u);
    IndexStats st = r->stats();
    EXPECT_EQ(st.segments, 1u);
    EXPECT_EQ(st.documents, 3u);
    EXPECT_EQ(st.terms, 5u);
    EXPECT_EQ(st.postings, 6u);
    EXPECT_GT(st.bytes, 0u);
}

TEST(LexicalIndex, FlushWithoutPublishIsInvisibleAndLostOnCrash) {
    TempDir dir;
    {
        auto w = open_writer(dir.path());
        w->add(chunk(1, 1, {"old"}));
        ASSERT_TRUE(w->flush().ok());
        ASSERT_TRUE(w->publish(1).ok());
        w->add(chunk(2, 2, {"new"}));
        w->remove_document(1);
        ASSERT_TRUE(w->flush().ok());  // new segment and a deletion bitmap on disk...
        auto r = open_reader(dir.path());
        EXPECT_EQ(ids(*r, {"old"}), std::vector<int64_t>{1});  // ...but not published
        EXPECT_TRUE(ids(*r, {"new"}).empty());
        // "Crash": the writer goes away without publishing.
    }
    auto r = open_reader(dir.path());
    ASSERT_TRUE(r);
    EXPECT_EQ(ids(*r, {"old"}), std::vector<int64_t>{1});
    EXPECT_TRUE(ids(*r, {"new"}).empty());
    EXPECT_EQ(r->catalog_generation(), 1u);
    // A new writer cleans up the unpublished files and can reuse their names.
    auto before = files_in(dir.path());
    auto w = open_writer(dir.path());
    auto after = files_in(dir.path());
    EXPECT_LT(after.size(), before.size());
    w->add(chunk(3, 3, {"newer"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(2).ok());
    r = open_reader(dir.path());
    EXPECT_EQ(ids(*r, {"newer", "old", "new"}), (std::vector<int64_t>{1, 3}));
}

TEST(LexicalIndex, LeftoverTemporaryFilesDoNotMatter) {
    TempDir dir;
    {
        auto w = open_writer(dir.path());
        w->add(chunk(1, 1, {"x"}));
        ASSERT_TRUE(w->flush().ok());
        ASSERT_TRUE(w->publish(1).ok());
    }
    // A crash while writing a segment or the MANIFEST leaves temporary files.
    openbook::testing::write_file(dir / "seg-7.lex.tmp", "partial");
    openbook::testing::write_file(dir / "MANIFEST.tmp-1-2", "partial");
    auto r = open_reader(dir.path());
    EXPECT_EQ(ids(*r, {"x"}), std::vector<int64_t>{1});
    auto w = open_writer(dir.path());
    EXPECT_FALSE(fs::exists(dir / "seg-7.lex.tmp"));
    EXPECT_FALSE(fs::exists(dir / "MANIFEST.tmp-1-2"));
}

TEST(LexicalIndex, RemoveDocumentBeforeAndAfterFlush) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 1, {"a"}));
    w->add(chunk(2, 2, {"a"}));
    ASSERT_TRUE(w->flush().ok());
    w->add(chunk(3, 3, {"a"}));
    w->remove_document(3);             // buffered: dropped before it is written
    w->remove_document(1);             // flushed: a deletion bitmap
    w->add(chunk(4, 1, {"a", "b"}));   // document 1 re-added after its removal: stays
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(2).ok());
    auto r = open_reader(dir.path());
    EXPECT_EQ(ids(*r, {"a"}), (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(r->stats().documents, 2u);
    EXPECT_EQ(r->stats().deleted, 1u);
    w->remove_document(42);  // unknown: harmless
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(3).ok());
}

TEST(LexicalIndex, DeletedDocsStillCountInStatistics) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 1, {"a", "b"}));
    w->add(chunk(2, 2, {"a"}));
    w->add(chunk(3, 3, {"c"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(1).ok());
    auto before = open_reader(dir.path());
    w->remove_document(2);
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(2).ok());
    auto after = open_reader(dir.path());
    SearchOptions o;
    auto s1 = before->search(std::vector<std::string>{"a"}, o);
    auto s2 = after->search(std::vector<std::string>{"a"}, o);
    ASSERT_TRUE(s1.has_value() && s2.has_value());
    ASSERT_EQ(s2->size(), 1u);
    ASSERT_EQ(s1->size(), 2u);
    const ScoredChunk& c1 = (*s1)[0].chunk_id == 1 ? (*s1)[0] : (*s1)[1];
    EXPECT_EQ(c1.score, (*s2)[0].score);  // N, df and avgdl include the deleted doc
}

TEST(LexicalIndex, ReaderKeepsItsSnapshotWhileWriterPublishesAndMerges) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 1, {"snap", "x"}));
    w->add(chunk(2, 2, {"snap", "y"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(1).ok());
    auto old_reader = open_reader(dir.path());
    auto old_results = ids(*old_reader, {"snap"});

    // Delete, add, and force merges (more than 8 segments): every old file goes away.
    w->remove_document(1);
    for (int i = 0; i < 12; ++i) {
        w->add(chunk(100 + i, 100 + i, {"snap", "z"}));
        ASSERT_TRUE(w->flush().ok());
        ASSERT_TRUE(w->publish(2 + i).ok());
    }
    EXPECT_FALSE(fs::exists(dir / "seg-1.lex"));
    auto new_reader = open_reader(dir.path());
    EXPECT_LE(new_reader->stats().segments, 8u);
    EXPECT_EQ(new_reader->stats().documents, 13u);
    EXPECT_EQ(new_reader->stats().deleted, 0u);  // merged away

    EXPECT_EQ(ids(*old_reader, {"snap"}), old_results);  // the old snapshot still works
    EXPECT_EQ(old_reader->catalog_generation(), 1u);
    EXPECT_EQ(ids(*new_reader, {"snap"}).size(), 13u);
    EXPECT_TRUE(ids(*new_reader, {"x"}).empty());
    EXPECT_EQ(ids(*new_reader, {"y"}), std::vector<int64_t>{2});
}

TEST(LexicalIndex, MergesKeepResultsExact) {
    std::mt19937 rng(4);
    testing::CorpusSpec spec;
    spec.n_docs = 4000;
    spec.vocab = 2000;
    auto chunks = testing::make_corpus(spec, rng);
    TempDir merged_dir;
    auto w = open_writer(merged_dir.path());
    std::set<int64_t> deleted;
    for (size_t i = 0; i < chunks.size(); ++i) {
        w->add(chunks[i]);
        if ((i + 1) % 200 == 0) {  // 20 flushes: merges happen along the way
            if (i > 1000) {
                int64_t doc = chunks[rng() % i].document_id;
                w->remove_document(doc);
                deleted.insert(doc);
            }
            ASSERT_TRUE(w->flush().ok());
            ASSERT_TRUE(w->publish(i).ok());
        }
    }
    auto r = open_reader(merged_dir.path());
    EXPECT_LE(r->stats().segments, 8u);
    size_t live = 0;
    for (const auto& c : chunks) live += !deleted.count(c.document_id);
    EXPECT_EQ(r->stats().documents, live);

    // Same live chunks in one fresh segment: the same matches (scores differ where merges
    // dropped deleted docs from the statistics, so compare sets).
    TempDir fresh_dir;
    auto w2 = open_writer(fresh_dir.path());
    for (const auto& c : chunks) {
        if (!deleted.count(c.document_id)) w2->add(c);
    }
    ASSERT_TRUE(w2->flush().ok());
    ASSERT_TRUE(w2->publish(1).ok());
    auto r2 = open_reader(fresh_dir.path());
    for (int q = 0; q < 30; ++q) {
        std::string t = testing::term_name(rng() % 300);
        EXPECT_EQ(ids(*r, {t}, 100000), ids(*r2, {t}, 100000)) << t;
    }
}

TEST(LexicalIndex, ResetRebuildsAndOldFilesGoAfterPublish) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 1, {"before"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(1).ok());
    ASSERT_TRUE(w->reset().ok());
    w->add(chunk(2, 2, {"after"}));
    ASSERT_TRUE(w->flush().ok());
    // Until published, readers see the old state.
    EXPECT_EQ(ids(*open_reader(dir.path()), {"before"}), std::vector<int64_t>{1});
    ASSERT_TRUE(w->publish(2).ok());
    auto r = open_reader(dir.path());
    EXPECT_TRUE(ids(*r, {"before"}).empty());
    EXPECT_EQ(ids(*r, {"after"}), std::vector<int64_t>{2});
    EXPECT_FALSE(fs::exists(dir / "seg-1.lex"));
}

TEST(LexicalIndex, EverythingDeletedLeavesAnEmptyIndex) {
    TempDir dir;
    auto w = open_writer(dir.path());
    w->add(chunk(1, 1, {"a"}));
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(1).ok());
    w->remove_document(1);
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(2).ok());
    auto r = open_reader(dir.path());
    EXPECT_EQ(r->stats().segments, 0u);
    EXPECT_TRUE(ids(*r, {"a"}).empty());
    EXPECT_EQ(files_in(dir.path()), std::set<std::string>{"MANIFEST"});
}

TEST(LexicalIndex, ConcurrentSearchesAgreeWithSerialOnes) {
    std::mt19937 rng(8);
    testing::CorpusSpec spec;
    spec.n_docs = 3000;
    spec.vocab = 1000;
    auto chunks = testing::make_corpus(spec, rng);
    TempDir dir;
    auto w = open_writer(dir.path());
    for (size_t i = 0; i < chunks.size(); ++i) {
        w->add(chunks[i]);
        if (i % 1000 == 999) {
            ASSERT_TRUE(w->flush().ok());
        }
    }
    ASSERT_TRUE(w->publish(1).ok());
    auto r = open_reader(dir.path());
    std::vector<std::vector<std::string>> queries;
    testing::Zipf zipf(spec.vocab, 1.0);
    for (int q = 0; q < 60; ++q) {
        queries.push_back({testing::term_name(zipf(rng)), testing::term_name(zipf(rng)),
                           testing::term_name(zipf(rng))});
    }
    std::vector<std::vector<int64_t>> serial;
    for (const auto& q : queries) serial.push_back(ids(*r, q, 10));
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 5; ++rep) {
                for (size_t q = 0; q < queries.size(); ++q) {
                    SearchOptions o;
                    o.k = 10;
                    auto res = r->search(queries[q], o);
                    std::vector<int64_t> got;
                    if (res.has_value()) {
                        for (const auto& c : *res) got.push_back(c.chunk_id);
                    }
                    std::sort(got.begin(), got.end());
                    mismatches[t] += got != serial[q];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int m : mismatches) EXPECT_EQ(m, 0);
}

// ---- corruption at the index level ----

void make_index(const fs::path& dir) {
    auto w = open_writer(dir);
    for (int i = 0; i < 300; ++i) {
        w->add(chunk(i, i / 2, {"alpha", "beta" + std::to_string(i % 7), "gamma"}));
    }
    ASSERT_TRUE(w->flush().ok());
    w->remove_document(3);
    ASSERT_TRUE(w->flush().ok());
    ASSERT_TRUE(w->publish(1).ok());
}

void expect_corrupt_naming(const fs::path& dir, const std::string& name) {
    auto r = LexicalIndexReader::open(dir);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kCorrupt) << r.error().to_string();
    EXPECT_NE(r.error().message().find(name), std::string::npos) << r.error().to_string();
    auto w = LexicalIndexWriter::open(dir);
    ASSERT_FALSE(w.has_value());
    EXPECT_EQ(w.error().code(), StatusCode::kCorrupt);
}

TEST(LexicalCorruption, MissingSegmentFile) {
    TempDir dir;
    make_index(dir.path());
    fs::remove(dir / "seg-1.lex");
    expect_corrupt_naming(dir.path(), "seg-1.lex");
}

TEST(LexicalCorruption, MissingDeletionFile) {
    TempDir dir;
    make_index(dir.path());
    std::string del;
    for (const auto& f : files_in(dir.path())) {
        if (f.find(".del-") != std::string::npos) del = f;
    }
    ASSERT_FALSE(del.empty());
    fs::remove(dir / del);
    expect_corrupt_naming(dir.path(), del);
}

TEST(LexicalCorruption, TruncatedOrFlippedSegment) {
    TempDir dir;
    make_index(dir.path());
    std::string bytes = openbook::testing::read_file(dir / "seg-1.lex");
    for (size_t cut : {size_t{0}, size_t{100}, bytes.size() / 3, bytes.size() - 1}) {
        openbook::testing::write_file(dir / "seg-1.lex", bytes.substr(0, cut));
        expect_corrupt_naming(dir.path(), "seg-1.lex");
    }
    for (size_t pos : {size_t{0}, size_t{200}, bytes.size() / 2, bytes.size() - 20}) {
        std::string bad = bytes;
        bad[pos] = static_cast<char>(bad[pos] ^ 0x40);
        openbook::testing::write_file(dir / "seg-1.lex", bad);
        expect_corrupt_naming(dir.path(), "seg-1.lex");
    }
}

TEST(LexicalCorruption, GarbageOrTruncatedManifest) {
    TempDir dir;
    make_index(dir.path());
    std::string bytes = openbook::testing::read_file(dir / "MANIFEST");
    for (std::string bad : {std::string("garbage"), std::string(), bytes.substr(0, 60),
                            bytes.substr(0, bytes.size() - 3)}) {
        openbook::testing::write_file(dir / "MANIFEST", bad);
        expect_corrupt_naming(dir.path(), "MANIFEST");
    }
    std::string flipped = bytes;
    flipped[30] = static_cast<char>(flipped[30] ^ 1);
    openbook::testing::write_file(dir / "MANIFEST", flipped);
    expect_corrupt_naming(dir.path(), "MANIFEST");
}

TEST(LexicalCorruption, SegmentFromAnotherIndexIsDetected) {
    TempDir a, b;
    make_index(a.path());
    {
        auto w = open_writer(b.path());
        w->add(chunk(1, 1, {"other"}));
        ASSERT_TRUE(w->flush().ok());
        ASSERT_TRUE(w->publish(1).ok());
    }
    fs::copy_file(b / "seg-1.lex", a / "seg-1.lex", fs::copy_options::overwrite_existing);
    expect_corrupt_naming(a.path(), "seg-1.lex");
}

}  // namespace
}  // namespace openbook::index
