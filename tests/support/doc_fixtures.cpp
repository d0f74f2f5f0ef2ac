#include "support/doc_fixtures.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>

#include "support/test_support.h"

namespace openbook::testing {

std::string make_pdf(const std::vector<std::string>& page_contents, const std::string& title) {
    // Objects: 1 catalog, 2 page tree, 3 font, 4 info, then page 5+2i with content 6+2i.
    std::vector<std::string> objects;
    const size_t n = page_contents.size();
    objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    std::string kids;
    for (size_t i = 0; i < n; ++i) kids += std::to_string(5 + 2 * i) + " 0 R ";
    objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
    objects.push_back(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    objects.push_back(title.empty() ? std::string("<< /Producer (openbook tests) >>")
                                    : "<< /Title (" + title + ") /Producer (openbook tests) >>");
    for (size_t i = 0; i < n; ++i) {
        objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                          "/Resources << /Font << /F1 3 0 R >> >> /Contents " +
                          std::to_string(6 + 2 * i) + " 0 R >>");
        objects.push_back("<< /Length " + std::to_string(page_contents[i].size()) +
                          " >>\nstream\n" + page_contents[i] + "\nendstream");
    }
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t offset : offsets) {
        char entry[32];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
        pdf += entry;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R /Info 4 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

std::string pdf_text_line(const std::string& text, int x, int y, int size) {
    return "BT /F1 " + std::to_string(size) + " Tf " + std::to_string(x) + " " +
           std::to_string(y) + " Td (" + text + ") Tj ET\n";
}

std::string make_zip(const std::map<std::string, std::string>& entries) {
    TempDir dir;
    const std::string path = (dir / "out.zip").string();
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    EXPECT_NE(archive, nullptr) << "zip_open error " << error;
    if (archive == nullptr) return {};
    for (const auto& [name, content] : entries) {
        // libzip reads the buffers at zip_close; `entries` outlives that.
        zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
        if (zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
            ADD_FAILURE() << zip_strerror(archive);
            zip_source_free(source);
        }
    }
    EXPECT_EQ(zip_close(archive), 0);
    return read_file(dir / "out.zip");
}

std::string make_docx(const std::vector<std::pair<int, std::string>>& paragraphs,
                      const std::string& title) {
    const std::string w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    std::string body;
    for (const auto& [level, text] : paragraphs) {
        body += "<w:p>";
        if (level > 0) body += "<w:pPr><w:pStyle w:val=\"Heading" + std::to_string(level) + "\"/></w:pPr>";
        body += "<w:r><w:t xml:space=\"preserve\">" + text + "</w:t></w:r></w:p>\n";
    }
    std::string styles = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:styles xmlns:w=\"" + w +
                         "\"><w:style w:type=\"paragraph\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>";
    for (int level = 1; level <= 9; ++level) {
        styles += "<w:style w:type=\"paragraph\" w:styleId=\"Heading" + std::to_string(level) +
                  "\"><w:name w:val=\"heading " + std::to_string(level) + "\"/></w:style>";
    }
    styles += "</w:styles>";
    std::map<std::string, std::string> entries = {
        {"[Content_Types].xml",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
         "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
         "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
         "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
         "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
        {"_rels/.rels",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
         "<Relationship Id=\"rId1\" Type=\"" + rel + "/officeDocument\" Target=\"word/document.xml\"/>"
         "</Relationships>"},
        {"word/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document xmlns:w=\"" +
                                  w + "\"><w:body>\n" + body + "</w:body></w:document>"},
        {"word/styles.xml", styles},
    };
    if (!title.empty()) {
        entries["docProps/core.xml"] =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cp:coreProperties "
            "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" + title +
            "</dc:title></cp:coreProperties>";
    }
    return make_zip(entries);
}

}  // namespace openbook::testing
