// HTML (.html, .htm, .xhtml): parsed with gumbo (the HTML5 parsing algorithm, so tag soup parses
// the way browsers parse it). Only the readable body text is kept: scripts, styles, navigation,
// site header/footer/aside and other non-content elements are dropped; h1–h6 become Sections.
#include <gumbo.h>

#include <cctype>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/loader.h"
#include "ingest/structured_text.h"
#include "ingest/text_normalize.h"
#include "text/encoding.h"
#include "text/utf8.h"

namespace openbook::ingest {

namespace {

// --- Character set --------------------------------------------------------------------------

// How far into the file a <meta charset> declaration is looked for. Browsers pre-scan 1024 bytes;
// we allow a little more for pages with long comments or many <link>s before the <meta>.
constexpr size_t kCharsetScanBytes = 2048;

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_label_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_.:", c) != nullptr;
}

// The encoding an XHTML file's XML declaration (<?xml version="1.0" encoding="big5"?>) names.
std::optional<std::string> find_xml_encoding(const std::string& head) {
    size_t start = head.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || head.compare(start, 5, "<?xml") != 0) return std::nullopt;
    size_t end = head.find("?>", start);
    size_t key = head.find("encoding", start);
    if (end == std::string::npos || key == std::string::npos || key > end) return std::nullopt;
    size_t i = head.find_first_not_of(" \t\r\n=\"'", key + 8);
    if (i == std::string::npos || i > end) return std::nullopt;
    size_t j = i;
    while (j < end && is_label_char(head[j])) ++j;
    if (j == i) return std::nullopt;
    return head.substr(i, j - i);
}

// The charset label declared by an XML declaration, or else by the first <meta charset=...> or
// <meta http-equiv="Content-Type" content="...; charset=..."> in the first kCharsetScanBytes,
// lower-cased; nullopt when there is none.
std::optional<std::string> find_declared_charset(std::string_view bytes) {
    std::string head = ascii_lower(bytes.substr(0, kCharsetScanBytes));
    if (std::optional<std::string> xml = find_xml_encoding(head)) return xml;
    size_t pos = 0;
    while ((pos = head.find("<meta", pos)) != std::string::npos) {
        size_t tag_end = head.find('>', pos);
        if (tag_end == std::string::npos) tag_end = head.size();
        std::string_view tag(head.data() + pos, tag_end - pos);
        size_t key = 0;
        while ((key = tag.find("charset", key)) != std::string_view::npos) {
            size_t i = key + 7;
            while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
            if (i < tag.size() && tag[i] == '=') {
                ++i;
                while (i < tag.size() && (std::isspace(static_cast<unsigned char>(tag[i])) ||
                                          tag[i] == '"' || tag[i] == '\'')) {
                    ++i;
                }
                size_t start = i;
                while (i < tag.size() && is_label_char(tag[i])) ++i;
                if (i > start) return std::string(tag.substr(start, i - start));
            }
            key += 7;
        }
        pos = tag_end;
    }
    return std::nullopt;
}

struct CharsetChoice {
    std::string iconv_name;  // empty: the label means UTF-8
    std::string display;     // what LoadedFile::encoding reports
};

// Maps a declared label to an iconv name, following the WHATWG Encoding Standard where labels
// differ from what they literally say: latin1/ascii pages are really windows-1252, gb2312/gbk
// pages use GB18030's repertoire, and a <meta> can never really mean UTF-16 (it is read as ASCII).
CharsetChoice choose_charset(const std::string& label) {
    if (label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8" ||
        label.rfind("utf-16", 0) == 0) {
        return {"", "UTF-8"};
    }
    if (label == "big5" || label == "big5-hkscs" || label == "cn-big5" || label == "csbig5" ||
        label == "x-x-big5") {
        return {"BIG5-HKSCS", "Big5"};
    }
    if (label == "gb2312" || label == "gbk" || label == "gb18030" || label == "x-gbk" ||
        label == "chinese" || label == "csgb2312" || label == "gb_2312-80") {
        return {"GB18030", "GB18030"};
    }
    if (label == "iso-8859-1" || label == "latin1" || label == "l1" || label == "us-ascii" ||
        label == "ascii" || label == "windows-1252" || label == "cp1252" || label == "iso8859-1") {
        return {"CP1252", "windows-1252"};
    }
    std::string upper = label;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {upper, upper};
}

bool has_bom(std::string_view bytes) {
    return bytes.starts_with("\xEF\xBB\xBF") || bytes.starts_with("\xFF\xFE") ||
           bytes.starts_with("\xFE\xFF");
}

