// The collection API end to end: ingest real files of every format, incremental updates, sync,
// removal, bad input, and the single-writer rule.
#include "openbook/collection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "support/doc_fixtures.h"
#include "support/test_support.h"
#include "text/encoding.h"

namespace openbook {
namespace {

using openbook::testing::read_file;
using openbook::testing::shared_data;
using openbook::testing::TempDir;
using openbook::testing::write_file;

std::unique_ptr<Collection> open_writer(const std::filesystem::path& dir) {
    auto c = Collection::open(dir, Collection::Mode::kWrite);
    EXPECT_TRUE(c.has_value()) << c.error().to_string();
    return c.has_value() ? std::move(c).value() : nullptr;
}

IngestReport ingest(Collection& c, const std::vector<std::string>& paths,
                    const IngestOptions& options = {}) {
    auto r = c.ingest(paths, options);
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return r.has_value() ? *r : IngestReport{};
}

const FileOutcome* note_for(const IngestReport& r, const std::string& path_suffix) {
    for (const auto& n : r.notes) {
        if (n.path.ends_with(path_suffix)) return &n;
    }
    return nullptr;
}

// The first DRCD paragraph (Traditional Chinese) and CMRC paragraph (Simplified), real text.
std::string first_context(const std::filesystem::path& squad_json) {
    auto j = nlohmann::json::parse(read_file(squad_json));
    return j["data"][0]["paragraphs"][0]["context"].get<std::string>();
}

void expect_chunks_point_into_text(const DocumentView& v) {
    ASSERT_FALSE(v.chunks.empty()) << v.info.uri;
    for (size_t i = 0; i < v.chunks.size(); ++i) {
        const auto& c = v.chunks[i];
        EXPECT_EQ(c.ordinal, static_cast<int64_t>(i));
        ASSERT_LE(c.byte_end, static_cast<int64_t>(v.text.size()));
        EXPECT_EQ(v.text.substr(c.byte_start, c.byte_end - c.byte_start), c.text);
        EXPECT_LE(c.char_start, c.char_end);
        EXPECT_GT(c.token_estimate, 0);
    }
}

TEST(CollectionIngest, EveryFormatFromRealFiles) {
    TempDir tmp;
    auto docs = tmp / "docs";
    // Made here: HTML, PDF, DOCX, UTF-16 and legacy Chinese encodings.
    write_file(docs / "page.html",
               "<html><head><title>Page</title><script>var x=1;</script></head><body><nav>menu</nav>"
               "<h1>檢索增強生成</h1><p>第一段。</p><h2>Details</h2><p>Second paragraph.</p>"
               "</body></html>");
    write_file(docs / "report.pdf", openbook::testing::make_pdf(
                                        {openbook::testing::pdf_text_line("First page text."),
                                         openbook::testing::pdf_text_line("Second page text.")},
                                        "Quarterly report"));
    write_file(docs / "guide.docx", openbook::testing::make_docx(
                                        {{1, "使用指南"}, {0, "這是第一段。"}, {2, "Install"},
                                         {0, "Run the installer."}},
                                        "Guide"));
    const std::string drcd = first_context(shared_data("drcd/DRCD_dev.json"));
    const std::string cmrc = first_context(shared_data("cmrc2018/cmrc2018_dev.squad.json"));
    write_file(docs / "big5.txt", *text::convert_from_utf8(drcd, "BIG5"));
    write_file(docs / "gb.txt", *text::convert_from_utf8(cmrc, "GB18030"));
    write_file(docs / "utf16.txt", "\xFF\xFE" + *text::convert_from_utf8("UTF-16 文字。", "UTF-16LE"));

    TempDir index;
    auto c = open_writer(index.path());
    ASSERT_TRUE(c);
    // Found in ../shared/data: Markdown (a d2l chapter), plain text (War and Peace), a BEIR corpus.
    const auto d2l = shared_data("d2l-zh/chapter_preliminaries");
    const auto war = shared_data("ollama-testdata/war-and-peace.txt");
    const auto scifact = shared_data("scifact/beir/corpus.jsonl");
    auto r = ingest(*c, {docs.string(), d2l.string(), war.string(), scifact.string()});
    EXPECT_EQ(r.failed, 0u);
    for (const auto& n : r.notes) ADD_FAILURE() << n.path << ": " << n.reason;

    auto list = c->list_documents();
    ASSERT_TRUE(list.has_value());
    auto find = [&](const std::string& suffix) -> const DocumentInfo* {
        for (const auto& d : *list) {
            if (d.uri.ends_with(suffix)) return &d;
        }
        return nullptr;
    };
    ASSERT_TRUE(find("page.html"));
    EXPECT_EQ(find("page.html")->format, "html");
    EXPECT_EQ(find("page.html")->title, "Page");
    ASSERT_TRUE(find("report.pdf"));
    EXPECT_EQ(find("report.pdf")->title, "Quarterly report");
    ASSERT_TRUE(find("guide.docx"));
    EXPECT_EQ(find("guide.docx")->format, "docx");
    ASSERT_TRUE(find("big5.txt"));
    EXPECT_EQ(find("big5.txt")->encoding, "Big5");
    ASSERT_TRUE(find("gb.txt"));
    EXPECT_EQ(find("gb.txt")->encoding, "GB18030");
    ASSERT_TRUE(find("utf16.txt"));
    EXPECT_EQ(find("utf16.txt")->encoding, "UTF-16LE");
    ASSERT_TRUE(find("war-and-peace.txt"));
    EXPECT_EQ(find("war-and-peace.txt")->format, "text");
    EXPECT_GT(find("war-and-peace.txt")->n_chunks, 1000);
    ASSERT_TRUE(find("corpus.jsonl#4983"));  // SciFact's first document id
    EXPECT_EQ(find("corpus.jsonl#4983")->external_id, "4983");
    EXPECT_EQ(find("corpus.jsonl#4983")->format, "beir-jsonl");
    const size_t n_scifact = std::count_if(list->begin(), list->end(), [](const DocumentInfo& d) {
        return d.format == "beir-jsonl";
    });
    EXPECT_EQ(n_scifact, 5183u);
    const size_t n_md = std::count_if(list->begin(), list->end(), [](const DocumentInfo& d) {
        return d.format == "markdown";
    });
    EXPECT_GT(n_md, 5u);

    // Spans are exact and the decoded text is the original.
    auto big5 = c->show_document((docs / "big5.txt").string());
    ASSERT_TRUE(big5.has_value()) << big5.error().to_string();
    EXPECT_EQ(big5->text, drcd);
    expect_chunks_point_into_text(*big5);
    auto pdf = c->show_document((docs / "report.pdf").string());
    ASSERT_TRUE(pdf.has_value());
    ASSERT_EQ(pdf->chunks.size(), 2u);
    EXPECT_EQ(pdf->chunks[0].page, 1);
    EXPECT_EQ(pdf->chunks[1].page, 2);
    EXPECT_EQ(pdf->chunks[1].text, "Second page text.");
    auto docx = c->show_document((docs / "guide.docx").string());
    ASSERT_TRUE(docx.has_value());
    expect_chunks_point_into_text(*docx);
    EXPECT_NE(docx->text.find("這是第一段。"), std::string::npos);
    auto html = c->show_document((docs / "page.html").string());
    ASSERT_TRUE(html.has_value());
    EXPECT_EQ(html->text.find("var x"), std::string::npos);
    EXPECT_EQ(html->text.find("menu"), std::string::npos);
    auto sci = c->show_document(scifact.string() + "#4983");
    ASSERT_TRUE(sci.has_value()) << sci.error().to_string();
    expect_chunks_point_into_text(*sci);
}

TEST(CollectionIngest, ReingestingUnchangedFilesDoesNoWork) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\nAlpha text.\n");
    write_file(tmp / "docs/b.txt", "Beta text.\n");
    TempDir index;
    auto c = open_writer(index.path());
    auto first = ingest(*c, {(tmp / "docs").string()});
    EXPECT_EQ(first.added, 2u);
    auto second = ingest(*c, {(tmp / "docs").string()});
    EXPECT_EQ(second.added, 0u);
    EXPECT_EQ(second.updated, 0u);
    EXPECT_EQ(second.unchanged, 2u);
    EXPECT_EQ(second.chunks, 0u);

