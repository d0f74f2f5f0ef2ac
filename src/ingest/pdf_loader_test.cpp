#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/loader.h"
#include "support/doc_fixtures.h"
#include "support/document_checks.h"
#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook::ingest {
namespace {

using openbook::testing::make_pdf;
using openbook::testing::expect_sections_cover;

// A line of text at (x, y) in points.
std::string line(int x, int y, const std::string& s, int size = 12) {
    return "BT /F1 " + std::to_string(size) + " Tf " + std::to_string(x) + " " + std::to_string(y) +
           " Td (" + s + ") Tj ET\n";
}

// Page 1: two paragraphs (a gap between them); page 2: one line with a WinAnsi é;
// page 3: one paragraph of two lines.
std::string three_page_pdf(const std::string& title) {
    return make_pdf(
        {line(72, 720, "First paragraph, line one.") + line(72, 706, "First paragraph, line two.") +
             line(72, 600, "Second paragraph on page one."),
         line(72, 720, "Caf\\351 on page two."),
         line(72, 720, "Page three, line one.") + line(72, 706, "Page three, line two.")},
        title);
}

std::string section_text(const Document& doc, size_t i) {
    const Section& s = doc.sections.at(i);
    return doc.text.substr(s.byte_start, s.byte_end - s.byte_start);
}

TEST(PdfLoader, OneSectionPerPageWithBlocksAndTitle) {
    auto loaded = load_pdf(three_page_pdf("A Test Document"), "three.pdf");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "binary");
    EXPECT_TRUE(loaded->warnings.empty()) << loaded->warnings.front();
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];

    EXPECT_EQ(doc.title, "A Test Document");
    EXPECT_EQ(doc.text,
              "First paragraph, line one.\nFirst paragraph, line two.\n\n"
              "Second paragraph on page one.\n\n"
              "Café on page two.\n\n"
              "Page three, line one.\nPage three, line two.");
    EXPECT_EQ(doc.metadata_json, R"({"pages":3})");

    ASSERT_EQ(doc.sections.size(), 3u);
    expect_sections_cover(doc);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(doc.sections[i].page, i + 1);
        EXPECT_TRUE(doc.sections[i].heading_path.empty());
        EXPECT_EQ(doc.sections[i].heading_level, 0);
        EXPECT_EQ(doc.sections[i].heading_bytes, 0u);
    }
    EXPECT_EQ(section_text(doc, 0),
              "First paragraph, line one.\nFirst paragraph, line two.\n\n"
              "Second paragraph on page one.\n\n");
    EXPECT_EQ(section_text(doc, 1), "Café on page two.\n\n");
    EXPECT_EQ(section_text(doc, 2), "Page three, line one.\nPage three, line two.");
}

TEST(PdfLoader, MissingTitleIsEmptyAndBlankPagesLeaveNoSection) {
    std::string pdf = make_pdf(
        {line(72, 720, "Alpha."), "0 0 1 rg 100 100 50 50 re f", line(72, 720, "Gamma.")}, "");
    auto loaded = load_pdf(pdf, "blank-page.pdf");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];
    EXPECT_EQ(doc.title, "");
    EXPECT_EQ(doc.text, "Alpha.\n\nGamma.");
    ASSERT_EQ(doc.sections.size(), 2u);
    EXPECT_EQ(doc.sections[0].page, 1);
    EXPECT_EQ(doc.sections[1].page, 3);
    EXPECT_EQ(section_text(doc, 1), "Gamma.");
}

TEST(PdfLoader, TwoColumnsAreReadColumnByColumn) {
    // The content stream interleaves the columns line by line, as many producers do.
    std::string content;
    for (int i = 1; i <= 4; ++i) {
        content += line(72, 720 - 14 * i, "Left column line " + std::to_string(i) + " of text");
        content += line(330, 720 - 14 * i, "Right column line " + std::to_string(i) + " of text");
    }
    auto loaded = load_pdf(make_pdf({content}, "Columns"), "columns.pdf");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text,
              "Left column line 1 of text\nLeft column line 2 of text\n"
              "Left column line 3 of text\nLeft column line 4 of text\n\n"
              "Right column line 1 of text\nRight column line 2 of text\n"
              "Right column line 3 of text\nRight column line 4 of text");
}

TEST(PdfLoader, NoTextLayerYieldsNoDocumentAndAWarning) {
    std::string scanned = make_pdf({"0 0 1 rg 100 100 400 600 re f", "q 1 0 0 1 0 0 cm Q"}, "Scan");
    auto loaded = load_pdf(scanned, "scan.pdf");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "binary");
    EXPECT_TRUE(loaded->documents.empty());
    ASSERT_EQ(loaded->warnings.size(), 1u);
    EXPECT_NE(loaded->warnings[0].find("no text layer (scanned PDF?)"), std::string::npos);
}

