#include <zip.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/loader.h"
#include "support/doc_fixtures.h"
#include "support/document_checks.h"
#include "support/test_support.h"
#include "text/utf8.h"

namespace openbook::ingest {
namespace {

using Path = std::vector<std::string>;
using Parts = std::map<std::string, std::string>;  // zip entry name → content
using openbook::testing::make_zip;
using openbook::testing::expect_sections_cover;


// The namespaces and content types of an Office Open XML package.
const std::string kOoxml = "http://schemas.openxmlformats.org/";
const std::string kMainNs = kOoxml + "wordprocessingml/2006/main";
const std::string kWordMl = "application/vnd.openxmlformats-officedocument.wordprocessingml.";

const std::string kContentTypes =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n<Types xmlns=\"" +
    kOoxml +
    "package/2006/content-types\">\n"
    R"(<Default Extension="rels")"
    R"( ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
    "\n"
    R"(<Default Extension="xml" ContentType="application/xml"/>)"
    "\n"
    R"(<Override PartName="/word/document.xml" ContentType=")" +
    kWordMl +
    R"(document.main+xml"/>)"
    "\n"
    R"(<Override PartName="/word/styles.xml" ContentType=")" +
    kWordMl +
    R"(styles+xml"/>)"
    "\n"
    R"(<Override PartName="/docProps/core.xml")"
    R"( ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>)"
    "\n</Types>";

const std::string kRootRels = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                              "\n<Relationships xmlns=\"" +
                              kOoxml +
                              "package/2006/relationships\">\n"
                              "<Relationship Id=\"rId1\" Target=\"word/document.xml\"\n"
                              "  Type=\"" +
                              kOoxml +
                              "officeDocument/2006/relationships/officeDocument\"/>\n"
                              "<Relationship Id=\"rId2\" Target=\"docProps/core.xml\"\n"
                              "  Type=\"" +
                              kOoxml +
                              "package/2006/relationships/metadata/core-properties\"/>\n"
                              "</Relationships>";

const std::string kDocumentOpen = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                                  "\n<w:document xmlns:w=\"" +
                                  kMainNs +
                                  "\"\n"
                                  "  xmlns:mc=\"" +
                                  kOoxml + "markup-compatibility/2006\">\n<w:body>\n";
const std::string kDocumentClose = R"(<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>
</w:body>
</w:document>)";

// A paragraph with one run of text and an optional paragraph style.
std::string para(const std::string& text, const std::string& style = "") {
    std::string p = "<w:p>";
    if (!style.empty()) p += R"(<w:pPr><w:pStyle w:val=")" + style + R"("/></w:pPr>)";
    return p + "<w:r><w:t>" + text + "</w:t></w:r></w:p>\n";
}

// A w:style element; `extra` goes inside it (w:basedOn, w:pPr).
std::string style(const std::string& id, const std::string& name, const std::string& extra = "") {
    return R"(<w:style w:type="paragraph" w:styleId=")" + id + R"("><w:name w:val=")" + name +
           R"("/>)" + extra + "</w:style>\n";
}

std::string based_on(const std::string& id) { return R"(<w:basedOn w:val=")" + id + R"("/>)"; }

std::string outline(int level) {
    return R"(<w:pPr><w:keepNext/><w:outlineLvl w:val=")" + std::to_string(level) +
           R"("/></w:pPr>)";
}

std::string styles_xml(const std::string& styles) {
    return R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
           "\n<w:styles xmlns:w=\"" +
           kMainNs + "\">\n" + styles + "</w:styles>";
}

const std::string kStyles =
    styles_xml(style("Normal", "Normal") + style("Title", "Title", based_on("Normal")) +
               style("Heading1", "heading 1", based_on("Normal") + outline(0)) +
               style("Heading2", "heading 2", based_on("Normal") + outline(1)) +
               // A custom style is a heading through the one it is based on.
               style("ChapterHead", "Chapter Head", based_on("Heading1")));

const std::string kCore =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n<cp:coreProperties xmlns:cp=\"" +
    kOoxml +
    "package/2006/metadata/core-properties\"\n"
    R"(  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">)"
    "\n<dc:title>  Quarterly   Report </dc:title><dc:creator>Test</dc:creator>\n"
    "</cp:coreProperties>";