    // Same bytes, new mtime: read and hashed, still unchanged.
    write_file(tmp / "docs/b.txt", "Beta text.\n");
    std::filesystem::last_write_time(tmp / "docs/b.txt",
                                     std::filesystem::file_time_type::clock::now() +
                                         std::chrono::seconds(5));
    auto third = ingest(*c, {(tmp / "docs").string()});
    EXPECT_EQ(third.unchanged, 2u);
    EXPECT_EQ(third.bytes, 11u);

    // Changed content: the document and its chunks are replaced.
    write_file(tmp / "docs/a.md", "# A\n\nAlpha, second edition.\n");
    auto fourth = ingest(*c, {(tmp / "docs").string()});
    EXPECT_EQ(fourth.updated, 1u);
    EXPECT_EQ(fourth.unchanged, 1u);
    auto a = c->show_document((tmp / "docs/a.md").string());
    ASSERT_TRUE(a.has_value());
    EXPECT_NE(a->text.find("second edition"), std::string::npos);
    EXPECT_EQ(c->stats()->documents, 2);

    // --force re-reads everything.
    IngestOptions force;
    force.force = true;
    EXPECT_EQ(ingest(*c, {(tmp / "docs").string()}, force).updated, 2u);
}

TEST(CollectionIngest, BadFilesAreReportedAndNothingStoredIsLost) {
    TempDir tmp;
    auto docs = tmp / "docs";
    write_file(docs / "good.md", "# Good\n\nFine text.\n");
    write_file(docs / "report.pdf", openbook::testing::make_pdf(
                                        {openbook::testing::pdf_text_line("Version one.")}, "R"));
    TempDir index;
    auto c = open_writer(index.path());
    EXPECT_EQ(ingest(*c, {docs.string()}).added, 2u);

    // The PDF is truncated, a new corrupt docx, an empty file, a binary .txt, a hidden file,
    // invalid UTF-8, and an unsupported extension.
    std::string pdf = read_file(docs / "report.pdf");
    write_file(docs / "report.pdf", pdf.substr(0, pdf.size() / 3));
    write_file(docs / "broken.docx", "PK\x03\x04 this is not really a zip");
    write_file(docs / "empty.txt", "");
    write_file(docs / "blob.txt", std::string("\x7f" "ELF\0\0\0\x01\x02", 9) + std::string(100, '\0'));
    write_file(docs / ".hidden.md", "# Hidden\n");
    write_file(docs / "latin1.txt", "caf\xe9 au lait\n");
    write_file(docs / "image.png", "\x89PNG\r\n");
    auto r = ingest(*c, {docs.string()});

    const FileOutcome* pdf_note = note_for(r, "report.pdf");
    ASSERT_TRUE(pdf_note);
    EXPECT_EQ(pdf_note->kind, FileOutcomeKind::kFailed);
    EXPECT_NE(pdf_note->reason.find("kept"), std::string::npos) << pdf_note->reason;
    const FileOutcome* docx_note = note_for(r, "broken.docx");
    ASSERT_TRUE(docx_note);
    EXPECT_EQ(docx_note->kind, FileOutcomeKind::kFailed);
    EXPECT_FALSE(docx_note->reason.empty());
    ASSERT_TRUE(note_for(r, "empty.txt"));
    EXPECT_EQ(note_for(r, "empty.txt")->kind, FileOutcomeKind::kEmpty);
    ASSERT_TRUE(note_for(r, "blob.txt"));
    EXPECT_EQ(note_for(r, "blob.txt")->kind, FileOutcomeKind::kSkipped);
    ASSERT_TRUE(note_for(r, ".hidden.md"));
    EXPECT_EQ(note_for(r, ".hidden.md")->kind, FileOutcomeKind::kSkipped);
    ASSERT_TRUE(note_for(r, "image.png"));
    EXPECT_EQ(note_for(r, "image.png")->kind, FileOutcomeKind::kSkipped);
    EXPECT_EQ(r.failed, 2u);
    EXPECT_EQ(r.added, 1u);  // latin1.txt, repaired
    ASSERT_TRUE(note_for(r, "latin1.txt"));
    EXPECT_NE(note_for(r, "latin1.txt")->reason.find("U+FFFD"), std::string::npos);

    // The previously ingested PDF is still there, whole.
    auto kept = c->show_document((docs / "report.pdf").string());
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->text, "Version one.");
    auto latin = c->show_document((docs / "latin1.txt").string());
    ASSERT_TRUE(latin.has_value());
    EXPECT_EQ(latin->text, "caf\xEF\xBF\xBD au lait\n");
    EXPECT_FALSE(c->show_document((docs / "empty.txt").string()).has_value());
}