TEST(PdfLoader, TruncatedFileIsCorrupt) {
    std::string pdf = three_page_pdf("Cut");
    for (size_t keep : {pdf.size() / 2, pdf.size() - 40}) {
        auto loaded = load_pdf(pdf.substr(0, keep), "cut.pdf");
        ASSERT_FALSE(loaded.has_value()) << "kept " << keep << " bytes";
        EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
        EXPECT_NE(loaded.error().message().find("cut.pdf"), std::string::npos);
        EXPECT_NE(loaded.error().message().find("truncated"), std::string::npos)
            << loaded.error().message();
    }
}

// The three-page PDF plus an incremental update that replaces page 1's content (object 6) with
// a long one: the layout of every edited PDF.
std::string updated_pdf() {
    std::string pdf = three_page_pdf("Updated");
    const size_t startxref = pdf.rfind("startxref\n");
    const std::string old_xref =
        pdf.substr(startxref + 10, pdf.find('\n', startxref + 10) - (startxref + 10));
    std::string content;
    for (int i = 0; i < 40; ++i) {
        content += line(72, 740 - 16 * i, "Revised line " + std::to_string(i + 1) + ".", 10);
    }
    const size_t object_offset = pdf.size();
    pdf += "6 0 obj\n<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
           "\nendstream\nendobj\n";
    const size_t xref = pdf.size();
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", object_offset);
    pdf += std::string("xref\n0 1\n0000000000 65535 f \n6 1\n") + entry +
           "trailer\n<< /Size 11 /Root 1 0 R /Info 4 0 R /Prev " + old_xref + " >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

TEST(PdfLoader, TruncatedIncrementalUpdateIsCorruptNotPartialText) {
    std::string pdf = updated_pdf();
    auto whole = load_pdf(pdf, "updated.pdf");
    ASSERT_TRUE(whole.has_value()) << whole.error().to_string();
    ASSERT_EQ(whole->documents.size(), 1u);
    EXPECT_EQ(whole->documents[0].text.rfind("Revised line 1.\nRevised line 2.\n", 0), 0u)
        << whole->documents[0].text;

    // Cut inside the update: the original revision (with its own trailer and %%EOF, more than
    // 1 KiB before the cut) is intact, so poppler can open what remains.
    const size_t cut = pdf.find("Revised line 30.");
    ASSERT_NE(cut, std::string::npos);
    auto loaded = load_pdf(pdf.substr(0, cut), "updated-cut.pdf");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(loaded.error().message().find("truncated"), std::string::npos)
        << loaded.error().message();
}

TEST(PdfLoader, JunkAfterTheFinalEofIsTolerated) {
    auto loaded = load_pdf(three_page_pdf("Padded") + std::string(4096, '\0'), "padded.pdf");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].title, "Padded");
    EXPECT_EQ(loaded->documents[0].sections.size(), 3u);
}

TEST(PdfLoader, GarbageIsAnError) {
    std::string garbage;
    for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
    auto no_header = load_pdf(garbage, "garbage.pdf");
    ASSERT_FALSE(no_header.has_value());
    EXPECT_EQ(no_header.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(no_header.error().message().find("not a PDF"), std::string::npos);

    auto with_header = load_pdf("%PDF-1.7\n" + garbage, "garbage2.pdf");
    ASSERT_FALSE(with_header.has_value());
    EXPECT_EQ(with_header.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(with_header.error().message().find("not a readable PDF"), std::string::npos);

    auto empty = load_pdf("", "empty.pdf");
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().code(), StatusCode::kCorrupt);
}

TEST(PdfLoader, ConcurrentLoadsKeepTheirOwnResultsAndMessages) {
    // poppler reports problems through one process-wide callback; each load must still see only
    // its own messages, and good files loaded alongside damaged ones must stay clean.
    const std::string good = three_page_pdf("Good");
    const std::string bad = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF";
    std::vector<int> failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                if (t % 2 == 0) {
                    auto r = load_pdf(good, "good.pdf");
                    if (!r.has_value() || !r->warnings.empty() || r->documents.size() != 1 ||
                        r->documents[0].sections.size() != 3) {
                        ++failures[t];
                    }
                } else if (load_pdf(bad, "bad.pdf").has_value()) {
                    ++failures[t];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

TEST(PdfLoader, EncryptedPdfIsUnsupported) {
    // qpdf is a declared test dependency (scripts/install-deps.sh): its absence is a failure.
    ASSERT_EQ(std::system("command -v qpdf >/dev/null 2>&1"), 0)
        << "qpdf is not installed; run scripts/install-deps.sh";
    testing::TempDir dir;
    const auto plain = dir / "plain.pdf";
    const auto locked = dir / "locked.pdf";
    testing::write_file(plain, three_page_pdf("Secret"));
    const std::string command =
        "qpdf --encrypt user owner 256 -- '" + plain.string() + "' '" + locked.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    auto loaded = load_pdf(testing::read_file(locked), "locked.pdf");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(loaded.error().message().find("encrypted"), std::string::npos)
        << loaded.error().message();

    // Sanity check of the fixture: the unencrypted original loads.
    EXPECT_TRUE(load_pdf(testing::read_file(plain), "plain.pdf").has_value());
}

}  // namespace
}  // namespace openbook::ingest
