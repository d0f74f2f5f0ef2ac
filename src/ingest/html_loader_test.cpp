#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/loader.h"
#include "support/document_checks.h"
#include "text/encoding.h"
#include "text/utf8.h"

namespace openbook::ingest {
namespace {

using openbook::testing::expect_sections_cover;

using Path = std::vector<std::string>;

// Sections are in order, touch each other and cover the whole text.
std::string section_text(const Document& doc, size_t i) {
    const Section& s = doc.sections.at(i);
    return doc.text.substr(s.byte_start, s.byte_end - s.byte_start);
}

const char* const kPage = R"(<!DOCTYPE html>
<html lang="zh-Hant">
<head>
  <meta charset="utf-8">
  <title>  Test &amp;
     Page </title>
  <style>body { color: red; } p::before { content: "STYLE"; }</style>
  <script>var s = "<p>SCRIPT</p>";</script>
</head>
<body>
  <header><a href="/">SiteName</a> banner</header>
  <nav><ul><li>Home</li><li>About</li></ul></nav>
  <h1>Main   <em>Title</em></h1>
  <p>First   paragraph
     with <b>bold</b> and <a href="#">a link</a>.</p>
  <p>Line one<br>Line   two</p>
  <h2>Lists &amp; Code</h2>
  <ul>
    <li>Item one</li>
    <li>Item <em>two</em></li>
  </ul>
  <pre>int main() {
    return  0;
}</pre>
  <p>Entities: &lt;tag&gt; &copy; &#x4E2D;&#25991; caf&eacute;</p>
  <h2>中文</h2>
  <div>這是中文段落。<span>第二句。</span></div>
  <table>
    <tr><th>Name</th><th>Value</th></tr>
    <tr><td>a</td><td>1</td></tr>
  </table>
  <aside>ASIDE related links</aside>
  <noscript>NOSCRIPT enable JS</noscript>
  <template><p>TEMPLATE</p></template>
  <svg><title>SVG title</title><text>SVG text</text></svg>
  <footer>FOOTER copyright</footer>
</body>
</html>
)";

TEST(HtmlLoader, ExtractsBodyTextHeadingsAndBlocks) {
    auto loaded = load_html(kPage, "page.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "UTF-8");
    EXPECT_TRUE(loaded->warnings.empty());
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];

    EXPECT_EQ(doc.text,
              "Main Title\n\n"
              "First paragraph with bold and a link.\n\n"
              "Line one\nLine two\n\n"
              "Lists & Code\n\n"
              "Item one\n\n"
              "Item two\n\n"
              "int main() {\n    return  0;\n}\n\n"
              "Entities: <tag> © 中文 café\n\n"
              "中文\n\n"
              "這是中文段落。第二句。\n\n"
              "Name | Value\n\n"
              "a | 1");
    EXPECT_EQ(doc.title, "Test & Page");
    EXPECT_EQ(doc.metadata_json, R"({"lang":"zh-Hant"})");
    EXPECT_TRUE(text::is_valid_utf8(doc.text));

    ASSERT_EQ(doc.sections.size(), 3u);
    expect_sections_cover(doc);
    EXPECT_EQ(doc.sections[0].heading_path, (Path{"Main Title"}));
    EXPECT_EQ(doc.sections[0].heading_level, 1);
    EXPECT_EQ(doc.sections[0].heading_bytes, std::string("Main Title").size());
    EXPECT_EQ(doc.sections[0].page, 0);
    EXPECT_EQ(doc.sections[1].heading_path, (Path{"Main Title", "Lists & Code"}));
    EXPECT_EQ(doc.sections[1].heading_level, 2);
    EXPECT_EQ(section_text(doc, 1).rfind("Lists & Code\n\n", 0), 0u);
    EXPECT_EQ(doc.sections[2].heading_path, (Path{"Main Title", "中文"}));
    EXPECT_EQ(doc.sections[2].heading_level, 2);
    EXPECT_EQ(doc.sections[2].heading_bytes, std::string("中文").size());
    EXPECT_EQ(section_text(doc, 2), "中文\n\n這是中文段落。第二句。\n\nName | Value\n\na | 1");
}

TEST(HtmlLoader, Big5PageWithMetaCharsetIsConverted) {
    const std::string utf8 =
        "<html><head><meta charset=\"big5\"><title>繁體標題</title></head>"
        "<body><h1>第一章</h1><p>這是一個繁體中文的段落，用來測試。</p></body></html>";
    auto big5 = text::convert_from_utf8(utf8, "BIG5");
    ASSERT_TRUE(big5.has_value()) << big5.error().to_string();
    ASSERT_NE(*big5, utf8);
    ASSERT_FALSE(text::is_valid_utf8(*big5));

    auto loaded = load_html(*big5, "big5.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "Big5");
    EXPECT_TRUE(loaded->warnings.empty());
    ASSERT_EQ(loaded->documents.size(), 1u);
    const Document& doc = loaded->documents[0];
    EXPECT_EQ(doc.title, "繁體標題");
    EXPECT_EQ(doc.text, "第一章\n\n這是一個繁體中文的段落，用來測試。");
    ASSERT_EQ(doc.sections.size(), 1u);
    EXPECT_EQ(doc.sections[0].heading_path, (Path{"第一章"}));
}

TEST(HtmlLoader, HttpEquivContentTypeCharsetIsHonoured) {
    const std::string utf8 =
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=GB2312\">"
        "</head><body><p>简体中文段落。</p></body></html>";
    auto gb = text::convert_from_utf8(utf8, "GB18030");
    ASSERT_TRUE(gb.has_value()) << gb.error().to_string();
    auto loaded = load_html(*gb, "gb.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "GB18030");
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "简体中文段落。");
}

TEST(HtmlLoader, XhtmlXmlDeclarationEncodingIsHonoured) {
    const std::string utf8 =
        "<?xml version=\"1.0\" encoding=\"Big5\"?>\n"
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-TW\"><body>"
        "<p>臺灣的繁體字。</p></body></html>";
    auto big5 = text::convert_from_utf8(utf8, "BIG5");
    ASSERT_TRUE(big5.has_value()) << big5.error().to_string();
    auto loaded = load_html(*big5, "page.xhtml");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "Big5");
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "臺灣的繁體字。");
    EXPECT_EQ(loaded->documents[0].metadata_json, R"({"lang":"zh-TW"})");
}

