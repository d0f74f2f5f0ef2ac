#include "store/catalog.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace openbook::store {
namespace {

using openbook::testing::TempDir;

SourceRecord make_source(const std::string& path, const std::string& hash) {
    SourceRecord s;
    s.path = path;
    s.display_path = "docs/" + path.substr(path.rfind('/') + 1);
    s.content_hash = hash;
    s.size = 42;
    s.mtime_ns = 7;
    s.format = "text";
    s.encoding = "UTF-8";
    s.ingested_at = 1;
    return s;
}

NewDocument make_document(const std::string& uri, const std::string& text, int n_chunks) {
    NewDocument nd;
    nd.document.uri = uri;
    nd.document.title = "title of " + uri;
    nd.document.format = "text";
    nd.document.encoding = "UTF-8";
    nd.document.content_hash = "h-" + text;
    nd.document.text = text;
    nd.document.n_chars = static_cast<int64_t>(text.size());
    for (int i = 0; i < n_chunks; ++i) {
        ChunkRecord c;
        c.ordinal = i;
        c.text = text + "#" + std::to_string(i);
        c.heading_path = {"Top", "章節 " + std::to_string(i)};
        c.page = i + 1;
        c.char_start = i;
        c.char_end = i + 1;
        c.byte_start = i;
        c.byte_end = i + 1;
        c.token_estimate = 3;
        nd.chunks.push_back(c);
    }
    return nd;
}

// replace_source fills ids into its argument; tests mostly pass temporaries.
Result<int64_t> replace(Catalog& catalog, const SourceRecord& source, std::vector<NewDocument> docs) {
    return catalog.replace_source(source, docs);
}

TEST(Catalog, CreatesSchemaAndDefaultCollection) {
    TempDir dir;
    auto catalog = Catalog::open(dir / "catalog.db", Catalog::Mode::kReadWrite);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().to_string();
    EXPECT_EQ((*catalog)->schema_version(), kSchemaVersion);
    auto stats = (*catalog)->stats();
    ASSERT_TRUE(stats.has_value());
    EXPECT_EQ(stats->documents, 0);
    EXPECT_EQ(*(*catalog)->integrity_check(), "ok");
}

TEST(Catalog, ReplaceSourceRoundTripsEveryField) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    std::vector<NewDocument> docs = {make_document("/a.jsonl#1", "one", 2),
                                     make_document("/a.jsonl#2", "two", 3)};
    docs[1].document.external_id = "2";
    docs[1].document.metadata_json = R"({"k":"v"})";
    auto id = catalog->replace_source(make_source("/a.jsonl", "H1"), docs);
    ASSERT_TRUE(id.has_value()) << id.error().to_string();
    EXPECT_GT(docs[1].document.id, docs[0].document.id);
    EXPECT_EQ(docs[1].chunks[2].document_id, docs[1].document.id);
    auto by_id = catalog->find_chunk(docs[1].chunks[2].id);
    ASSERT_TRUE(by_id.has_value() && by_id->has_value());
    EXPECT_EQ((*by_id)->text, "two#2");

    auto src = catalog->find_source("/a.jsonl");
    ASSERT_TRUE(src.has_value() && src->has_value());
    EXPECT_EQ((*src)->content_hash, "H1");
    EXPECT_EQ((*src)->display_path, "docs/a.jsonl");

    auto d = catalog->find_document("/a.jsonl#2", true);
    ASSERT_TRUE(d.has_value() && d->has_value());
    EXPECT_EQ((*d)->text, "two");
    EXPECT_EQ((*d)->external_id, "2");
    EXPECT_EQ((*d)->metadata_json, R"({"k":"v"})");
    EXPECT_EQ((*d)->n_chunks, 3);
    EXPECT_EQ((*d)->display_path, "docs/a.jsonl");

    auto chunks = catalog->chunks_of((*d)->id);
    ASSERT_TRUE(chunks.has_value());
    ASSERT_EQ(chunks->size(), 3u);
    EXPECT_EQ((*chunks)[2].text, "two#2");
    EXPECT_EQ((*chunks)[2].heading_path, (std::vector<std::string>{"Top", "章節 2"}));
    EXPECT_EQ((*chunks)[2].page, 3);
}

TEST(Catalog, ReplaceSourceReplacesAllDocumentsOfTheSource) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    ASSERT_TRUE(replace(*catalog, make_source("/x.txt", "A"), {make_document("/x.txt", "old", 4)})
                    .has_value());
    ASSERT_TRUE(replace(*catalog, make_source("/x.txt", "B"), {make_document("/x.txt", "new", 1)})
                    .has_value());
    auto stats = catalog->stats();
    EXPECT_EQ(stats->sources, 1);
    EXPECT_EQ(stats->documents, 1);
    EXPECT_EQ(stats->chunks, 1);
    auto d = catalog->find_document("/x.txt", true);
    EXPECT_EQ((*d)->text, "new");
}

