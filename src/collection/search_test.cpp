// Collection::search end to end: ingest real text, then query in English and Chinese, across
// scripts, with filters, after updates, and with bad input and a damaged index.
#include <gtest/gtest.h>

#include <algorithm>

#include "openbook/collection.h"
#include "support/test_support.h"

namespace openbook {
namespace {

using openbook::testing::shared_data;
using openbook::testing::TempDir;
using openbook::testing::write_file;

std::unique_ptr<Collection> writer(const std::filesystem::path& dir) {
    auto c = Collection::open(dir, Collection::Mode::kWrite);
    EXPECT_TRUE(c.has_value()) << c.error().to_string();
    return c.has_value() ? std::move(c).value() : nullptr;
}

std::unique_ptr<Collection> reader(const std::filesystem::path& dir) {
    auto c = Collection::open(dir, Collection::Mode::kRead);
    EXPECT_TRUE(c.has_value()) << c.error().to_string();
    return c.has_value() ? std::move(c).value() : nullptr;
}

std::vector<std::string> top_paths(Collection& c, const std::string& query, size_t k,
                                   const std::string& filter = "") {
    SearchRequest r;
    r.k = k;
    r.filter = filter;
    auto result = c.search(query, r);
    EXPECT_TRUE(result.has_value()) << result.error().to_string();
    std::vector<std::string> out;
    if (result.has_value()) {
        for (const auto& h : result->hits) out.push_back(h.path);
    }
    return out;
}

bool any_ends_with(const std::vector<std::string>& paths, const std::string& suffix) {
    return std::any_of(paths.begin(), paths.end(),
                       [&](const std::string& p) { return p.ends_with(suffix); });
}

TEST(CollectionSearch, FindsAWordInsideALongHanRun) {
    // SQLite FTS5's unicode61 tokenizer makes 檢索增強生成系統 one token, so 檢索 misses it.
    TempDir tmp;
    write_file(tmp / "docs/rag.md", "# 系統\n\n我們的檢索增強生成系統可以回答問題。\n");
    write_file(tmp / "docs/other.md", "# 其他\n\n今天天氣很好，適合散步。\n");
    auto c = writer(tmp / "index");
    ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    auto result = c->search("檢索");
    ASSERT_TRUE(result.has_value()) << result.error().to_string();
    ASSERT_EQ(result->hits.size(), 1u);
    EXPECT_TRUE(result->hits[0].path.ends_with("rag.md"));
    // The highlight covers exactly 檢索 in the chunk text.
    ASSERT_EQ(result->hits[0].highlights.size(), 1u);
    const auto& h = result->hits[0].highlight_bytes[0];
    EXPECT_EQ(result->hits[0].text.substr(h.start, h.end - h.start), "檢索");
}

TEST(CollectionSearch, TraditionalQuestionsFindSimplifiedD2lChapters) {
    TempDir tmp;
    auto c = writer(tmp / "index");
    IngestOptions o;
    o.exclude = {"*_origin.md"};  // the English originals that sit beside the Chinese chapters
    ASSERT_TRUE(c->ingest({shared_data("d2l-zh").string()}, o).has_value());
    // Questions written in Traditional Chinese with Taiwan vocabulary; the book is Simplified.
    EXPECT_TRUE(any_ends_with(top_paths(*c, "什麼是權重衰減？", 3), "weight-decay.md"));
    EXPECT_TRUE(any_ends_with(top_paths(*c, "暫退法如何在訓練時丟棄神經元？", 3), "dropout.md"));
    EXPECT_TRUE(any_ends_with(top_paths(*c, "卷積層的填充與步幅", 3), "padding-and-strides.md"));
    EXPECT_TRUE(any_ends_with(top_paths(*c, "長短期記憶網路的記憶元", 3), "lstm.md"));
    EXPECT_TRUE(any_ends_with(top_paths(*c, "反向傳播與計算圖", 3), "backprop.md"));
}

TEST(CollectionSearch, EnglishFilterAndUpdates) {
    TempDir tmp;
    write_file(tmp / "docs/a/guide.md", "# Guide\n\nEncrypted PDF files are reported and skipped.\n");
    write_file(tmp / "docs/b/notes.md", "# Notes\n\nAn encrypted archive needs a password.\n");
    auto c = writer(tmp / "index");
    ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    EXPECT_EQ(top_paths(*c, "encrypted", 10).size(), 2u);
    auto only_a = top_paths(*c, "encrypted", 10, "**/a/*");
    ASSERT_EQ(only_a.size(), 1u);
    EXPECT_TRUE(only_a[0].ends_with("guide.md"));

    // Stemming: "encrypting" finds "encrypted".
    EXPECT_EQ(top_paths(*c, "encrypting", 10).size(), 2u);

    // An update replaces the old text in the index; a removal takes the document out.
    write_file(tmp / "docs/a/guide.md", "# Guide\n\nScanned pages have no text layer.\n");
    ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    EXPECT_EQ(top_paths(*c, "encrypted", 10).size(), 1u);
    EXPECT_EQ(top_paths(*c, "scanned", 10).size(), 1u);
    ASSERT_TRUE(c->remove({(tmp / "docs/b").string()}).has_value());
    EXPECT_TRUE(top_paths(*c, "encrypted", 10).empty());

    // A reader opened separately sees the same published state.
    auto r = reader(tmp / "index");
    EXPECT_EQ(top_paths(*r, "scanned", 10).size(), 1u);
}

TEST(CollectionSearch, BadQueriesGetNoHitsAndANoteNeverACrash) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\nSome words here.\n");
    auto c = writer(tmp / "index");
    ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    for (const std::string& q : {std::string(), std::string("?!。，…"), std::string("🙂🙃"),
                                 std::string("\xff\xfe\x80")}) {
        auto r = c->search(q);
        ASSERT_TRUE(r.has_value()) << r.error().to_string();
        EXPECT_TRUE(r->hits.empty());
        EXPECT_FALSE(r->notes.empty());
    }
    std::string huge;
    while (huge.size() < 100 * 1024) huge += "words 字詞 ";
    auto r = c->search(huge);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->hits.size(), 1u);
    SearchRequest zero;
    zero.k = 0;
    EXPECT_EQ(c->search("words", zero).error().code(), StatusCode::kInvalidArgument);
}

