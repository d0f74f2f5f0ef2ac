// Collection::chunks_of_document: ranges of a real ingested document's chunks, filled like
// search hits, clamped at the ends, and a clear error for an unknown document.
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "openbook/collection.h"
#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook {
namespace {

using openbook::testing::TempDir;
using openbook::testing::write_file;

// Small chunks with overlap, so a short file has several chunks that share text.
IngestOptions small_chunks() {
    IngestOptions o;
    o.chunking.target_tokens = 24;
    o.chunking.max_tokens = 40;
    o.chunking.overlap_tokens = 12;
    o.chunking.min_tokens = 4;
    return o;
}

const char* kNotes =
    "# Field notes\n\n"
    "The heron waited by the reeds for an hour. It caught a small fish at dawn. "
    "Then the wind turned cold and the water grew dark. The heron flew north over the hills. "
    "A farmer watched it go from his gate. He thought of rain and of the harvest. "
    "By noon the clouds had covered the whole valley. The river rose a little before evening.\n";

struct Fixture {
    TempDir tmp;
    std::unique_ptr<Collection> collection;
    SearchHit hit;  // a search hit in the middle of notes.md
};

void open_fixture(Fixture& f) {
    write_file(f.tmp / "docs/notes.md", kNotes);
    write_file(f.tmp / "docs/other.txt", "Something else entirely about kettles and tea.\n");
    auto c = Collection::open(f.tmp / "index", Collection::Mode::kWrite);
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    f.collection = std::move(c).value();
    auto r = f.collection->ingest({(f.tmp / "docs").string()}, small_chunks());
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    auto found = f.collection->search("farmer gate");
    ASSERT_TRUE(found.has_value()) << found.error().to_string();
    ASSERT_FALSE(found->hits.empty());
    f.hit = found->hits[0];
    ASSERT_TRUE(f.hit.path.ends_with("notes.md"));
}

TEST(CollectionChunksOfDocument, ARangeAroundAHitIsFilledLikeTheHit) {
    Fixture f;
    ASSERT_NO_FATAL_FAILURE(open_fixture(f));
    auto view = f.collection->show_document(f.hit.uri);
    ASSERT_TRUE(view.has_value()) << view.error().to_string();
    ASSERT_GE(view->chunks.size(), 4u);  // enough for neighbours on both sides
    ASSERT_GT(f.hit.ordinal, 0);
    ASSERT_LT(f.hit.ordinal + 1, static_cast<int64_t>(view->chunks.size()));

    auto range =
        f.collection->chunks_of_document(f.hit.document_id, f.hit.ordinal - 1, f.hit.ordinal + 1);
    ASSERT_TRUE(range.has_value()) << range.error().to_string();
    ASSERT_EQ(range->size(), 3u);
    for (size_t i = 0; i < range->size(); ++i) {
        const SearchHit& h = (*range)[i];
        const ChunkInfo& c = view->chunks[static_cast<size_t>(f.hit.ordinal - 1) + i];
        EXPECT_EQ(h.ordinal, c.ordinal);
        EXPECT_EQ(h.text, c.text);
        EXPECT_EQ(h.char_start, c.char_start);
        EXPECT_EQ(h.char_end, c.char_end);
        EXPECT_EQ(h.heading_path, c.heading_path);
        EXPECT_EQ(h.page, c.page);
        EXPECT_EQ(h.document_id, f.hit.document_id);
        EXPECT_EQ(h.uri, f.hit.uri);
        EXPECT_EQ(h.path, f.hit.path);
        EXPECT_EQ(h.title, f.hit.title);
        EXPECT_EQ(h.external_id, f.hit.external_id);
        EXPECT_EQ(h.score, 0);
        EXPECT_TRUE(h.highlights.empty());
        EXPECT_TRUE(h.highlight_bytes.empty());
    }
    // The middle one is the hit itself, chunk id and all.
    const SearchHit& middle = (*range)[1];
    EXPECT_EQ(middle.chunk_id, f.hit.chunk_id);
    EXPECT_EQ(middle.text, f.hit.text);
    EXPECT_EQ(middle.heading_path, f.hit.heading_path);
    // Neighbouring chunks overlap (ingest's overlap_tokens): spans run forward and share text.
    EXPECT_LT((*range)[0].char_start, middle.char_start);
    EXPECT_LT(middle.char_start, (*range)[0].char_end);
    EXPECT_EQ(static_cast<int64_t>(text::count_code_points(middle.text)),
              middle.char_end - middle.char_start);
}

TEST(CollectionChunksOfDocument, ClampsToTheDocumentAndAcceptsEmptyRanges) {
    Fixture f;
    ASSERT_NO_FATAL_FAILURE(open_fixture(f));
    auto view = f.collection->show_document(f.hit.uri);
    ASSERT_TRUE(view.has_value());
    const auto n = static_cast<int64_t>(view->chunks.size());

    auto start = f.collection->chunks_of_document(f.hit.document_id, -1, 1);
    ASSERT_TRUE(start.has_value()) << start.error().to_string();
    ASSERT_EQ(start->size(), 2u);
    EXPECT_EQ((*start)[0].ordinal, 0);
    EXPECT_EQ((*start)[1].ordinal, 1);

    auto end = f.collection->chunks_of_document(f.hit.document_id, n - 2, n + 5);
    ASSERT_TRUE(end.has_value());
    ASSERT_EQ(end->size(), 2u);
    EXPECT_EQ(end->back().ordinal, n - 1);

    auto all =
        f.collection->chunks_of_document(f.hit.document_id, std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max());
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(static_cast<int64_t>(all->size()), n);

    auto past = f.collection->chunks_of_document(f.hit.document_id, n, n + 3);
    ASSERT_TRUE(past.has_value());
    EXPECT_TRUE(past->empty());
    auto reversed = f.collection->chunks_of_document(f.hit.document_id, 2, 1);
    ASSERT_TRUE(reversed.has_value());
    EXPECT_TRUE(reversed->empty());
}

TEST(CollectionChunksOfDocument, AnUnknownOrRemovedDocumentIsNotFound) {
    Fixture f;
    ASSERT_NO_FATAL_FAILURE(open_fixture(f));
    auto unknown = f.collection->chunks_of_document(f.hit.document_id + 1000, 0, 3);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
    EXPECT_NE(unknown.error().message().find("no document with id"), std::string::npos)
        << unknown.error().message();

    ASSERT_TRUE(f.collection->remove({f.hit.uri}).has_value());
    auto removed = f.collection->chunks_of_document(f.hit.document_id, 0, 3);
    ASSERT_FALSE(removed.has_value());
    EXPECT_EQ(removed.error().code(), StatusCode::kNotFound);
}

TEST(CollectionChunksOfDocument, WorksForAReader) {
    Fixture f;
    ASSERT_NO_FATAL_FAILURE(open_fixture(f));
    f.collection.reset();  // release the writer lock
    auto reader = Collection::open(f.tmp / "index", Collection::Mode::kRead);
    ASSERT_TRUE(reader.has_value()) << reader.error().to_string();
    auto range = (*reader)->chunks_of_document(f.hit.document_id, f.hit.ordinal, f.hit.ordinal);
    ASSERT_TRUE(range.has_value()) << range.error().to_string();
    ASSERT_EQ(range->size(), 1u);
    EXPECT_EQ((*range)[0].chunk_id, f.hit.chunk_id);
    EXPECT_EQ((*range)[0].text, f.hit.text);
}

}  // namespace
}  // namespace openbook
