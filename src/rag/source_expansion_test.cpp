// expand_sources: neighbours joined without repeating overlap, clamping, max_chars, merging of
// touching hits, near-duplicate and containment removal (English and Chinese), and one run over
// a real collection.
#include "rag/source_expansion.h"

#include <chrono>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "openbook/collection.h"
#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook::rag {
namespace {

using openbook::testing::TempDir;
using openbook::testing::write_file;

// Code points [start, end) of text.
std::string cp_substr(std::string_view text, int64_t start, int64_t end) {
    std::string out;
    int64_t cp = 0;
    for (size_t pos = 0; pos < text.size(); ++cp) {
        const size_t begin = pos;
        text::decode_utf8(text, pos);
        if (cp >= start && cp < end) out.append(text.substr(begin, pos - begin));
    }
    return out;
}

int64_t cps(std::string_view s) { return static_cast<int64_t>(text::count_code_points(s)); }

// An in-memory collection: documents cut into chunks at given code point spans.
struct FakeCollection {
    struct Doc {
        std::string text;
        std::vector<SearchHit> chunks;
    };
    std::map<int64_t, Doc> docs;
    int calls = 0;
    int64_t next_chunk_id = 100;

    void add(int64_t id, const std::string& path, const std::string& text,
             const std::vector<std::pair<int64_t, int64_t>>& spans) {
        Doc d;
        d.text = text;
        for (size_t i = 0; i < spans.size(); ++i) {
            SearchHit c;
            c.chunk_id = next_chunk_id++;
            c.document_id = id;
            c.uri = "/abs/" + path;
            c.path = path;
            c.title = "Title of " + path;
            c.heading_path = {"Section " + std::to_string(i)};
            c.page = static_cast<int64_t>(i) + 1;
            c.ordinal = static_cast<int64_t>(i);
            c.char_start = spans[i].first;
            c.char_end = spans[i].second;
            c.text = cp_substr(text, spans[i].first, spans[i].second);
            d.chunks.push_back(c);
        }
        docs[id] = std::move(d);
    }

    // The chunk as a search would return it.
    SearchHit hit(int64_t doc, int64_t ordinal, double score) const {
        SearchHit h = docs.at(doc).chunks.at(static_cast<size_t>(ordinal));
        h.score = score;
        return h;
    }

    ChunkFetcher fetcher() {
        return [this](int64_t doc, int64_t first, int64_t last) -> Result<std::vector<SearchHit>> {
            ++calls;
            auto it = docs.find(doc);
            if (it == docs.end()) return Status::not_found("no document " + std::to_string(doc));
            std::vector<SearchHit> out;
            for (const auto& c : it->second.chunks) {
                if (c.ordinal >= first && c.ordinal <= last) out.push_back(c);
            }
            return out;
        };
    }
};

// n chunks of `size` code points separated by one space: chunk i is [i*(size+1), ...+size).
std::vector<std::pair<int64_t, int64_t>> even_spans(int n, int64_t size) {
    std::vector<std::pair<int64_t, int64_t>> out;
    for (int i = 0; i < n; ++i) out.push_back({i * (size + 1), i * (size + 1) + size});
    return out;
}

// Ten distinct words of `size` letters joined by spaces (chunk i is word i).
std::string words_text(int n, int64_t size) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        if (i > 0) out += ' ';
        for (int64_t j = 0; j < size; ++j) out += static_cast<char>('a' + (i * 7 + j * 3) % 26);
    }
    return out;
}

ExpansionOptions neighbours(int64_t n, int64_t max_chars = 0) {
    ExpansionOptions o;
    o.neighbours = n;
    o.max_chars = max_chars;
    return o;
}

ExpansionResult expand(const std::vector<SearchHit>& hits, const ExpansionOptions& o,
                       const ChunkFetcher& fetch = {}) {
    auto r = expand_sources(hits, o, fetch);
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return r.has_value() ? std::move(r).value() : ExpansionResult{};
}