TEST(HtmlLoader, UnknownMetaCharsetFallsBackToDetectionWithWarning) {
    auto loaded = load_html("<meta charset=\"no-such-charset\"><p>plain ascii</p>", "x.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "plain ascii");
    ASSERT_EQ(loaded->warnings.size(), 1u);
    EXPECT_NE(loaded->warnings[0].find("no-such-charset"), std::string::npos);
}

TEST(HtmlLoader, DeclaredUtf8WithBadBytesIsRepairedAndCounted) {
    auto loaded = load_html("<meta charset=utf-8><p>ok \xFF here</p>", "bad.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    EXPECT_EQ(loaded->encoding, "UTF-8");
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "ok \xEF\xBF\xBD here");
    ASSERT_EQ(loaded->warnings.size(), 1u);
    EXPECT_NE(loaded->warnings[0].find("U+FFFD"), std::string::npos);
}

TEST(HtmlLoader, TitleFallsBackToFirstH1ThenEmpty) {
    auto with_h1 = load_html("<body><p>intro</p><h1>Heading  One</h1><h1>Two</h1></body>", "a");
    ASSERT_TRUE(with_h1.has_value());
    ASSERT_EQ(with_h1->documents.size(), 1u);
    EXPECT_EQ(with_h1->documents[0].title, "Heading One");
    EXPECT_EQ(with_h1->documents[0].metadata_json, "{}");
    // The text before the first heading is a section with an empty heading path.
    const Document& doc = with_h1->documents[0];
    ASSERT_EQ(doc.sections.size(), 3u);
    EXPECT_TRUE(doc.sections[0].heading_path.empty());
    EXPECT_EQ(doc.sections[0].heading_level, 0);
    EXPECT_EQ(section_text(doc, 0), "intro\n\n");
    EXPECT_EQ(doc.sections[2].heading_path, (Path{"Two"}));
    expect_sections_cover(doc);

    auto without = load_html("<body><h2>Only h2</h2><p>text</p></body>", "b");
    ASSERT_TRUE(without.has_value());
    ASSERT_EQ(without->documents.size(), 1u);
    EXPECT_EQ(without->documents[0].title, "");
}

TEST(HtmlLoader, ArticleHeaderIsContentButPageChromeAndHiddenAreDropped) {
    auto loaded = load_html(
        "<body><header>SITE</header>"
        "<article><header><h1>Post</h1><p>by Ann</p></header><p>Body.</p>"
        "<footer>Tags: x</footer></article>"
        "<div hidden>HIDDEN</div><footer>PAGE FOOTER</footer></body>",
        "a.html");
    ASSERT_TRUE(loaded.has_value());
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "Post\n\nby Ann\n\nBody.\n\nTags: x");
}

TEST(HtmlLoader, TableCellsShareARowAndBlocksInsideCellsSplit) {
    auto loaded = load_html(
        "<table><caption>Prices</caption>"
        "<tr><td>apple</td><td></td><td>3</td></tr>"
        "<tr><td><p>layout cell para 1</p><p>para 2</p></td></tr></table>",
        "t.html");
    ASSERT_TRUE(loaded.has_value());
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "Prices\n\napple | 3\n\nlayout cell para 1\n\npara 2");
}

TEST(HtmlLoader, PreKeepsWhitespaceAndBreaks) {
    auto loaded = load_html("<pre>a  b\n\tc<br>d</pre><p>x\n\n  y</p>", "p.html");
    ASSERT_TRUE(loaded.has_value());
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "a  b\n\tc\nd\n\nx y");
}

TEST(HtmlLoader, PageWithoutTextYieldsNoDocumentAndAWarning) {
    auto loaded = load_html(
        "<html><head><title>Only a title</title><script>x()</script></head>"
        "<body><nav>menu</nav>  \n </body></html>",
        "empty.html");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_TRUE(loaded->documents.empty());
    ASSERT_EQ(loaded->warnings.size(), 1u);
    EXPECT_NE(loaded->warnings[0].find("no text"), std::string::npos);
}

TEST(HtmlLoader, BinaryGarbageDoesNotCrashAndGivesValidUtf8) {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) % 256));
    garbage += "<p>tail text</p>";
    auto loaded = load_html(garbage, "garbage.html");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_TRUE(text::is_valid_utf8(loaded->documents[0].text));
    EXPECT_NE(loaded->documents[0].text.find("tail text"), std::string::npos);
}

TEST(HtmlLoader, DeeplyNestedMarkupIsHandled) {
    std::string html;
    for (int i = 0; i < 3000; ++i) html += "<span>";
    html += "deep";
    auto loaded = load_html(html, "deep.html");
    ASSERT_TRUE(loaded.has_value());
    ASSERT_EQ(loaded->documents.size(), 1u);
    EXPECT_EQ(loaded->documents[0].text, "deep");
}

}  // namespace
}  // namespace openbook::ingest