TEST(CollectionIngest, IncludeAndExcludeGlobs) {
    TempDir tmp;
    write_file(tmp / "d/a.md", "# A\n\ntext a\n");
    write_file(tmp / "d/drafts/b.md", "# B\n\ntext b\n");
    write_file(tmp / "d/c.txt", "text c\n");
    TempDir index;
    auto c = open_writer(index.path());
    IngestOptions o;
    o.include = {"*.md"};
    o.exclude = {"drafts/**"};
    auto r = ingest(*c, {(tmp / "d").string()}, o);
    EXPECT_EQ(r.added, 1u);
    auto list = c->list_documents();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_TRUE(list->front().uri.ends_with("/d/a.md"));
}

TEST(CollectionSync, RemovesDocumentsWhoseFilesAreGone) {
    TempDir tmp;
    write_file(tmp / "d/keep.md", "# Keep\n\nkeep\n");
    write_file(tmp / "d/gone.md", "# Gone\n\ngone\n");
    write_file(tmp / "other/x.md", "# X\n\nx\n");
    TempDir index;
    auto c = open_writer(index.path());
    ingest(*c, {(tmp / "d").string(), (tmp / "other").string()});
    std::filesystem::remove(tmp / "d/gone.md");
    std::filesystem::remove(tmp / "other/x.md");
    auto r = c->sync({(tmp / "d").string()}, {});
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->removed, 1u);
    EXPECT_EQ(r->unchanged, 1u);
    auto list = c->list_documents();
    ASSERT_EQ(list->size(), 2u);  // other/x.md is outside the synced folder: untouched
    // A synced path that vanished entirely removes what was under it.
    std::filesystem::remove_all(tmp / "d");
    auto r2 = c->sync({(tmp / "d").string()}, {});
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r2->removed, 1u);
    EXPECT_EQ(r2->failed, 0u);
    EXPECT_EQ(c->list_documents()->size(), 1u);
}