std::string main_body() {
    return para("Report Title", "Title") +    //
           para("Intro paragraph.") +         //
           para("Chapter One", "Heading1") +  //
           // Tab stops in w:pPr are not tabs; w:tab in a run is; w:br and w:cr break lines.
           R"(<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>)"
           R"(<w:r><w:rPr><w:b/></w:rPr><w:t>Name:</w:t></w:r>)"
           R"(<w:r><w:tab/><w:t>Alice</w:t></w:r>)"
           R"(<w:r><w:br/><w:t xml:space="preserve">Second </w:t></w:r>)"
           R"(<w:r><w:t>line</w:t><w:cr/><w:t>Third line</w:t></w:r></w:p>)"
           "\n" +
           para("Section 1.1", "Heading2") +
           // A run that is a single space must survive XML parsing.
           R"(<w:p><w:r><w:t>中文段落，測試。</w:t></w:r>)"
           R"(<w:r><w:t xml:space="preserve"> </w:t></w:r>)"
           R"(<w:r><w:t>End.</w:t></w:r></w:p>)"
           "\n"
           R"(<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>)"
           R"(<w:tr><w:tc><w:tcPr><w:tcW w:w="2000"/></w:tcPr>)"
           R"(<w:p><w:r><w:t>Cell A</w:t></w:r></w:p></w:tc>)"
           R"(<w:tc><w:p><w:r><w:t>Cell B</w:t></w:r></w:p></w:tc></w:tr>)"
           R"(<w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p>)"
           R"(<w:p><w:r><w:t>more</w:t></w:r></w:p></w:tc>)"
           R"(<w:tc><w:p><w:r><w:t>表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>)"
           "\n" +
           para("Chapter Two", "ChapterHead") +
           // Tracked deletions and field codes are not text; a field's result is.
           R"(<w:p><w:r><w:t>Kept</w:t></w:r>)"
           R"(<w:del w:id="1"><w:r><w:delText>Deleted</w:delText></w:r></w:del>)"
           R"(<w:r><w:fldChar w:fldCharType="begin"/></w:r>)"
           R"(<w:r><w:instrText>PAGE</w:instrText></w:r>)"
           R"(<w:r><w:fldChar w:fldCharType="separate"/></w:r>)"
           R"(<w:r><w:t xml:space="preserve"> 7</w:t></w:r>)"
           R"(<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)"
           "\n"
           // A heading by its own outline level, without a heading style.
           R"(<w:p><w:pPr><w:outlineLvl w:val="2"/></w:pPr>)"
           R"(<w:r><w:t>Deep heading</w:t></w:r></w:p>)"
           "\n"
           R"(<w:sdt><w:sdtPr/><w:sdtContent>)" +
           para("Inside a content control.") + "</w:sdtContent></w:sdt>\n";
}

Parts full_docx_parts() {
    return {{"[Content_Types].xml", kContentTypes},
            {"_rels/.rels", kRootRels},
            {"word/document.xml", kDocumentOpen + main_body() + kDocumentClose},
            {"word/styles.xml", kStyles},
            {"docProps/core.xml", kCore}};
}

std::string section_text(const Document& doc, size_t i) {
    const Section& s = doc.sections.at(i);
    return doc.text.substr(s.byte_start, s.byte_end - s.byte_start);
}

TEST(DocxLoader, ExtractsParagraphsHeadingsTablesAndTitle) {
    auto loaded = load_docx(make_zip(full_docx_parts()), "report.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "binary");
    EXPECT_TRUE(loaded->warnings.empty());
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];

    EXPECT_EQ(doc.title, "Quarterly Report");  // docProps/core.xml wins over the Title paragraph
    EXPECT_EQ(doc.text,
              "Report Title\n\n"
              "Intro paragraph.\n\n"
              "Chapter One\n\n"
              "Name:\tAlice\nSecond line\nThird line\n\n"
              "Section 1.1\n\n"
              "中文段落，測試。 End.\n\n"
              "Cell A | Cell B\n\n"
              "1 more | 表格\n\n"
              "Chapter Two\n\n"
              "Kept 7\n\n"
              "Deep heading\n\n"
              "Inside a content control.");
    EXPECT_TRUE(text::is_valid_utf8(doc.text));

    ASSERT_EQ(doc.sections.size(), 5u);
    expect_sections_cover(doc);
    const std::vector<Path> paths = {{"Report Title"},
                                     {"Chapter One"},
                                     {"Chapter One", "Section 1.1"},
                                     {"Chapter Two"},
                                     {"Chapter Two", "Deep heading"}};
    const std::vector<int> levels = {1, 1, 2, 1, 3};
    const std::vector<std::string> headings = {"Report Title", "Chapter One", "Section 1.1",
                                               "Chapter Two", "Deep heading"};
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(doc.sections[i].heading_path, paths[i]) << i;
        EXPECT_EQ(doc.sections[i].heading_level, levels[i]) << i;
        EXPECT_EQ(doc.sections[i].heading_bytes, headings[i].size()) << i;
        EXPECT_EQ(doc.sections[i].page, 0);
        EXPECT_EQ(section_text(doc, i).rfind(headings[i], 0), 0u) << i;
    }
    EXPECT_EQ(section_text(doc, 2),
              "Section 1.1\n\n中文段落，測試。 End.\n\nCell A | Cell B\n\n1 more | 表格\n\n");
}

