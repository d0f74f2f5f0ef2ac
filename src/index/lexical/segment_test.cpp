#include <gtest/gtest.h>

#include <map>
#include <random>

#include "index/lexical/posting_cursor.h"
#include "index/lexical/segment_reader.h"
#include "index/lexical/segment_writer.h"
#include "support/test_support.h"

namespace openbook::index {
namespace {

using openbook::testing::TempDir;

struct TermData {
    std::vector<uint32_t> docs;
    std::vector<uint32_t> tfs;
};

// Writes a segment of n_docs docs with the given terms; returns its path.
std::filesystem::path write_segment(const std::filesystem::path& path, uint32_t n_docs,
                                    const std::map<std::string, TermData>& terms,
                                    bool force_varint = false) {
    std::vector<DocEntry> docs(n_docs);
    std::vector<uint32_t> lens(n_docs);
    for (uint32_t d = 0; d < n_docs; ++d) {
        docs[d] = {int64_t{d} * 10 + 5, int64_t{d} / 2};
        lens[d] = 1 + d % 17;
    }
    auto w = SegmentWriter::create(path, docs, lens, {force_varint});
    EXPECT_TRUE(w.has_value()) << w.error().to_string();
    for (const auto& [term, data] : terms) {
        Status st = (*w)->add_term(term, data.docs, data.tfs);
        EXPECT_TRUE(st.ok()) << st.to_string();
    }
    auto size = (*w)->finish();
    EXPECT_TRUE(size.has_value()) << size.error().to_string();
    EXPECT_EQ(*size, std::filesystem::file_size(path));
    return path;
}

TermData random_postings(std::mt19937& rng, uint32_t n_docs, uint32_t df) {
    std::vector<uint32_t> all(n_docs);
    for (uint32_t i = 0; i < n_docs; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(df);
    std::sort(all.begin(), all.end());
    TermData t;
    t.docs = all;
    for (uint32_t i = 0; i < df; ++i) t.tfs.push_back(1 + (rng() % 10 == 0 ? rng() % 70000 : rng() % 3));
    return t;
}

TEST(SegmentFile, RoundTripsPostingsOfEveryShape) {
    TempDir dir;
    std::mt19937 rng(11);
    const uint32_t n_docs = 5000;
    std::map<std::string, TermData> terms;
    for (uint32_t df : {1u, 2u, 127u, 128u, 129u, 255u, 256u, 257u, 1000u, 5000u}) {
        terms["df" + std::to_string(df)] = random_postings(rng, n_docs, df);
    }
    terms["edge"] = TermData{{0, n_docs - 1}, {65535, 65536}};
    terms[""] = TermData{{3}, {1}};  // the empty term is a term like any other
    for (bool force_varint : {false, true}) {
        auto path = write_segment(dir / (force_varint ? "v.lex" : "b.lex"), n_docs, terms,
                                  force_varint);
        auto seg = SegmentReader::open(path);
        ASSERT_TRUE(seg.has_value()) << seg.error().to_string();
        EXPECT_EQ((*seg)->n_docs(), n_docs);
        EXPECT_EQ((*seg)->n_terms(), terms.size());
        EXPECT_EQ((*seg)->docs()[7].chunk_id, 75);
        EXPECT_EQ((*seg)->doc_lens()[7], 8u);
        EXPECT_EQ((*seg)->find_term("nope"), -1);
        EXPECT_EQ((*seg)->find_term("df1x"), -1);
        for (const auto& [term, data] : terms) {
            int64_t idx = (*seg)->find_term(term);
            ASSERT_GE(idx, 0) << term;
            EXPECT_EQ((*seg)->term_at(idx), term);
            PostingCursor c;
            c.init((*seg)->postings(idx), n_docs);
            std::vector<uint32_t> docs, tfs;
            for (; c.doc() != kNoMoreDocs; c.next()) {
                docs.push_back(c.doc());
                tfs.push_back(c.tf());
            }
            EXPECT_FALSE(c.corrupt());
            EXPECT_EQ(docs, data.docs) << term;
            EXPECT_EQ(tfs, data.tfs) << term;
        }
    }
}

TEST(SegmentFile, NextGeqMatchesLinearScan) {
    TempDir dir;
    std::mt19937 rng(5);
    const uint32_t n_docs = 20000;
    std::map<std::string, TermData> terms;
    terms["a"] = random_postings(rng, n_docs, 3000);
    terms["b"] = random_postings(rng, n_docs, 130);
    auto path = write_segment(dir / "s.lex", n_docs, terms);
    auto seg = SegmentReader::open(path);
    ASSERT_TRUE(seg.has_value());
    for (const auto& [term, data] : terms) {
        for (int trial = 0; trial < 100; ++trial) {
            PostingCursor c;
            c.init((*seg)->postings((*seg)->find_term(term)), n_docs);
            uint32_t target = 0;
            while (true) {
                target += 1 + rng() % (trial % 2 ? 50 : 2000);
                c.next_geq(target);
                auto it = std::lower_bound(data.docs.begin(), data.docs.end(), target);
                uint32_t want = it == data.docs.end() ? kNoMoreDocs : *it;
                ASSERT_EQ(c.doc(), want);
                if (want == kNoMoreDocs) break;
                ASSERT_EQ(c.tf(), data.tfs[it - data.docs.begin()]);
                // Shallow lookups name the block holding the target without moving the cursor.
                uint32_t probe = want + static_cast<uint32_t>(rng() % 500);
                uint32_t b = c.shallow_block(probe);
                auto pit = std::lower_bound(data.docs.begin(), data.docs.end(), probe);
                if (pit == data.docs.end()) {
                    EXPECT_EQ(b, c.n_blocks());
                } else {
                    EXPECT_EQ(b, (pit - data.docs.begin()) / kBlockSize);
                }
                EXPECT_EQ(c.doc(), want);
            }
        }
    }
}

TEST(SegmentFile, EmptySegmentWithDocsButNoTerms) {
    TempDir dir;
    auto path = write_segment(dir / "e.lex", 3, {});
    auto seg = SegmentReader::open(path);
    ASSERT_TRUE(seg.has_value()) << seg.error().to_string();
    EXPECT_EQ((*seg)->n_terms(), 0u);
    EXPECT_EQ((*seg)->find_term("x"), -1);
}

TEST(SegmentWriter, RejectsBadInput) {
    TempDir dir;
    std::vector<DocEntry> docs(4);
    std::vector<uint32_t> lens(4, 1);
    auto w = SegmentWriter::create(dir / "x.lex", docs, lens);
    ASSERT_TRUE(w.has_value());
    std::vector<uint32_t> ok_docs = {0, 2}, tfs = {1, 1};
    EXPECT_TRUE((*w)->add_term("b", ok_docs, tfs).ok());
    EXPECT_EQ((*w)->add_term("a", ok_docs, tfs).code(), StatusCode::kInvalidArgument);  // order
    EXPECT_EQ((*w)->add_term("b", ok_docs, tfs).code(), StatusCode::kInvalidArgument);  // dup
    std::vector<uint32_t> unsorted = {2, 1};
    EXPECT_EQ((*w)->add_term("c", unsorted, tfs).code(), StatusCode::kInvalidArgument);
    std::vector<uint32_t> out_of_range = {0, 4};
    EXPECT_EQ((*w)->add_term("d", out_of_range, tfs).code(), StatusCode::kInvalidArgument);
    std::vector<uint32_t> zero_tf = {0, 0};
    EXPECT_EQ((*w)->add_term("e", ok_docs, zero_tf).code(), StatusCode::kInvalidArgument);
}

TEST(SegmentWriter, AbandonedWriterLeavesNoFile) {
    TempDir dir;
    std::vector<DocEntry> docs(1);
    std::vector<uint32_t> lens(1, 1);
    {
        auto w = SegmentWriter::create(dir / "x.lex", docs, lens);
        ASSERT_TRUE(w.has_value());
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// ---- corruption ----

std::string make_segment_bytes(const std::filesystem::path& path) {
    std::mt19937 rng(2);
    std::map<std::string, TermData> terms;
    terms["alpha"] = random_postings(rng, 600, 300);
    terms["beta"] = random_postings(rng, 600, 20);
    write_segment(path, 600, terms);
    return openbook::testing::read_file(path);
}

void expect_corrupt(const std::filesystem::path& path) {
    auto seg = SegmentReader::open(path);
    ASSERT_FALSE(seg.has_value());
    EXPECT_EQ(seg.error().code(), StatusCode::kCorrupt) << seg.error().to_string();
    EXPECT_NE(seg.error().message().find(path.filename().string()), std::string::npos)
        << seg.error().to_string();
}

TEST(SegmentCorruption, TruncationAtManyOffsetsIsCorrupt) {
    TempDir dir;
    auto path = dir / "seg-1.lex";
    std::string bytes = make_segment_bytes(path);
    for (size_t cut : {size_t{0}, size_t{1}, size_t{64}, size_t{127}, size_t{128}, size_t{500},
                       bytes.size() / 2, bytes.size() - 17, bytes.size() - 16, bytes.size() - 1}) {
        openbook::testing::write_file(path, std::string_view(bytes).substr(0, cut));
        expect_corrupt(path);
    }
}

TEST(SegmentCorruption, EveryFlippedByteIsDetected) {
    TempDir dir;
    auto path = dir / "seg-2.lex";
    std::string bytes = make_segment_bytes(path);
    // Every byte position in the header and footer, and a stride through the body.
    std::vector<size_t> positions;
    for (size_t i = 0; i < 128; ++i) positions.push_back(i);
    for (size_t i = 128; i < bytes.size() - 16; i += 23) positions.push_back(i);
    for (size_t i = bytes.size() - 16; i < bytes.size(); ++i) positions.push_back(i);
    for (size_t pos : positions) {
        std::string bad = bytes;
        bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
        openbook::testing::write_file(path, bad);
        auto seg = SegmentReader::open(path);
        ASSERT_FALSE(seg.has_value()) << "flip at " << pos;
        // The version field is reported as unsupported rather than corrupt.
        if (pos >= 8 && pos < 12) continue;
        EXPECT_EQ(seg.error().code(), StatusCode::kCorrupt) << pos;
    }
}

TEST(SegmentCorruption, SizeDifferentFromManifestIsCorrupt) {
    TempDir dir;
    auto path = dir / "seg-3.lex";
    std::string bytes = make_segment_bytes(path);
    auto seg = SegmentReader::open(path, bytes.size() + 8);
    ASSERT_FALSE(seg.has_value());
    EXPECT_EQ(seg.error().code(), StatusCode::kCorrupt);
}

TEST(SegmentCorruption, MissingFileIsNotFound) {
    TempDir dir;
    auto seg = SegmentReader::open(dir / "seg-9.lex");
    ASSERT_FALSE(seg.has_value());
    EXPECT_EQ(seg.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openbook::index