TEST(CollectionSearch, PrunedResultsEqualExhaustiveOnSciFact) {
    TempDir tmp;
    auto c = writer(tmp / "index");
    ASSERT_TRUE(c->ingest({shared_data("scifact/beir/corpus.jsonl").string()}, {}).has_value());
    const char* queries[] = {"0-dimensional biomaterials show inductive properties",
                             "ALDH1 expression is associated with poorer prognosis",
                             "vitamin D deficiency and cancer risk", "the of and a in",
                             "T cell receptor signalling in autoimmune disease"};
    for (const char* q : queries) {
        SearchRequest pruned;
        pruned.k = 50;
        pruned.with_text = false;
        SearchRequest exhaustive = pruned;
        exhaustive.exhaustive = true;
        auto a = c->search(q, pruned);
        auto b = c->search(q, exhaustive);
        ASSERT_TRUE(a.has_value() && b.has_value());
        ASSERT_EQ(a->hits.size(), b->hits.size()) << q;
        for (size_t i = 0; i < a->hits.size(); ++i) {
            EXPECT_EQ(a->hits[i].chunk_id, b->hits[i].chunk_id) << q << " rank " << i;
            EXPECT_EQ(a->hits[i].score, b->hits[i].score) << q << " rank " << i;
        }
    }
}