TEST(DocxLoader, TitleFallsBackToTitleParagraphThenEmpty) {
    Parts parts = full_docx_parts();
    parts.erase("docProps/core.xml");
    auto loaded = load_docx(make_zip(parts), "no-core.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].title, "Report Title");

    Parts plain = {{"word/document.xml",
                    kDocumentOpen + para("Just text.") + para("H", "Heading1") + kDocumentClose}};
    auto untitled = load_docx(make_zip(plain), "plain.docx");
    ASSERT_TRUE(untitled.has_value()) << untitled.error().to_string();
    ASSERT_EQ(untitled->documents.size(), 1u);
    EXPECT_EQ(untitled->documents[0].title, "");
}

TEST(DocxLoader, LocalizedStyleIdsAreMappedThroughStyleNames) {
    // A document written by a German or Chinese Word: style ids are "1", "2", "berschrift3"...
    // while w:name keeps the built-in English name, or only the outline level says "heading".
    const std::string styles =
        styles_xml(style("a", "Normal") + style("1", "heading 1", based_on("a")) +
                   style("2", "HEADING 2", based_on("a")) +
                   style("berschrift3", "Überschrift 3 Eigene", outline(2)) +
                   // An id that looks like a heading but whose name says otherwise is not one.
                   style("Heading1", "Body Text Custom") + style("a3", "Title"));
    const std::string body = para("標題", "a3") + para("第一章", "1") + para("第一節", "2") +
                             para("小節", "berschrift3") + para("正文。", "a") +
                             para("Not a heading despite its id", "Heading1");
    Parts parts = {{"word/document.xml", kDocumentOpen + body + kDocumentClose},
                   {"word/styles.xml", styles}};
    auto loaded = load_docx(make_zip(parts), "localized.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];
    EXPECT_EQ(doc.title, "標題");
    EXPECT_EQ(doc.text,
              "標題\n\n第一章\n\n第一節\n\n小節\n\n正文。\n\nNot a heading despite its id");
    ASSERT_EQ(doc.sections.size(), 4u);
    expect_sections_cover(doc);
    EXPECT_EQ(doc.sections[0].heading_path, (Path{"標題"}));
    EXPECT_EQ(doc.sections[1].heading_path, (Path{"第一章"}));
    EXPECT_EQ(doc.sections[1].heading_level, 1);
    EXPECT_EQ(doc.sections[2].heading_path, (Path{"第一章", "第一節"}));
    EXPECT_EQ(doc.sections[2].heading_level, 2);
    EXPECT_EQ(doc.sections[3].heading_path, (Path{"第一章", "第一節", "小節"}));
    EXPECT_EQ(doc.sections[3].heading_level, 3);
    EXPECT_EQ(section_text(doc, 3), "小節\n\n正文。\n\nNot a heading despite its id");
}

TEST(DocxLoader, WithoutStylesThePlainEnglishStyleIdsStillWork) {
    Parts parts = {{"word/document.xml", kDocumentOpen + para("Top", "Heading1") +
                                             para("Sub", "heading2") + para("x") +
                                             para("Numbered id", "1") + kDocumentClose}};
    auto loaded = load_docx(make_zip(parts), "nostyles.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];
    EXPECT_EQ(doc.text, "Top\n\nSub\n\nx\n\nNumbered id");
    ASSERT_EQ(doc.sections.size(), 2u);
    EXPECT_EQ(doc.sections[1].heading_path, (Path{"Top", "Sub"}));
    EXPECT_EQ(doc.sections[1].heading_level, 2);
}

TEST(DocxLoader, TextBoxTextIsNotDuplicatedByItsVmlFallback) {
    const std::string body =
        R"(<w:p><w:r><w:t>Before</w:t></w:r><w:r><mc:AlternateContent>)"
        R"(<mc:Choice Requires="wps"><w:drawing><w:txbxContent>)"
        R"(<w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>)"
        R"(<mc:Fallback><w:pict><w:txbxContent>)"
        R"(<w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>)"
        R"(</mc:AlternateContent></w:r></w:p>)";
    Parts parts = {{"word/document.xml", kDocumentOpen + body + kDocumentClose}};
    auto loaded = load_docx(make_zip(parts), "textbox.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "Before\nBox text");
}

TEST(DocxLoader, EmptyDocumentYieldsNoDocumentAndAWarning) {
    Parts parts = {{"word/document.xml",
                    kDocumentOpen + "<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>" + kDocumentClose}};
    auto loaded = load_docx(make_zip(parts), "empty.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_TRUE(loaded->documents.empty());
    ASSERT_EQ(loaded->warnings.size(), 1u);
    EXPECT_NE(loaded->warnings[0].find("no text"), std::string::npos);
}

TEST(DocxLoader, NotAZipIsCorrupt) {
    for (std::string bytes : {std::string("plain text, not a zip"), std::string(),
                              std::string("PK\x03\x04 truncated local header")}) {
        auto loaded = load_docx(bytes, "fake.docx");
        ASSERT_FALSE(loaded.has_value());
        EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
        EXPECT_NE(loaded.error().message().find("not a .docx (zip) file"), std::string::npos)
            << loaded.error().message();
        EXPECT_NE(loaded.error().message().find("fake.docx"), std::string::npos);
    }
}

TEST(DocxLoader, OleCompoundFileIsUnsupported) {
    std::string ole("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    ole.append(504, '\0');
    auto loaded = load_docx(ole, "protected.docx");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kUnsupported);
    EXPECT_NE(loaded.error().message().find("OLE"), std::string::npos);
}

TEST(DocxLoader, ZipWithoutDocumentXmlIsCorrupt) {
    Parts parts = {{"[Content_Types].xml", kContentTypes}, {"xl/workbook.xml", "<workbook/>"}};
    auto loaded = load_docx(make_zip(parts), "sheet.docx");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(loaded.error().message().find("not a Word document: word/document.xml missing"),
              std::string::npos)
        << loaded.error().message();
}

TEST(DocxLoader, MalformedDocumentXmlIsCorrupt) {
    Parts parts = {{"word/document.xml", kDocumentOpen + "<w:p><w:r><w:t>unclosed"}};
    auto loaded = load_docx(make_zip(parts), "broken.docx");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(loaded.error().message().find("word/document.xml: XML error"), std::string::npos)
        << loaded.error().message();
}

TEST(DocxLoader, MalformedOptionalPartsOnlyWarn) {
    Parts parts = full_docx_parts();
    parts["word/styles.xml"] = "<w:styles><oops";
    parts["docProps/core.xml"] = "not xml <";
    auto loaded = load_docx(make_zip(parts), "half.docx");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->warnings.size(), 2u);
    EXPECT_NE(loaded->warnings[0].find("word/styles.xml"), std::string::npos);
    EXPECT_NE(loaded->warnings[1].find("docProps/core.xml"), std::string::npos);
    ASSERT_EQ(loaded->documents.size(), 1u);
    // Title and Heading1/Heading2 still work from their ids; the custom "ChapterHead" (a
    // heading only through styles.xml) does not.
    EXPECT_EQ(loaded->documents[0].title, "Report Title");
    EXPECT_EQ(loaded->documents[0].sections.size(), 4u);
}

// Rewrites the uncompressed size that the zip's central directory records for `entry`.
void patch_central_directory_size(std::string& zip, const std::string& entry, uint32_t size) {
    const std::string signature("PK\x01\x02", 4);
    for (size_t pos = zip.find(signature); pos != std::string::npos;
         pos = zip.find(signature, pos + 4)) {
        ASSERT_LE(pos + 46, zip.size());
        const auto name_length =
            static_cast<size_t>(static_cast<unsigned char>(zip[pos + 28]) |
                                static_cast<unsigned char>(zip[pos + 29]) << 8);
        if (zip.compare(pos + 46, name_length, entry) != 0) continue;
        for (int i = 0; i < 4; ++i) zip[pos + 24 + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
        return;
    }
    FAIL() << entry << " not found in the central directory";
}

TEST(DocxLoader, OversizedEntryIsRefusedAsZipBomb) {
    std::string zip = make_zip(full_docx_parts());
    patch_central_directory_size(zip, "word/document.xml", 300u << 20);
    auto loaded = load_docx(zip, "bomb.docx");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(loaded.error().message().find("256 MiB"), std::string::npos)
        << loaded.error().message();
    EXPECT_NE(loaded.error().message().find("word/document.xml"), std::string::npos);
}

}  // namespace
}  // namespace openbook::ingest