// Decodes the page to UTF-8: a BOM wins (as in browsers), then a declared charset, then
// detection.
Result<text::DecodedText> decode_html(std::string_view bytes, std::vector<std::string>& warnings) {
    std::optional<std::string> label = has_bom(bytes) ? std::nullopt : find_declared_charset(bytes);
    if (label) {
        CharsetChoice choice = choose_charset(*label);
        if (choice.iconv_name.empty()) {
            // Declared UTF-8: trust it; stray invalid bytes are repaired, not a reason to guess
            // a legacy encoding.
            text::DecodedText decoded;
            decoded.utf8 = text::repair_utf8(bytes, &decoded.n_repaired);
            decoded.encoding = choice.display;
            return decoded;
        }
        Result<text::DecodedText> converted = text::convert_to_utf8(bytes, choice.iconv_name);
        if (converted.has_value()) {
            converted->encoding = choice.display;
            return converted;
        }
        warnings.push_back("unsupported charset '" + *label +
                           "' declared in the page; detecting the encoding instead");
    }
    return text::decode_to_utf8(bytes);
}

// --- Tree walk ------------------------------------------------------------------------------

const GumboVector* children_of(const GumboNode* node) {
    switch (node->type) {
        case GUMBO_NODE_DOCUMENT: return &node->v.document.children;
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE: return &node->v.element.children;
        default: return nullptr;
    }
}

bool is_element(const GumboNode* node) {
    return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

bool is_text(const GumboNode* node) {
    return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
           node->type == GUMBO_NODE_CDATA;
}

// Elements whose content is never part of the readable text, wherever they are.
bool is_always_dropped(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_HEAD:
        case GUMBO_TAG_TITLE:  // read separately as the document title
        case GUMBO_TAG_SCRIPT:
        case GUMBO_TAG_STYLE:
        case GUMBO_TAG_NOSCRIPT:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_SVG:
        case GUMBO_TAG_NAV:
        case GUMBO_TAG_ASIDE:
        // Raw-text elements: their "text" is unparsed markup, not content.
        case GUMBO_TAG_IFRAME:
        case GUMBO_TAG_NOEMBED:
        case GUMBO_TAG_NOFRAMES:
        // Form option lists are UI, not prose.
        case GUMBO_TAG_SELECT:
        case GUMBO_TAG_DATALIST: return true;
        default: return false;
    }
}

bool is_block(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_HTML:
        case GUMBO_TAG_BODY:
        case GUMBO_TAG_ADDRESS:
        case GUMBO_TAG_ARTICLE:
        case GUMBO_TAG_SECTION:
        case GUMBO_TAG_MAIN:
        case GUMBO_TAG_HEADER:
        case GUMBO_TAG_FOOTER:
        case GUMBO_TAG_HGROUP:
        case GUMBO_TAG_P:
        case GUMBO_TAG_HR:
        case GUMBO_TAG_PRE:
        case GUMBO_TAG_LISTING:
        case GUMBO_TAG_XMP:
        case GUMBO_TAG_PLAINTEXT:
        case GUMBO_TAG_BLOCKQUOTE:
        case GUMBO_TAG_OL:
        case GUMBO_TAG_UL:
        case GUMBO_TAG_MENU:
        case GUMBO_TAG_DIR:
        case GUMBO_TAG_LI:
        case GUMBO_TAG_DL:
        case GUMBO_TAG_DT:
        case GUMBO_TAG_DD:
        case GUMBO_TAG_FIGURE:
        case GUMBO_TAG_FIGCAPTION:
        case GUMBO_TAG_DIV:
        case GUMBO_TAG_CENTER:
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
        case GUMBO_TAG_TR:
        case GUMBO_TAG_FORM:
        case GUMBO_TAG_FIELDSET:
        case GUMBO_TAG_LEGEND:
        case GUMBO_TAG_DETAILS:
        case GUMBO_TAG_SUMMARY:
        case GUMBO_TAG_TEXTAREA:
        case GUMBO_TAG_FRAMESET: return true;
        default: return false;
    }
}

// Elements whose white space is kept as written.
bool is_preformatted(GumboTag tag) {
    return tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_LISTING || tag == GUMBO_TAG_XMP ||
           tag == GUMBO_TAG_PLAINTEXT || tag == GUMBO_TAG_TEXTAREA;
}