// Overlapping chunks (as ingest's overlap_tokens makes them), in Chinese so that code points
// and bytes differ: each chunk repeats the previous chunk's last sentence.
const std::string kZhDoc = "第一句講檢索。第二句講排序。第三句講生成。第四句講引用。第五句講評估。";
// Sentence i is code points [7i, 7i + 7).
const std::vector<std::pair<int64_t, int64_t>> kZhSpans = {{0, 14}, {7, 21}, {14, 28}, {21, 35}};

TEST(SourceExpansion, NeighboursAreJoinedInOrderWithoutRepeatingOverlap) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    SearchHit hit = fake.hit(1, 2, 7.5);
    auto r = expand({hit}, neighbours(1), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 1u);
    const ExpandedSource& s = r.sources[0];
    EXPECT_EQ(s.hit.text, cp_substr(kZhDoc, 7, 35));  // chunks 1..3, each sentence once
    EXPECT_EQ(s.hit.text, "第二句講排序。第三句講生成。第四句講引用。第五句講評估。");
    EXPECT_EQ(s.hit.char_start, 7);
    EXPECT_EQ(s.hit.char_end, 35);
    EXPECT_EQ(s.first_ordinal, 1);
    EXPECT_EQ(s.last_ordinal, 3);
    EXPECT_EQ(s.chunk_ids, (std::vector<int64_t>{fake.hit(1, 1, 0).chunk_id, hit.chunk_id,
                                                 fake.hit(1, 3, 0).chunk_id}));
    EXPECT_EQ(s.ranks, (std::vector<int>{1}));
    // The hit's own identity, heading and page; not the neighbour's before it.
    EXPECT_EQ(s.hit.score, 7.5);
    EXPECT_EQ(s.hit.chunk_id, hit.chunk_id);
    EXPECT_EQ(s.hit.ordinal, 2);
    EXPECT_EQ(s.hit.heading_path, hit.heading_path);
    EXPECT_EQ(s.hit.page, hit.page);
    EXPECT_EQ(s.hit.path, "zh.md");
    EXPECT_EQ(fake.calls, 1);
    EXPECT_TRUE(r.dropped.empty());
    EXPECT_TRUE(r.notes.empty());
}

TEST(SourceExpansion, GapsBetweenChunksKeepDocumentPositions) {
    // Chunks never begin or end with white space, so what lies between them is in no chunk.
    const std::string doc = "Alpha one.\n\nBeta two. Gamma three.\n\n\nDelta four.";
    FakeCollection fake;
    fake.add(1, "a.txt", doc, {{0, 10}, {12, 21}, {22, 34}, {37, 48}});
    ASSERT_EQ(fake.hit(1, 1, 0).text, "Beta two.");
    auto r = expand({fake.hit(1, 1, 1)}, neighbours(2), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 1u);
    const SearchHit& h = r.sources[0].hit;
    EXPECT_EQ(h.char_start, 0);
    EXPECT_EQ(h.char_end, 48);
    // The joined text has exactly the span's length, so offsets map back by adding char_start;
    // here the white space is even the document's own.
    EXPECT_EQ(cps(h.text), h.char_end - h.char_start);
    EXPECT_EQ(h.text, doc);
}

TEST(SourceExpansion, ClampsAtTheDocumentsStartAndEnd) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    auto first = expand({fake.hit(1, 0, 1)}, neighbours(2), fake.fetcher());
    ASSERT_EQ(first.sources.size(), 1u);
    EXPECT_EQ(first.sources[0].first_ordinal, 0);
    EXPECT_EQ(first.sources[0].last_ordinal, 2);
    EXPECT_EQ(first.sources[0].hit.text, cp_substr(kZhDoc, 0, 28));

    auto last = expand({fake.hit(1, 3, 1)}, neighbours(5), fake.fetcher());
    ASSERT_EQ(last.sources.size(), 1u);
    EXPECT_EQ(last.sources[0].first_ordinal, 0);
    EXPECT_EQ(last.sources[0].last_ordinal, 3);
    EXPECT_EQ(last.sources[0].hit.text, kZhDoc);

    // A one-chunk document: nothing to add, nothing breaks.
    fake.add(2, "one.md", "Only chunk.", {{0, 11}});
    auto single = expand({fake.hit(2, 0, 1)}, neighbours(1), fake.fetcher());
    ASSERT_EQ(single.sources.size(), 1u);
    EXPECT_EQ(single.sources[0].hit.text, "Only chunk.");
}

