// Word .docx: a zip (read in memory with libzip) of WordprocessingML parts (parsed with pugixml).
// Paragraphs become blocks; paragraphs whose style (or own outline level) makes them headings
// become Sections; each table row becomes one block with its cells separated by " | ".
//
// Elements are matched by local name (the part after "w:") because the prefix is only a
// convention: other producers bind the same namespace to other prefixes.
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "ingest/loader.h"
#include "ingest/structured_text.h"
#include "ingest/text_normalize.h"
#include "text/utf8.h"

namespace openbook::ingest {

namespace {

// A zip bomb guard: no part of a real Word document comes near this.
constexpr zip_uint64_t kMaxEntryBytes = zip_uint64_t{256} << 20;

// --- Zip ------------------------------------------------------------------------------------

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }  // read-only: nothing to write back
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

Result<ZipPtr> open_zip(std::string_view bytes, const std::string& file) {
    // libzip reads zero bytes as a new, empty archive.
    if (bytes.empty()) return Status::corrupt(file + ": not a .docx (zip) file (empty file)");
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source == nullptr) {
        std::string reason = zip_error_strerror(&error);
        zip_error_fini(&error);
        return Status::internal(file + ": cannot read zip from memory: " + reason);
    }
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (archive == nullptr) {
        std::string reason = zip_error_strerror(&error);
        zip_error_fini(&error);
        zip_source_free(source);  // only an opened archive takes ownership of its source
        return Status::corrupt(file + ": not a .docx (zip) file (" + reason + ")");
    }
    zip_error_fini(&error);
    return ZipPtr(archive);
}

Status entry_error(int zip_code, const std::string& where, const std::string& reason) {
    if (zip_code == ZIP_ER_NOPASSWD || zip_code == ZIP_ER_WRONGPASSWD ||
        zip_code == ZIP_ER_ENCRNOTSUPP) {
        return Status::unsupported(where + ": encrypted zip entry");
    }
    if (zip_code == ZIP_ER_COMPNOTSUPP) {
        return Status::unsupported(where + ": unsupported zip compression method");
    }
    return Status::corrupt(where + ": damaged zip entry (" + reason + ")");
}

// The uncompressed content of entry `name` (looked up case-insensitively, as OPC part names
// are), nullopt when there is no such entry.
Result<std::optional<std::string>> read_entry(zip_t* archive, const char* name,
                                              const std::string& file) {
    const std::string where = file + ": " + name;
    zip_int64_t index = zip_name_locate(archive, name, ZIP_FL_NOCASE);
    if (index < 0) return std::optional<std::string>();
    const auto idx = static_cast<zip_uint64_t>(index);

    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, idx, 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE) != 0 &&
        stat.size > kMaxEntryBytes) {
        return Status::corrupt(where + " is " + std::to_string(stat.size) +
                               " bytes uncompressed, over the 256 MiB limit (zip bomb?)");
    }

    ZipFilePtr entry(zip_fopen_index(archive, idx, 0));
    if (!entry) {
        zip_error_t* error = zip_get_error(archive);
        return entry_error(zip_error_code_zip(error), where, zip_error_strerror(error));
    }
    std::string content;
    if ((stat.valid & ZIP_STAT_SIZE) != 0) content.reserve(static_cast<size_t>(stat.size));
    char buffer[64 * 1024];
    for (;;) {
        zip_int64_t n = zip_fread(entry.get(), buffer, sizeof buffer);
        if (n < 0) {
            zip_error_t* error = zip_file_get_error(entry.get());
            return entry_error(zip_error_code_zip(error), where, zip_error_strerror(error));
        }
        if (n == 0) break;
        content.append(buffer, static_cast<size_t>(n));
        // The size in the directory may lie; the data itself decides.
        if (content.size() > kMaxEntryBytes) {
            return Status::corrupt(where + " is over the 256 MiB limit uncompressed (zip bomb?)");
        }
    }
    return std::optional<std::string>(std::move(content));
}

// --- XML helpers ----------------------------------------------------------------------------

std::string_view local_name(const char* qualified) {
    std::string_view s(qualified);
    size_t colon = s.rfind(':');
    return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

bool is(const pugi::xml_node& node, std::string_view name) {
    return node.type() == pugi::node_element && local_name(node.name()) == name;
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name) {
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
        if (is(c, name)) return c;
    }
    return {};
}