int heading_level(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_H1: return 1;
        case GUMBO_TAG_H2: return 2;
        case GUMBO_TAG_H3: return 3;
        case GUMBO_TAG_H4: return 4;
        case GUMBO_TAG_H5: return 5;
        case GUMBO_TAG_H6: return 6;
        default: return 0;
    }
}

bool is_sectioning(GumboTag tag) {
    return tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_MAIN || tag == GUMBO_TAG_SECTION;
}

bool has_hidden_attribute(const GumboNode* node) {
    return gumbo_get_attribute(&node->v.element.attributes, "hidden") != nullptr;
}

// Depth-first walk without recursion: documents nest arbitrarily deep and must not overflow the
// stack. enter(node) returns whether to descend; leave(node) follows the children of a node that
// was descended into.
template <class Enter, class Leave>
void walk(const GumboNode* root, Enter&& enter, Leave&& leave) {
    struct Frame {
        const GumboNode* node;
        unsigned next_child;
    };
    std::vector<Frame> stack;
    if (enter(root)) stack.push_back({root, 0});
    while (!stack.empty()) {
        Frame& top = stack.back();
        const GumboVector* kids = children_of(top.node);
        if (kids == nullptr || top.next_child >= kids->length) {
            const GumboNode* done = top.node;
            stack.pop_back();
            leave(done);
            continue;
        }
        const auto* child = static_cast<const GumboNode*>(kids->data[top.next_child++]);
        if (enter(child)) stack.push_back({child, 0});
    }
}

// All text under node (skipping dropped elements), white space collapsed: for headings and the
// <title>.
std::string collect_text(const GumboNode* node) {
    std::string raw;
    walk(
        node,
        [&](const GumboNode* n) {
            if (is_text(n)) {
                raw.append(n->v.text.text);
                return false;
            }
            if (!is_element(n) && n->type != GUMBO_NODE_DOCUMENT) return false;
            if (n != node && is_element(n)) {
                GumboTag tag = n->v.element.tag;
                if (is_always_dropped(tag) || has_hidden_attribute(n)) return false;
                if (tag == GUMBO_TAG_BR) raw.push_back(' ');
            }
            return true;
        },
        [&](const GumboNode* n) {
            if (is_element(n) && is_block(n->v.element.tag)) raw.push_back(' ');
        });
    return collapse_whitespace(raw);
}

const GumboNode* find_title_element(const GumboNode* root) {
    const GumboNode* found = nullptr;
    walk(
        root,
        [&](const GumboNode* n) {
            if (found != nullptr || !(is_element(n) || n->type == GUMBO_NODE_DOCUMENT)) {
                return false;
            }
            if (is_element(n)) {
                // An SVG <title> is a tooltip, not the page's title.
                if (n->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) return false;
                if (n->v.element.tag == GUMBO_TAG_TITLE) {
                    found = n;
                    return false;
                }
            }
            return true;
        },
        [](const GumboNode*) {});
    return found;
}

// Turns the body into blocks and headings for a StructuredTextBuilder.
class BodyExtractor {
public:
    explicit BodyExtractor(StructuredTextBuilder& builder) : builder_(builder) {}

    void run(const GumboNode* root) {
        walk(
            root, [this](const GumboNode* n) { return enter(n); },
            [this](const GumboNode* n) { leave(n); });
        flush();
    }