TEST(Catalog, FailedReplaceLeavesThePreviousVersion) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    ASSERT_TRUE(replace(*catalog, make_source("/x.txt", "A"), {make_document("/x.txt", "old", 2)})
                    .has_value());
    // Two documents with one uri violate UNIQUE(collection, uri): the whole replacement fails.
    auto r = replace(*catalog, make_source("/x.txt", "B"),
                                     {make_document("/x.txt", "new", 1), make_document("/x.txt", "dup", 1)});
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message().find("docs/x.txt"), std::string::npos) << r.error().message();
    auto src = catalog->find_source("/x.txt");
    EXPECT_EQ((*src)->content_hash, "A");
    auto d = catalog->find_document("/x.txt", true);
    EXPECT_EQ((*d)->text, "old");
    EXPECT_EQ(catalog->stats()->chunks, 2);
}

TEST(Catalog, RemoveDocumentClearsTheSourceHashAndDropsEmptySources) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    ASSERT_TRUE(replace(*catalog, make_source("/c.jsonl", "H"),
                                        {make_document("/c.jsonl#1", "a", 1),
                                         make_document("/c.jsonl#2", "b", 1)})
                    .has_value());
    auto d1 = catalog->find_document("/c.jsonl#1", false);
    ASSERT_TRUE(catalog->remove_document((*d1)->id).ok());
    EXPECT_EQ((*catalog->find_source("/c.jsonl"))->content_hash, "");
    EXPECT_EQ(catalog->stats()->documents, 1);
    auto d2 = catalog->find_document("/c.jsonl#2", false);
    ASSERT_TRUE(catalog->remove_document((*d2)->id).ok());
    EXPECT_FALSE(catalog->find_source("/c.jsonl")->has_value());
    EXPECT_EQ(catalog->stats()->chunks, 0);
}

TEST(Catalog, RemoveSourceCascadesToChunks) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    auto id = replace(*catalog, make_source("/x.txt", "A"), {make_document("/x.txt", "t", 5)});
    ASSERT_TRUE(catalog->remove_source(*id).ok());
    auto stats = catalog->stats();
    EXPECT_EQ(stats->sources, 0);
    EXPECT_EQ(stats->documents, 0);
    EXPECT_EQ(stats->chunks, 0);
}

TEST(Catalog, ReadOnlyOpenOfAMissingCatalogIsNotFound) {
    TempDir dir;
    auto r = Catalog::open(dir / "missing.db", Catalog::Mode::kReadOnly);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
    EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST(Catalog, AFileThatIsNotSqliteIsReportedNotCrashed) {
    TempDir dir;
    openbook::testing::write_file(dir / "bad.db", std::string(4096, 'x'));
    auto r = Catalog::open(dir / "bad.db", Catalog::Mode::kReadWrite);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kCorrupt) << r.error().to_string();
    EXPECT_NE(r.error().message().find("bad.db"), std::string::npos);
    EXPECT_EQ(openbook::testing::read_file(dir / "bad.db"), std::string(4096, 'x'));
}

TEST(Catalog, ANewerSchemaIsRefusedWithAClearMessage) {
    TempDir dir;
    {
        auto db = std::move(Database::open(dir / "c.db", Database::Mode::kReadWrite)).value();
        ASSERT_TRUE(db->exec("PRAGMA user_version = 99").ok());
    }
    auto r = Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(r.error().message().find("99"), std::string::npos);
}

TEST(Catalog, AnOldSchemaIsMigratedByAWriterAndRefusedByAReader) {
    TempDir dir;
    {
        // A version-0 file: an empty SQLite database.
        auto db = std::move(Database::open(dir / "c.db", Database::Mode::kReadWrite)).value();
        ASSERT_TRUE(db->exec("CREATE TABLE scratch (x)").ok());
    }
    auto reader = Catalog::open(dir / "c.db", Catalog::Mode::kReadOnly);
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error().code(), StatusCode::kUnsupported);
    auto writer = Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite);
    ASSERT_TRUE(writer.has_value()) << writer.error().to_string();
    EXPECT_EQ((*writer)->schema_version(), kSchemaVersion);
    writer->reset();
    auto reader2 = Catalog::open(dir / "c.db", Catalog::Mode::kReadOnly);
    EXPECT_TRUE(reader2.has_value());
}

TEST(Catalog, GenerationAndMeta) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    EXPECT_EQ(*catalog->generation(), 0u);
    EXPECT_EQ(*catalog->bump_generation(), 1u);
    EXPECT_EQ(*catalog->bump_generation(), 2u);
    EXPECT_EQ(*catalog->get_meta("analyzer"), "");
    ASSERT_TRUE(catalog->set_meta("analyzer", "v1").ok());
    ASSERT_TRUE(catalog->set_meta("analyzer", "v2").ok());
    EXPECT_EQ(*catalog->get_meta("analyzer"), "v2");
    catalog.reset();
    auto again = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadOnly)).value();
    EXPECT_EQ(*again->generation(), 2u);
}