TEST(SourceExpansion, MaxCharsTakesNearestNeighboursFirst) {
    FakeCollection fake;
    fake.add(1, "w.txt", words_text(10, 10), even_spans(10, 10));  // chunk i: [11i, 11i + 10)
    // Hit 5 is [55, 65); + chunk 4 → 21; + chunk 6 → 32; chunks 3 or 7 would make 43.
    auto r = expand({fake.hit(1, 5, 1)}, neighbours(3, 32), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 1u);
    EXPECT_EQ(r.sources[0].first_ordinal, 4);
    EXPECT_EQ(r.sources[0].last_ordinal, 6);
    EXPECT_LE(cps(r.sources[0].hit.text), 32);
    EXPECT_EQ(cps(r.sources[0].hit.text), 32);

    // 31: chunk 6 no longer fits (chunk 4, being before, went first at equal distance), and the
    // after side stops there rather than skipping to a farther chunk.
    auto tight = expand({fake.hit(1, 5, 1)}, neighbours(3, 31), fake.fetcher());
    EXPECT_EQ(tight.sources[0].first_ordinal, 4);
    EXPECT_EQ(tight.sources[0].last_ordinal, 5);

    // The hit itself is kept whole even when it alone is over the limit.
    auto small = expand({fake.hit(1, 5, 1)}, neighbours(3, 4), fake.fetcher());
    EXPECT_EQ(small.sources[0].hit.text, fake.hit(1, 5, 1).text);
    EXPECT_EQ(small.sources[0].chunk_ids.size(), 1u);
}

TEST(SourceExpansion, ABlockedSideDoesNotStopTheOtherSide) {
    // Chunk 1 is long; chunks 3 and 4 after the hit (2) are short.
    std::string doc = std::string(100, 'x') + " " + std::string(100, 'y') + " hit " + "aaa bbb";
    FakeCollection fake;
    fake.add(1, "d.txt", doc, {{0, 100}, {101, 201}, {202, 205}, {206, 209}, {210, 213}});
    ASSERT_EQ(fake.hit(1, 2, 0).text, "hit");
    auto r = expand({fake.hit(1, 2, 1)}, neighbours(2, 20), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 1u);
    EXPECT_EQ(r.sources[0].first_ordinal, 2);
    EXPECT_EQ(r.sources[0].last_ordinal, 4);
    EXPECT_EQ(r.sources[0].hit.text, "hit aaa bbb");
}