    const std::string& first_h1() const { return first_h1_; }

private:
    bool enter(const GumboNode* node) {
        if (is_text(node)) {
            add_text(node->v.text.text);
            return false;
        }
        if (node->type == GUMBO_NODE_DOCUMENT) return true;
        if (!is_element(node)) return false;  // comments
        GumboTag tag = node->v.element.tag;
        if (is_always_dropped(tag) || has_hidden_attribute(node)) return false;
        // <header>/<footer> directly in the page are site chrome (banner, copyright); inside an
        // article or section they belong to its content (its title, byline, notes).
        if ((tag == GUMBO_TAG_HEADER || tag == GUMBO_TAG_FOOTER) && sectioning_depth_ == 0) {
            return false;
        }
        if (int level = heading_level(tag); level > 0) {
            flush();
            std::string title = collect_text(node);
            if (level == 1 && first_h1_.empty()) first_h1_ = title;
            builder_.add_heading(level, title);
            return false;
        }
        if (tag == GUMBO_TAG_BR) {
            lines_.emplace_back();
            return false;
        }
        if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
            // Cells of a row stay on one line, "a | b | c", so a row is read as one record; the
            // separator is written only once the next cell turns out to have text.
            if (block_has_text_) cell_separator_pending_ = true;
            return true;
        }
        if (is_block(tag)) {
            flush();
            if (is_preformatted(tag)) ++pre_depth_;
            if (is_sectioning(tag)) ++sectioning_depth_;
        }
        return true;
    }

    void leave(const GumboNode* node) {
        if (!is_element(node)) return;
        GumboTag tag = node->v.element.tag;
        if (is_block(tag)) {
            flush();
            if (is_preformatted(tag)) --pre_depth_;
            if (is_sectioning(tag)) --sectioning_depth_;
        }
    }

    void add_text(std::string_view text) {
        if (text.empty()) return;
        bool has_content = pre_depth_ > 0 || !collapse_whitespace(text).empty();
        if (has_content && cell_separator_pending_) {
            lines_.back().append(" | ");
            cell_separator_pending_ = false;
        }
        lines_.back().append(text);
        if (has_content) block_has_text_ = true;
    }

    // Ends the current block: collapses white space line by line (lines come from <br>), or
    // keeps it verbatim inside <pre>.
    void flush() {
        std::string block;
        for (size_t i = 0; i < lines_.size(); ++i) {
            if (i > 0) block.push_back('\n');
            block.append(pre_depth_ > 0 ? lines_[i] : collapse_whitespace(lines_[i]));
        }
        builder_.add_block(block);
        lines_.assign(1, std::string());
        block_has_text_ = false;
        cell_separator_pending_ = false;
    }

    StructuredTextBuilder& builder_;
    std::vector<std::string> lines_ = std::vector<std::string>(1);
    bool block_has_text_ = false;
    bool cell_separator_pending_ = false;
    int pre_depth_ = 0;
    int sectioning_depth_ = 0;
    std::string first_h1_;
};

// Owns a gumbo parse tree.
class ParsedHtml {
public:
    explicit ParsedHtml(const std::string& utf8) {
        GumboOptions options = kGumboDefaultOptions;
        options.max_errors = 0;  // we never look at parse errors; don't spend memory on them
        output_ = gumbo_parse_with_options(&options, utf8.data(), utf8.size());
        options_ = options;
    }
    ~ParsedHtml() {
        if (output_ != nullptr) gumbo_destroy_output(&options_, output_);
    }
    ParsedHtml(const ParsedHtml&) = delete;
    ParsedHtml& operator=(const ParsedHtml&) = delete;

    const GumboOutput* get() const { return output_; }

private:
    GumboOptions options_{};
    GumboOutput* output_ = nullptr;
};

}  // namespace

Result<LoadedFile> load_html(std::string_view bytes, std::string_view name) {
    LoadedFile out;
    OPENBOOK_ASSIGN_OR_RETURN(text::DecodedText decoded, decode_html(bytes, out.warnings));
    out.encoding = decoded.encoding;
    if (decoded.n_repaired > 0) out.warnings.push_back(repaired_warning(decoded.n_repaired));

    try {
        ParsedHtml parsed(decoded.utf8);
        if (parsed.get() == nullptr || parsed.get()->document == nullptr) {
            return Status::corrupt(std::string(name) + ": the HTML parser gave up on this file");
        }
        const GumboNode* document = parsed.get()->document;

        StructuredTextBuilder builder;
        BodyExtractor extractor(builder);
        extractor.run(document);
        Document doc = builder.finish();
        if (doc.text.empty()) {
            out.warnings.push_back(std::string(name) + ": no text");
            return out;
        }

        if (const GumboNode* title = find_title_element(document)) doc.title = collect_text(title);
        if (doc.title.empty()) doc.title = extractor.first_h1();

        const GumboNode* root = parsed.get()->root;
        if (root != nullptr && is_element(root)) {
            const GumboAttribute* lang = gumbo_get_attribute(&root->v.element.attributes, "lang");
            std::string lang_value = lang != nullptr ? collapse_whitespace(lang->value) : "";
            if (!lang_value.empty()) {
                nlohmann::json meta = {{"lang", lang_value}};
                doc.metadata_json = meta.dump();
            }
        }
        out.documents.push_back(std::move(doc));
        return out;
    } catch (const std::bad_alloc&) {
        return Status::unsupported(std::string(name) + ": HTML too large to parse in memory");
    } catch (const std::exception& e) {
        return Status::corrupt(std::string(name) + ": HTML parser failed: " + e.what());
    }
}

}  // namespace openbook::ingest