TEST(Catalog, ForEachChunkVisitsAllInOrder) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    ASSERT_TRUE(replace(*catalog, make_source("/a", "A"), {make_document("/a", "a", 2)}).has_value());
    ASSERT_TRUE(replace(*catalog, make_source("/b", "B"), {make_document("/b", "b", 3)}).has_value());
    std::vector<std::string> seen;
    ASSERT_TRUE(catalog->for_each_chunk([&](const DocumentRecord& d, const ChunkRecord& c) {
                           seen.push_back(d.title + ":" + c.text);
                           return Status();
                       }).ok());
    EXPECT_EQ(seen, (std::vector<std::string>{"title of /a:a#0", "title of /a:a#1", "title of /b:b#0",
                                              "title of /b:b#1", "title of /b:b#2"}));
}

TEST(Catalog, ChunkRangeIsInclusiveClampedAndInOrder) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    std::vector<NewDocument> docs = {make_document("/a#1", "one", 5),
                                     make_document("/a#2", "two", 3)};
    docs[0].document.external_id = "1";
    ASSERT_TRUE(catalog->replace_source(make_source("/a", "A"), docs).has_value());
    const int64_t id = docs[0].document.id;
    auto ordinals = [&](int64_t first, int64_t last) {
        auto r = catalog->chunk_range(id, first, last);
        EXPECT_TRUE(r.has_value() && r->has_value());
        std::vector<int64_t> out;
        if (r.has_value() && r->has_value()) {
            for (const auto& c : (*r)->chunks) out.push_back(c.ordinal);
        }
        return out;
    };
    EXPECT_EQ(ordinals(1, 3), (std::vector<int64_t>{1, 2, 3}));
    EXPECT_EQ(ordinals(-1, 1), (std::vector<int64_t>{0, 1}));       // clamped at the start
    EXPECT_EQ(ordinals(3, 99), (std::vector<int64_t>{3, 4}));       // and at the end
    EXPECT_EQ(ordinals(2, 2), (std::vector<int64_t>{2}));
    EXPECT_EQ(ordinals(7, 9), (std::vector<int64_t>{}));            // past the end: none
    EXPECT_EQ(ordinals(3, 1), (std::vector<int64_t>{}));            // empty range

    auto r = catalog->chunk_range(id, 0, 1);
    ASSERT_TRUE(r.has_value() && r->has_value());
    const DocumentChunks& dc = **r;
    EXPECT_EQ(dc.document.id, id);
    EXPECT_EQ(dc.document.uri, "/a#1");
    EXPECT_EQ(dc.document.external_id, "1");
    EXPECT_EQ(dc.document.title, "title of /a#1");
    EXPECT_EQ(dc.document.display_path, "docs/a");
    EXPECT_TRUE(dc.document.text.empty());  // never the document text
    ASSERT_EQ(dc.chunks.size(), 2u);
    // Every chunk field comes back, and only this document's chunks.
    EXPECT_EQ(dc.chunks[1].id, docs[0].chunks[1].id);
    EXPECT_EQ(dc.chunks[1].document_id, id);
    EXPECT_EQ(dc.chunks[1].text, "one#1");
    EXPECT_EQ(dc.chunks[1].heading_path, (std::vector<std::string>{"Top", "章節 1"}));
    EXPECT_EQ(dc.chunks[1].page, 2);
    EXPECT_EQ(dc.chunks[1].char_start, 1);
    EXPECT_EQ(dc.chunks[1].char_end, 2);
    EXPECT_EQ(dc.chunks[1].byte_start, 1);
    EXPECT_EQ(dc.chunks[1].byte_end, 2);
    EXPECT_EQ(dc.chunks[1].token_estimate, 3);

    // The other document's range does not leak into this one.
    auto other = catalog->chunk_range(docs[1].document.id, 0, 10);
    ASSERT_TRUE(other.has_value() && other->has_value());
    ASSERT_EQ((*other)->chunks.size(), 3u);
    EXPECT_EQ((*other)->chunks[2].text, "two#2");
}

TEST(Catalog, ChunkRangeOfAnUnknownDocumentIsNullopt) {
    TempDir dir;
    auto catalog = std::move(Catalog::open(dir / "c.db", Catalog::Mode::kReadWrite)).value();
    std::vector<NewDocument> docs = {make_document("/a", "a", 2)};
    ASSERT_TRUE(catalog->replace_source(make_source("/a", "A"), docs).has_value());
    auto r = catalog->chunk_range(docs[0].document.id + 100, 0, 10);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_FALSE(r->has_value());
    // Removed documents are unknown too.
    ASSERT_TRUE(catalog->remove_document(docs[0].document.id).ok());
    auto gone = catalog->chunk_range(docs[0].document.id, 0, 10);
    ASSERT_TRUE(gone.has_value());
    EXPECT_FALSE(gone->has_value());
}

TEST(Catalog, HeadingPathJsonRoundTrip) {
    std::vector<std::string> path = {"第一章 \"引號\"", "Part\\2", ""};
    EXPECT_EQ(heading_path_from_json(heading_path_to_json(path)), path);
    EXPECT_TRUE(heading_path_from_json("not json").empty());
}

}  // namespace
}  // namespace openbook::store