TEST(CollectionRemove, ByPathUriFolderAndUnknown) {
    TempDir tmp;
    write_file(tmp / "d/a.md", "# A\n\na\n");
    write_file(tmp / "d/sub/b.md", "# B\n\nb\n");
    write_file(tmp / "d/sub/c.md", "# C\n\nc\n");
    write_file(tmp / "corpus.jsonl",
               "{\"_id\":\"1\",\"title\":\"T1\",\"text\":\"one\"}\n"
               "{\"_id\":\"2\",\"title\":\"T2\",\"text\":\"two\"}\n");
    TempDir index;
    auto c = open_writer(index.path());
    ingest(*c, {(tmp / "d").string(), (tmp / "corpus.jsonl").string()});
    ASSERT_EQ(c->list_documents()->size(), 5u);

    auto unknown = c->remove({(tmp / "d/a.md").string(), "no-such-doc"});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
    EXPECT_EQ(c->list_documents()->size(), 5u);  // a typo removes nothing

    auto r = c->remove({(tmp / "d/a.md").string()});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->size(), 1u);
    auto folder = c->remove({(tmp / "d/sub").string()});
    ASSERT_TRUE(folder.has_value());
    EXPECT_EQ(folder->size(), 2u);
    auto line = c->remove({(tmp / "corpus.jsonl").string() + "#2"});
    ASSERT_TRUE(line.has_value()) << line.error().to_string();
    EXPECT_EQ(c->list_documents()->size(), 1u);

    // The corpus file lost a line by hand: ingesting it again brings the line back.
    auto again = ingest(*c, {(tmp / "corpus.jsonl").string()});
    EXPECT_EQ(again.updated, 1u);
    EXPECT_EQ(c->list_documents()->size(), 2u);
}

TEST(CollectionLock, OneWriterAtATimeReadersAlongside) {
    TempDir index;
    auto writer = open_writer(index.path());
    ASSERT_TRUE(writer);
    auto second = Collection::open(index.path(), Collection::Mode::kWrite);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code(), StatusCode::kBusy);
    EXPECT_NE(second.error().message().find("writer.lock"), std::string::npos);
    auto reader = Collection::open(index.path(), Collection::Mode::kRead);
    EXPECT_TRUE(reader.has_value()) << reader.error().to_string();
    writer.reset();
    EXPECT_TRUE(Collection::open(index.path(), Collection::Mode::kWrite).has_value());
}

TEST(CollectionOpen, ReadingAMissingCollectionSaysHowToCreateOne) {
    TempDir tmp;
    auto r = Collection::open(tmp / "nothing-here", Collection::Mode::kRead);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
    EXPECT_NE(r.error().message().find("openbook ingest"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(tmp / "nothing-here"));
}

TEST(CollectionIngest, InvalidChunkingOptionsAreRejected) {
    TempDir index;
    auto c = open_writer(index.path());
    IngestOptions o;
    o.chunking.target_tokens = 0;
    auto r = c->ingest({"."}, o);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openbook