// Value of the attribute with local name `name` ("w:val" → "val"), "" when absent.
std::string_view attr(const pugi::xml_node& node, std::string_view name) {
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
        if (local_name(a.name()) == name) return a.value();
    }
    return {};
}

std::optional<int> parse_int(std::string_view s) {
    int value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// Pre-order walk below root without recursion (hostile XML can nest arbitrarily deep):
// visit(node) returns whether to descend into node's children.
template <class Visit>
void preorder(const pugi::xml_node& root, Visit&& visit) {
    pugi::xml_node node = root.first_child();
    while (node) {
        if (visit(node) && node.first_child()) {
            node = node.first_child();
            continue;
        }
        while (node != root && !node.next_sibling()) node = node.parent();
        if (node == root) break;
        node = node.next_sibling();
    }
}

Result<pugi::xml_document> parse_xml(const std::string& content, const std::string& where) {
    pugi::xml_document doc;
    // parse_ws_pcdata: a run that is a single space (<w:t xml:space="preserve"> </w:t>) matters.
    pugi::xml_parse_result parsed = doc.load_buffer(content.data(), content.size(),
                                                    pugi::parse_default | pugi::parse_ws_pcdata);
    if (!parsed) {
        return Status::corrupt(where + ": XML error at byte " + std::to_string(parsed.offset) +
                               ": " + parsed.description());
    }
    return doc;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// --- Styles ---------------------------------------------------------------------------------

struct HeadingStyle {
    int level = 0;  // 0: not a heading
    bool is_title = false;
};

// "heading 3" → 3 (built-in style names are stored in English whatever the UI language);
// "title" → 1. The same rule serves style ids ("Heading3", "Title") when styles.xml is missing.
std::optional<HeadingStyle> heading_from_name(std::string_view name) {
    std::string lower = ascii_lower(collapse_whitespace(name));
    if (lower == "title") return HeadingStyle{1, true};
    if (!lower.starts_with("heading")) return std::nullopt;
    std::string_view digits(lower);
    digits.remove_prefix(7);
    if (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
    std::optional<int> n = parse_int(digits);
    if (!n || *n < 1 || *n > 9) return std::nullopt;
    return HeadingStyle{*n, false};
}

// w:outlineLvl: 0..8 are heading levels 1..9; 9 means body text.
std::optional<int> outline_level(const pugi::xml_node& ppr) {
    pugi::xml_node lvl = child(ppr, "outlineLvl");
    if (!lvl) return std::nullopt;
    std::optional<int> v = parse_int(attr(lvl, "val"));
    if (!v || *v < 0 || *v > 9) return std::nullopt;
    return *v == 9 ? 0 : *v + 1;
}

class StyleTable {
public:
    void load(const pugi::xml_document& styles) {
        pugi::xml_node root = styles.document_element();
        for (pugi::xml_node s = root.first_child(); s; s = s.next_sibling()) {
            if (!is(s, "style")) continue;
            std::string id(attr(s, "styleId"));
            if (id.empty()) continue;
            Entry e;
            e.name = std::string(attr(child(s, "name"), "val"));
            e.based_on = std::string(attr(child(s, "basedOn"), "val"));
            e.outline = outline_level(child(s, "pPr"));
            entries_[id] = std::move(e);
        }
    }

    HeadingStyle lookup(const std::string& id) const { return resolve(id, 0); }

private:
    struct Entry {
        std::string name;
        std::string based_on;
        std::optional<int> outline;
    };

    HeadingStyle resolve(const std::string& id, int depth) const {
        auto it = entries_.find(id);
        if (it == entries_.end()) return heading_from_name(id).value_or(HeadingStyle{});
        const Entry& e = it->second;
        if (auto h = heading_from_name(e.name)) return *h;
        if (e.outline) return HeadingStyle{*e.outline, false};
        // A custom style based on a heading is a heading too (Word inherits the outline level);
        // the depth limit stops basedOn cycles.
        if (!e.based_on.empty() && depth < 16) {
            HeadingStyle base = resolve(e.based_on, depth + 1);
            base.is_title = false;
            return base;
        }
        return {};
    }

    std::map<std::string, Entry, std::less<>> entries_;
};

// --- Text -----------------------------------------------------------------------------------

// The visible text of a paragraph: runs' w:t, tabs and breaks; deleted (tracked) text, field
// codes and property elements are skipped. pugixml passes bytes through unchecked, so invalid
// UTF-8 (a part lying about its encoding) is repaired here and counted in *n_repaired.
std::string paragraph_text(const pugi::xml_node& p, size_t& n_repaired) {
    std::string out;
    preorder(p, [&](const pugi::xml_node& n) {
        if (n.type() != pugi::node_element) return false;
        std::string_view name = local_name(n.name());
        if (name == "t") {
            out.append(n.text().get());
            return false;
        }
        if (name == "tab" || name == "ptab") {
            out.push_back('\t');
            return false;
        }
        if (name == "br" || name == "cr") {
            out.push_back('\n');
            return false;
        }
        if (name == "noBreakHyphen") {
            out.push_back('-');
            return false;
        }
        if (name == "p") {  // a paragraph of a text box anchored in this one
            if (!out.empty() && out.back() != '\n') out.push_back('\n');
            return true;
        }
        // Properties (w:pPr holds tab stop definitions named "tab"), tracked deletions, and
        // the VML copy of a drawing that Word stores next to the modern one.
        return !(name == "pPr" || name == "rPr" || name == "sdtPr" || name == "del" ||
                 name == "moveFrom" || name == "Fallback" || name == "instrText" ||
                 name == "delText");
    });
    if (text::is_valid_utf8(out)) return out;
    size_t n = 0;
    std::string repaired = text::repair_utf8(out, &n);
    n_repaired += n;
    return repaired;
}

// A table cell's paragraphs (and any nested table's), on one line.
std::string cell_text(const pugi::xml_node& tc, size_t& n_repaired) {
    std::string out;
    preorder(tc, [&](const pugi::xml_node& n) {
        if (is(n, "p")) {
            std::string para = collapse_whitespace(paragraph_text(n, n_repaired));
            if (!para.empty()) {
                if (!out.empty()) out.push_back(' ');
                out.append(para);
            }
            return false;
        }
        return !(is(n, "tcPr") || is(n, "tblPr") || is(n, "trPr") || is(n, "Fallback"));
    });
    return out;
}

// Children named `name`, also when wrapped in content controls or custom XML (w:sdt/
// w:sdtContent, w:customXml), which may wrap rows and cells.
std::vector<pugi::xml_node> children_through_wrappers(const pugi::xml_node& parent,
                                                      std::string_view name) {
    std::vector<pugi::xml_node> found;
    preorder(parent, [&](const pugi::xml_node& n) {
        if (is(n, name)) {
            found.push_back(n);
            return false;
        }
        return is(n, "sdt") || is(n, "sdtContent") || is(n, "customXml");
    });
    return found;
}

void add_table(const pugi::xml_node& tbl, StructuredTextBuilder& builder, size_t& n_repaired) {
    for (const pugi::xml_node& tr : children_through_wrappers(tbl, "tr")) {
        std::string row;
        for (const pugi::xml_node& tc : children_through_wrappers(tr, "tc")) {
            std::string cell = cell_text(tc, n_repaired);
            if (cell.empty()) continue;  // merged or blank cells would only add " |  | "
            if (!row.empty()) row.append(" | ");
            row.append(cell);
        }
        builder.add_block(row);
    }
}

struct BodyResult {
    std::string first_title_paragraph;
    size_t n_repaired = 0;
};

BodyResult add_body(const pugi::xml_node& body, const StyleTable& styles,
                    StructuredTextBuilder& builder) {
    BodyResult result;
    preorder(body, [&](const pugi::xml_node& n) {
        if (n.type() != pugi::node_element) return false;
        std::string_view name = local_name(n.name());
        if (name == "p") {
            HeadingStyle heading;
            pugi::xml_node ppr = child(n, "pPr");
            std::string style_id(attr(child(ppr, "pStyle"), "val"));
            if (!style_id.empty()) heading = styles.lookup(style_id);
            if (std::optional<int> own = outline_level(ppr)) {
                heading.level = *own;
                if (*own == 0) heading.is_title = false;
            }
            std::string text = paragraph_text(n, result.n_repaired);
            if (heading.level > 0) {
                if (heading.is_title && result.first_title_paragraph.empty()) {
                    result.first_title_paragraph = collapse_whitespace(text);
                }
                builder.add_heading(heading.level, text);
            } else {
                builder.add_block(text);
            }
            return false;
        }
        if (name == "tbl") {
            add_table(n, builder, result.n_repaired);
            return false;
        }
        // Descend into content controls, custom XML, tracked insertions; skip section
        // properties, tracked deletions and VML fallbacks.
        return !(name == "sectPr" || name == "del" || name == "moveFrom" || name == "Fallback");
    });
    return result;
}

std::string core_title(const pugi::xml_document& core) {
    pugi::xml_node title = child(core.document_element(), "title");
    return title ? collapse_whitespace(title.text().get()) : std::string();
}

Result<LoadedFile> load_docx_unguarded(std::string_view bytes, std::string_view name) {
    const std::string file(name);
    // Password-protected .docx files are not zips but OLE compound files (as are old .doc).
    if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
        return Status::unsupported(
            file +
            ": not a .docx (zip) file: an OLE compound file (password-protected .docx "
            "or legacy .doc)");
    }
    OPENBOOK_ASSIGN_OR_RETURN(ZipPtr archive, open_zip(bytes, file));
    LoadedFile out;
    out.encoding = "binary";

    OPENBOOK_ASSIGN_OR_RETURN(std::optional<std::string> document_xml,
                              read_entry(archive.get(), "word/document.xml", file));
    if (!document_xml) {
        return Status::corrupt(file + ": not a Word document: word/document.xml missing");
    }
    OPENBOOK_ASSIGN_OR_RETURN(pugi::xml_document document,
                              parse_xml(*document_xml, file + ": word/document.xml"));
    document_xml.reset();  // can be large; the parsed tree has its own copy
    pugi::xml_node body = child(document.document_element(), "body");
    if (!body) return Status::corrupt(file + ": word/document.xml has no w:body");

    // Optional parts: a problem with them costs headings or the title, not the text.
    StyleTable styles;
    OPENBOOK_ASSIGN_OR_RETURN(std::optional<std::string> styles_xml,
                              read_entry(archive.get(), "word/styles.xml", file));
    if (styles_xml) {
        Result<pugi::xml_document> parsed = parse_xml(*styles_xml, file + ": word/styles.xml");
        if (parsed.has_value()) {
            styles.load(*parsed);
        } else {
            out.warnings.push_back(parsed.error().message() + " (heading styles ignored)");
        }
    }
    std::string title;
    OPENBOOK_ASSIGN_OR_RETURN(std::optional<std::string> core_xml,
                              read_entry(archive.get(), "docProps/core.xml", file));
    if (core_xml) {
        Result<pugi::xml_document> parsed = parse_xml(*core_xml, file + ": docProps/core.xml");
        if (parsed.has_value()) {
            title = core_title(*parsed);
        } else {
            out.warnings.push_back(parsed.error().message() + " (title ignored)");
        }
    }

    StructuredTextBuilder builder;
    BodyResult body_result = add_body(body, styles, builder);
    Document doc = builder.finish();
    if (body_result.n_repaired > 0) {
        out.warnings.push_back(file + ": " + repaired_warning(body_result.n_repaired));
    }
    if (doc.text.empty()) {
        out.warnings.push_back(file + ": no text");
        return out;
    }
    doc.title = title.empty() ? body_result.first_title_paragraph : title;
    doc.title = text::repair_utf8(doc.title);
    out.documents.push_back(std::move(doc));
    return out;
}

}  // namespace

Result<LoadedFile> load_docx(std::string_view bytes, std::string_view name) {
    try {
        return load_docx_unguarded(bytes, name);
    } catch (const std::bad_alloc&) {
        return Status::unsupported(std::string(name) + ": document too large to process in memory");
    } catch (const std::exception& e) {
        return Status::corrupt(std::string(name) + ": .docx reader failed: " + e.what());
    }
}

}  // namespace openbook::ingest