TEST(SourceExpansion, HitsWhoseStretchesOverlapOrTouchAreMerged) {
    FakeCollection fake;
    fake.add(1, "w.txt", words_text(12, 6), even_spans(12, 6));
    fake.add(2, "other.txt", "Something else entirely.", {{0, 25}});
    // Rank 1: chunk 5 → 4..6. Rank 3: chunk 7 → 6..8 (overlaps). Rank 4: chunk 10 → 9..11
    // (touches 6..8 once merged). Rank 2 is another document.
    std::vector<SearchHit> hits = {fake.hit(1, 5, 9), fake.hit(2, 0, 8), fake.hit(1, 7, 7),
                                   fake.hit(1, 10, 6)};
    auto r = expand(hits, neighbours(1), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 2u);
    const ExpandedSource& merged = r.sources[0];
    EXPECT_EQ(merged.ranks, (std::vector<int>{1, 3, 4}));
    EXPECT_EQ(merged.first_ordinal, 4);
    EXPECT_EQ(merged.last_ordinal, 11);
    EXPECT_EQ(merged.chunk_ids.size(), 8u);
    EXPECT_EQ(merged.hit.score, 9);  // the better hit's score, chunk and position
    EXPECT_EQ(merged.hit.chunk_id, hits[0].chunk_id);
    EXPECT_EQ(merged.hit.text, cp_substr(fake.docs[1].text, 4 * 7, 12 * 7 - 1));
    EXPECT_EQ(r.sources[1].ranks, (std::vector<int>{2}));
    EXPECT_TRUE(r.dropped.empty());

    // A hit between two kept stretches joins both into the better one.
    std::vector<SearchHit> bridge = {fake.hit(1, 8, 5), fake.hit(1, 2, 4), fake.hit(1, 5, 3)};
    auto b = expand(bridge, neighbours(1), fake.fetcher());
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].ranks, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(b.sources[0].hit.chunk_id, bridge[0].chunk_id);
    EXPECT_EQ(b.sources[0].first_ordinal, 1);
    EXPECT_EQ(b.sources[0].last_ordinal, 9);

    // Far apart in the same document: two sources.
    auto apart = expand({fake.hit(1, 1, 2), fake.hit(1, 9, 1)}, neighbours(1), fake.fetcher());
    EXPECT_EQ(apart.sources.size(), 2u);
}

TEST(SourceExpansion, HighlightsMoveIntoTheJoinedText) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    SearchHit hit = fake.hit(1, 2, 1);  // "第三句講生成。第四句講引用。"
    // Highlight 生成 (code points 4..6 of the chunk).
    hit.highlights = {{4, 6}};
    hit.highlight_bytes = {{12, 18}};
    ASSERT_EQ(hit.text.substr(12, 6), "生成");
    auto r = expand({hit}, neighbours(1), fake.fetcher());
    const SearchHit& h = r.sources[0].hit;
    ASSERT_EQ(h.highlights.size(), 1u);
    ASSERT_EQ(h.highlight_bytes.size(), 1u);
    const Span& b = h.highlight_bytes[0];
    EXPECT_EQ(h.text.substr(static_cast<size_t>(b.start), static_cast<size_t>(b.end - b.start)),
              "生成");
    EXPECT_EQ(cp_substr(h.text, h.highlights[0].start, h.highlights[0].end), "生成");
}

const std::string kEnglish =
    "Regularization adds a penalty on large weights to the loss function. It keeps a model from "
    "fitting the noise of its training data, so it generalizes better to data it has not seen.";
// The same passage as another file might hold it: re-wrapped, other quotes and dashes, case.
const std::string kEnglishCopy =
    "REGULARIZATION adds a penalty on large weights to the loss function -- it keeps a model\n"
    "from fitting the  noise of its training data; so it generalizes better to data it has "
    "not seen!";
const std::string kChinese =
    "檢索增強生成系統先從文件中找出相關段落，再讓語言模型根據這些段落回答問題，並標明出處。";
const std::string kChineseCopy =
    "檢索增強生成系統 先從文件中找出相關段落, 再讓語言模型根據這些段落回答問題. 並標明出處!";