TEST(CollectionSearch, ADamagedOrMissingIndexIsRebuiltFromTheCatalog) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\nRebuild me from the catalog.\n");
    {
        auto c = writer(tmp / "index");
        ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    }
    // Damage every segment file.
    for (const auto& e : std::filesystem::directory_iterator(tmp / "index/lexical")) {
        if (e.path().extension() == ".lex") write_file(e.path(), "garbage");
    }
    {
        auto r = reader(tmp / "index");
        auto result = r->search("rebuild");
        ASSERT_TRUE(result.has_value()) << result.error().to_string();
        EXPECT_EQ(result->hits.size(), 1u);
        EXPECT_FALSE(result->notes.empty());
    }
    // One segment file deleted: rebuilt again.
    for (const auto& e : std::filesystem::directory_iterator(tmp / "index/lexical")) {
        if (e.path().extension() == ".lex") std::filesystem::remove(e.path());
    }
    {
        auto r = reader(tmp / "index");
        auto result = r->search("rebuild");
        ASSERT_TRUE(result.has_value()) << result.error().to_string();
        EXPECT_EQ(result->hits.size(), 1u);
    }
    // Gone entirely: rebuilt again.
    std::filesystem::remove_all(tmp / "index/lexical");
    {
        auto r = reader(tmp / "index");
        auto result = r->search("catalog");
        ASSERT_TRUE(result.has_value()) << result.error().to_string();
        EXPECT_EQ(result->hits.size(), 1u);
    }
    // Damaged while a writer holds the lock: a clear error, no crash, nothing rebuilt.
    auto w = writer(tmp / "index");
    ASSERT_TRUE(w);
    std::filesystem::remove_all(tmp / "index/lexical");
    auto r = reader(tmp / "index");
    auto result = r->search("catalog");
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().message().find("another openbook process"), std::string::npos)
        << result.error().message();
}

TEST(CollectionSearch, AStaleIndexAfterACrashIsCaughtUpByTheNextWriter) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\nalpha\n");
    {
        auto c = writer(tmp / "index");
        ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    }
    // Keep the index of this state, then ingest more: an older index beside a newer catalog is
    // what a crash between the catalog commit and the index publish leaves behind.
    std::filesystem::copy(tmp / "index/lexical", tmp / "old-lexical",
                          std::filesystem::copy_options::recursive);
    write_file(tmp / "docs/b.md", "# B\n\nbeta\n");
    {
        auto c = writer(tmp / "index");
        ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    }
    std::filesystem::remove_all(tmp / "index/lexical");
    std::filesystem::copy(tmp / "old-lexical", tmp / "index/lexical",
                          std::filesystem::copy_options::recursive);
    auto c = writer(tmp / "index");
    EXPECT_EQ(top_paths(*c, "beta", 10).size(), 1u);
    EXPECT_EQ(top_paths(*c, "alpha", 10).size(), 1u);
}

}  // namespace
}  // namespace openbook

namespace openbook {
namespace {

TEST(CollectionSearch, TheStemmingLanguageIsChosenPerCollection) {
    TempDir tmp;
    write_file(tmp / "docs/fr.md", "# Cuisine\n\nNous aimons manger des pommes.\n");
    auto c = writer(tmp / "index");
    ASSERT_TRUE(c->ingest({(tmp / "docs").string()}, {}).has_value());
    EXPECT_EQ(*c->language(), "english");
    EXPECT_TRUE(top_paths(*c, "mangeait", 10).empty());  // English leaves mangeait and manger apart

    IngestOptions french;
    french.language = "french";
    auto r = c->ingest({(tmp / "docs").string()}, french);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->unchanged, 1u);  // the files did not change; only the index was rebuilt
    EXPECT_EQ(*c->language(), "french");
    EXPECT_EQ(top_paths(*c, "mangeait", 10).size(), 1u);
    // Kept by the collection: a reader in another process uses it too.
    auto rd = reader(tmp / "index");
    EXPECT_EQ(*rd->language(), "french");
    EXPECT_EQ(top_paths(*rd, "mangeait", 10).size(), 1u);

    IngestOptions klingon;
    klingon.language = "klingon";
    auto bad = c->ingest({(tmp / "docs").string()}, klingon);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bad.error().message().find("french"), std::string::npos) << bad.error().message();
    EXPECT_EQ(*c->language(), "french");
}

}  // namespace
}  // namespace openbook