TEST(SourceExpansion, CopiesWithOtherSpacingAndPunctuationAreDropped) {
    EXPECT_EQ(shingle_jaccard(kEnglish, kEnglishCopy), 1.0);
    EXPECT_EQ(shingle_jaccard(kChinese, kChineseCopy), 1.0);
    // Full-width forms and case meet.
    EXPECT_EQ(normalize_for_dedup("ＲＡＧ， Rag！"), U"ragrag");

    FakeCollection fake;
    fake.add(1, "en.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(2, "zh.md", kChinese, {{0, cps(kChinese)}});
    fake.add(3, "zh-copy.txt", kChineseCopy, {{0, cps(kChineseCopy)}});
    fake.add(4, "en-copy.txt", kEnglishCopy, {{0, cps(kEnglishCopy)}});
    std::vector<SearchHit> hits = {fake.hit(1, 0, 4), fake.hit(2, 0, 3), fake.hit(3, 0, 2),
                                   fake.hit(4, 0, 1)};
    auto r = expand(hits, neighbours(0));
    ASSERT_EQ(r.sources.size(), 2u);
    EXPECT_EQ(r.sources[0].hit.path, "en.md");
    EXPECT_EQ(r.sources[1].hit.path, "zh.md");
    ASSERT_EQ(r.dropped.size(), 2u);
    EXPECT_EQ(r.dropped[0].ranks, (std::vector<int>{3}));
    EXPECT_EQ(r.dropped[0].duplicate_of, 2);
    EXPECT_EQ(r.dropped[0].kept_index, 1u);
    EXPECT_EQ(r.dropped[0].path, "zh-copy.txt");
    EXPECT_EQ(r.dropped[1].ranks, (std::vector<int>{4}));
    EXPECT_EQ(r.dropped[1].duplicate_of, 1);
    EXPECT_EQ(r.dropped[1].kept_index, 0u);
    EXPECT_EQ(r.dropped[1].similarity, 1.0);
    EXPECT_FALSE(r.dropped[1].contained);  // identical: reported as 100% similar

    // The same with expansion: the copies' stretches are dropped as a whole.
    auto expanded = expand(hits, neighbours(1), fake.fetcher());
    EXPECT_EQ(expanded.sources.size(), 2u);
    EXPECT_EQ(expanded.dropped.size(), 2u);
}

TEST(SourceExpansion, ALightlyEditedCopyIsANearDuplicate) {
    // One word changed and one added: still far above 0.8, and not contained.
    std::string edited = kEnglish;
    edited.replace(edited.find("large"), 5, "big");
    edited += " Indeed.";
    const double j = shingle_jaccard(kEnglish, edited);
    EXPECT_GE(j, 0.8);
    EXPECT_LT(j, 1.0);
    FakeCollection fake;
    fake.add(1, "a.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(2, "b.md", edited, {{0, cps(edited)}});
    auto r = expand({fake.hit(1, 0, 2), fake.hit(2, 0, 1)}, neighbours(0));
    ASSERT_EQ(r.sources.size(), 1u);
    ASSERT_EQ(r.dropped.size(), 1u);
    EXPECT_FALSE(r.dropped[0].contained);
    EXPECT_DOUBLE_EQ(r.dropped[0].similarity, j);
}

TEST(SourceExpansion, AShortSourceInsideABetterRankedOneIsDropped) {
    const std::string sentence = "It keeps a model from fitting the noise of its training data.";
    FakeCollection fake;
    fake.add(1, "long.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(2, "quote.md", sentence, {{0, cps(sentence)}});
    auto r = expand({fake.hit(1, 0, 2), fake.hit(2, 0, 1)}, neighbours(0));
    ASSERT_EQ(r.sources.size(), 1u);
    ASSERT_EQ(r.dropped.size(), 1u);
    EXPECT_TRUE(r.dropped[0].contained);
    EXPECT_LT(r.dropped[0].similarity, 0.8);  // containment, not Jaccard, caught it
    EXPECT_DOUBLE_EQ(r.dropped[0].similarity, shingle_jaccard(kEnglish, sentence));

    // The other way round the longer one adds text: both are kept.
    auto reversed = expand({fake.hit(2, 0, 2), fake.hit(1, 0, 1)}, neighbours(0));
    EXPECT_EQ(reversed.sources.size(), 2u);
    EXPECT_TRUE(reversed.dropped.empty());

    // Chinese: a clause of the passage, with its own punctuation.
    fake.add(3, "zh.md", kChinese, {{0, cps(kChinese)}});
    fake.add(4, "zh-part.md", "再讓語言模型根據這些段落回答問題！", {{0, 17}});
    auto zh = expand({fake.hit(3, 0, 2), fake.hit(4, 0, 1)}, neighbours(0));
    ASSERT_EQ(zh.dropped.size(), 1u);
    EXPECT_TRUE(zh.dropped[0].contained);
}

TEST(SourceExpansion, DistinctPassagesOnOneTopicAreKept) {
    const std::string other_en =
        "Dropout randomly disables units during training, which also reduces overfitting, "
        "while weight decay shrinks every weight a little at each step of the optimizer.";
    const std::string other_zh =
        "檢索增強生成系統的評估通常看兩件事：找到的段落是否相關，以及回答是否忠於這些段落。";
    EXPECT_LT(shingle_jaccard(kEnglish, other_en), 0.2);
    EXPECT_LT(shingle_jaccard(kChinese, other_zh), 0.2);
    FakeCollection fake;
    fake.add(1, "a.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(2, "b.md", other_en, {{0, cps(other_en)}});
    fake.add(3, "c.md", kChinese, {{0, cps(kChinese)}});
    fake.add(4, "d.md", other_zh, {{0, cps(other_zh)}});
    auto r = expand({fake.hit(1, 0, 4), fake.hit(2, 0, 3), fake.hit(3, 0, 2), fake.hit(4, 0, 1)},
                    neighbours(0));
    EXPECT_EQ(r.sources.size(), 4u);
    EXPECT_TRUE(r.dropped.empty());
    // Overlapping neighbour chunks are not near-duplicates of each other either.
    fake.add(5, "zh-doc.md", kZhDoc, kZhSpans);
    auto neighbours_only = expand({fake.hit(5, 0, 2), fake.hit(5, 1, 1)}, neighbours(0));
    EXPECT_EQ(neighbours_only.sources.size(), 2u);
}

TEST(SourceExpansion, NoNeighboursLeavesHitsUnchangedApartFromDedup) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    fake.add(2, "en.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(3, "en-copy.md", kEnglishCopy, {{0, cps(kEnglishCopy)}});
    std::vector<SearchHit> hits = {fake.hit(1, 1, 3), fake.hit(2, 0, 2), fake.hit(1, 2, 1.5),
                                   fake.hit(3, 0, 1)};
    hits[0].highlights = {{0, 2}};
    hits[0].highlight_bytes = {{0, 6}};
    auto r = expand(hits, ExpansionOptions{}, fake.fetcher());
    EXPECT_EQ(fake.calls, 0);         // nothing fetched
    ASSERT_EQ(r.sources.size(), 3u);  // adjacent chunks 1 and 2 are not merged; the copy is gone
    const std::vector<size_t> kept = {0, 1, 2};
    for (size_t i = 0; i < kept.size(); ++i) {
        const SearchHit& in = hits[kept[i]];
        const ExpandedSource& out = r.sources[i];
        EXPECT_EQ(out.ranks, (std::vector<int>{static_cast<int>(kept[i]) + 1}));
        EXPECT_EQ(out.chunk_ids, (std::vector<int64_t>{in.chunk_id}));
        EXPECT_EQ(out.first_ordinal, in.ordinal);
        EXPECT_EQ(out.hit.text, in.text);
        EXPECT_EQ(out.hit.score, in.score);
        EXPECT_EQ(out.hit.char_start, in.char_start);
        EXPECT_EQ(out.hit.char_end, in.char_end);
        EXPECT_EQ(out.hit.heading_path, in.heading_path);
        EXPECT_EQ(out.hit.highlight_bytes.size(), in.highlight_bytes.size());
    }
    ASSERT_EQ(r.dropped.size(), 1u);
    EXPECT_EQ(r.dropped[0].ranks, (std::vector<int>{4}));

    // And with dedup off, everything comes back.
    ExpansionOptions off;
    off.remove_duplicates = false;
    EXPECT_EQ(expand(hits, off).sources.size(), 4u);
}

TEST(SourceExpansion, ADocumentGoneOrChangedSinceTheSearchIsKeptAsFound) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    SearchHit gone = fake.hit(1, 1, 2);
    gone.document_id = 99;
    SearchHit changed = fake.hit(1, 2, 1);
    changed.chunk_id = 12345;  // re-ingested: the ordinal now holds another chunk
    auto r = expand({gone, changed}, neighbours(1), fake.fetcher());
    ASSERT_EQ(r.sources.size(), 2u);
    EXPECT_EQ(r.sources[0].hit.text, gone.text);
    EXPECT_EQ(r.sources[1].hit.text, changed.text);
    ASSERT_EQ(r.notes.size(), 2u);
    EXPECT_NE(r.notes[0].find("no longer in the collection"), std::string::npos) << r.notes[0];
    EXPECT_NE(r.notes[1].find("changed since the search"), std::string::npos) << r.notes[1];

    // Any other failure is an error, with the hit named.
    ChunkFetcher broken = [](int64_t, int64_t, int64_t) -> Result<std::vector<SearchHit>> {
        return Status::io_error("disk on fire");
    };
    auto failed = expand_sources({fake.hit(1, 1, 1)}, neighbours(1), broken);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code(), StatusCode::kIoError);
    EXPECT_NE(failed.error().message().find("hit 1 (zh.md)"), std::string::npos);
}

TEST(SourceExpansion, BadOptionsAreRejected) {
    FakeCollection fake;
    fake.add(1, "zh.md", kZhDoc, kZhSpans);
    std::vector<SearchHit> hits = {fake.hit(1, 1, 1)};
    auto negative = expand_sources(hits, neighbours(-1), fake.fetcher());
    ASSERT_FALSE(negative.has_value());
    EXPECT_EQ(negative.error().code(), StatusCode::kInvalidArgument);
    ExpansionOptions threshold;
    threshold.duplicate_threshold = 1.5;
    EXPECT_FALSE(expand_sources(hits, threshold).has_value());
    threshold.duplicate_threshold = 0;
    EXPECT_FALSE(expand_sources(hits, threshold).has_value());
    auto no_fetcher = expand_sources(hits, neighbours(1));
    ASSERT_FALSE(no_fetcher.has_value());
    EXPECT_EQ(no_fetcher.error().code(), StatusCode::kInvalidArgument);
    // No hits: no sources, no error.
    EXPECT_TRUE(expand({}, neighbours(1), fake.fetcher()).sources.empty());
}

TEST(SourceExpansion, DescribeSaysWhatWasMergedAndDropped) {
    FakeCollection fake;
    fake.add(1, "w.txt", words_text(8, 6), even_spans(8, 6));
    fake.add(2, "en.md", kEnglish, {{0, cps(kEnglish)}});
    fake.add(3, "copy.md", kEnglishCopy, {{0, cps(kEnglishCopy)}});
    auto r = expand({fake.hit(1, 2, 4), fake.hit(2, 0, 3), fake.hit(1, 3, 2), fake.hit(3, 0, 1)},
                    neighbours(1), fake.fetcher());
    const auto lines = describe_expansion(r);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "hits 1 and 3 are neighbouring passages of w.txt, joined into one source");
    EXPECT_EQ(lines[1], "hit 4 (copy.md) left out: a near-duplicate (100% similar) of hit 2");
}

TEST(SourceExpansion, CostOfComparingTenLongSources) {
    // Ten distinct 6000-code-point sources (max_chars' default), half Chinese: the all-pairs
    // comparison the dedup step does.
    FakeCollection fake;
    std::vector<SearchHit> hits;
    for (int d = 0; d < 10; ++d) {
        std::string text;
        uint32_t x = 12345u + static_cast<uint32_t>(d) * 7919u;
        for (int i = 0; i < 6000; ++i) {
            x = x * 1103515245u + 12345u;
            const uint32_t r = (x >> 16) % 3000;
            if (d % 2 == 0) {
                text::append_utf8(text, static_cast<char32_t>(0x4E00 + r));
            } else {
                text += static_cast<char>('a' + r % 26);
                if (r % 6 == 0) text += ' ';
            }
        }
        fake.add(d + 1, "doc" + std::to_string(d), text, {{0, cps(text)}});
        hits.push_back(fake.hit(d + 1, 0, 10 - d));
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto r = expand(hits, neighbours(0));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.sources.size(), 10u);
    std::cout << "[ measured ] dedup of 10 sources x 6000 code points: " << ms << " ms\n";
    EXPECT_LT(ms, 1000);  // generous: Debug builds on a shared machine
}

// A real collection: ingest, search, expand with chunks_of_document, and the copy of a file
// dropped as a duplicate.
TEST(SourceExpansion, WithARealCollection) {
    TempDir tmp;
    const std::string notes =
        "# Field notes\n\n"
        "The heron waited by the reeds for an hour. It caught a small fish at dawn. "
        "Then the wind turned cold and the water grew dark. The heron flew north over the hills. "
        "A farmer watched it go from his gate. He thought of rain and of the harvest. "
        "By noon the clouds had covered the whole valley. The river rose a little before "
        "evening.\n";
    std::string copy = notes;  // the same notes, exclaimed (and so punctuated differently)
    for (size_t at = copy.find(". "); at != std::string::npos; at = copy.find(". ", at + 2)) {
        copy[at] = '!';
    }
    write_file(tmp / "docs/notes.md", notes);
    write_file(tmp / "docs/copy/notes.md", copy);
    write_file(tmp / "docs/other.md",
               "# Tea\n\nA kettle of water for the tea, and a farmer's "
               "almanac on the shelf.\n");
    auto opened = Collection::open(tmp / "index", Collection::Mode::kWrite);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    Collection& c = **opened;
    IngestOptions small;
    small.chunking.target_tokens = 24;
    small.chunking.max_tokens = 40;
    small.chunking.overlap_tokens = 12;
    small.chunking.min_tokens = 4;
    ASSERT_TRUE(c.ingest({(tmp / "docs").string()}, small).has_value());
    auto found = c.search("farmer gate");
    ASSERT_TRUE(found.has_value()) << found.error().to_string();
    ASSERT_GE(found->hits.size(), 2u);
    ASSERT_TRUE(found->hits[0].path.ends_with("notes.md"));
    ASSERT_TRUE(found->hits[1].path.ends_with("notes.md"));

    auto r = expand(found->hits, neighbours(1), chunk_fetcher(c));
    for (const auto& line : describe_expansion(r)) std::cout << "[ note ] " << line << "\n";
    ASSERT_FALSE(r.sources.empty());
    const SearchHit& best = r.sources[0].hit;
    EXPECT_EQ(best.chunk_id, found->hits[0].chunk_id);
    EXPECT_GE(r.sources[0].last_ordinal - r.sources[0].first_ordinal, 1);
    EXPECT_GT(cps(best.text), cps(found->hits[0].text));
    // The joined text is the document's own text over the joined span.
    auto view = c.show_document(best.uri);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(best.text, cp_substr(view->text, best.char_start, best.char_end));
    // The farmer passage appears once: the copy's stretch is left out as a duplicate of it.
    size_t with_farmer = 0;
    for (const auto& s : r.sources) {
        with_farmer += s.hit.text.find("A farmer watched it go from his gate") != std::string::npos;
    }
    EXPECT_EQ(with_farmer, 1u);
    ASSERT_FALSE(r.dropped.empty());
    EXPECT_EQ(r.dropped[0].duplicate_of, 1);
    EXPECT_GE(r.dropped[0].similarity, 0.8);
}

}  // namespace
}  // namespace openbook::rag
