// PDF: text extracted page by page with poppler-cpp, in reading order. One Section per page
// (page = 1-based page number); paragraphs are the blank-line-separated blocks poppler's layout
// analysis produces. Scanned PDFs (images only, no text layer) yield no document and a warning.
#include <climits>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include "ingest/loader.h"
#include "ingest/structured_text.h"
#include "ingest/text_normalize.h"
#include "text/utf8.h"

namespace openbook::ingest {

namespace {

// --- poppler's diagnostics ------------------------------------------------------------------
//
// poppler reports problems through one process-wide callback (by default it prints to stderr).
// We install our callback once and route messages to a per-thread sink, so that concurrent loads
// each collect their own messages and nothing is printed.

constexpr size_t kMaxKeptMessages = 5;

struct MessageSink {
    std::vector<std::string> messages;  // the first kMaxKeptMessages distinct ones
    size_t total = 0;
};

thread_local MessageSink* t_sink = nullptr;

void on_poppler_message(const std::string& message, void* /*closure*/) {
    if (t_sink == nullptr) return;  // a load outside load_pdf: keep it quiet too
    ++t_sink->total;
    if (t_sink->messages.size() >= kMaxKeptMessages) return;
    std::string clean = text::repair_utf8(message);
    for (const auto& m : t_sink->messages) {
        if (m == clean) return;
    }
    t_sink->messages.push_back(std::move(clean));
}

void install_message_callback() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function(&on_poppler_message, nullptr); });
}

// Makes the calling thread's poppler messages go to `sink` for the lifetime of this object.
class ScopedSink {
public:
    explicit ScopedSink(MessageSink* sink) : previous_(t_sink) {
        install_message_callback();
        t_sink = sink;
    }
    ~ScopedSink() { t_sink = previous_; }
    ScopedSink(const ScopedSink&) = delete;
    ScopedSink& operator=(const ScopedSink&) = delete;

private:
    MessageSink* previous_;
};

// --- Helpers --------------------------------------------------------------------------------

// poppler passes through whatever the PDF's ToUnicode maps say, which may be broken: invalid
// UTF-8 is repaired and counted in *n_repaired.
std::string to_std_string(const poppler::ustring& u, size_t& n_repaired) {
    poppler::byte_array bytes = u.to_utf8();
    size_t n = 0;
    std::string out = text::repair_utf8(std::string_view(bytes.data(), bytes.size()), &n);
    n_repaired += n;
    return out;
}

// Viewers accept a header anywhere in the first 1 KiB (some files have junk in front of it).
bool has_pdf_header(std::string_view bytes) {
    return bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

// Every revision of a PDF (the original and each incremental update) ends with "%%EOF". A file
// cut short has objects after its last %%EOF (or none at all), and poppler silently rebuilds
// what it can from them, typically an older revision: the text would be quietly wrong. Junk
// after a complete file (padding, mail footers) has no objects and is tolerated, as viewers do.
bool looks_truncated(std::string_view bytes) {
    size_t tail = bytes.size() > 1024 ? bytes.size() - 1024 : 0;
    if (bytes.substr(tail).find("%%EOF") != std::string_view::npos) return false;
    size_t last_eof = bytes.rfind("%%EOF");
    std::string_view after = last_eof == std::string_view::npos ? bytes : bytes.substr(last_eof);
    return after.find("obj") != std::string_view::npos ||
           after.find("stream") != std::string_view::npos ||
           after.find("xref") != std::string_view::npos;
}

bool is_blank_line(std::string_view line) {
    for (char c : line) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
    }
    return true;
}

// Splits a page's text into blocks at blank lines; lines within a block keep their "\n".
std::vector<std::string> split_blocks(std::string_view page_text) {
    std::vector<std::string> blocks;
    std::string current;
    size_t pos = 0;
    while (pos <= page_text.size()) {
        size_t nl = page_text.find('\n', pos);
        if (nl == std::string_view::npos) nl = page_text.size();
        std::string_view line = page_text.substr(pos, nl - pos);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' ||
                                 line.back() == '\f')) {
            line.remove_suffix(1);
        }
        if (is_blank_line(line)) {
            if (!current.empty()) blocks.push_back(std::move(current));
            current.clear();
        } else {
            if (!current.empty()) current.push_back('\n');
            current.append(line);
        }
        pos = nl + 1;
    }
    if (!current.empty()) blocks.push_back(std::move(current));
    return blocks;
}

void add_parser_warnings(const MessageSink& sink, std::vector<std::string>& warnings) {
    for (const auto& m : sink.messages) warnings.push_back("PDF parser: " + m);
    if (sink.total > sink.messages.size()) {
        warnings.push_back("PDF parser: " + std::to_string(sink.total - sink.messages.size()) +
                           " more messages");
    }
}

Result<LoadedFile> load_pdf_unguarded(std::string_view bytes, std::string_view name) {
    const std::string file(name);
    if (!has_pdf_header(bytes)) {
        return Status::corrupt(file + ": not a PDF file (no %PDF- header)");
    }
    if (bytes.size() > static_cast<size_t>(INT_MAX)) {
        return Status::unsupported(file + ": PDF larger than 2 GiB");
    }

    MessageSink sink;
    ScopedSink scoped(&sink);
    // load_from_raw_data does not copy: `bytes` outlives the document.
    std::unique_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!doc) {
        return Status::corrupt(file + ": not a readable PDF (damaged or truncated)");
    }
    // Check before anything else: poppler-cpp crashes when a locked document's pages are read.
    if (doc->is_locked()) {
        return Status::unsupported(file + ": encrypted PDF (password required)");
    }
    if (looks_truncated(bytes)) {
        return Status::corrupt(file +
                               ": truncated PDF (its last revision does not end with %%EOF)");
    }

    LoadedFile out;
    out.encoding = "binary";
    size_t n_repaired = 0;
    StructuredTextBuilder builder;
    const int n_pages = doc->pages();
    for (int i = 0; i < n_pages; ++i) {
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) {
            out.warnings.push_back(file + ": page " + std::to_string(i + 1) + " is unreadable");
            continue;
        }
        builder.start_page(i + 1);
        // Not physical_layout (keeps columns side by side, padded with spaces) nor
        // raw_order_layout (content-stream order, which some producers scramble): this mode
        // reorders text into reading order, column after column, and separates paragraphs with
        // blank lines.
        std::string text = to_std_string(
            page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout), n_repaired);
        for (const std::string& block : split_blocks(text)) builder.add_block(block);
    }

    add_parser_warnings(sink, out.warnings);
    if (n_repaired > 0) out.warnings.push_back(file + ": " + repaired_warning(n_repaired));

    Document document = builder.finish();
    if (document.text.empty()) {
        out.warnings.push_back(file + ": no text layer (scanned PDF?)");
        return out;
    }
    document.title = collapse_whitespace(to_std_string(doc->info_key("Title"), n_repaired));
    document.metadata_json = nlohmann::json{{"pages", n_pages}}.dump();
    out.documents.push_back(std::move(document));
    return out;
}

}  // namespace

Result<LoadedFile> load_pdf(std::string_view bytes, std::string_view name) {
    try {
        return load_pdf_unguarded(bytes, name);
    } catch (const std::bad_alloc&) {
        return Status::unsupported(std::string(name) + ": PDF too large to process in memory");
    } catch (const std::exception& e) {
        return Status::corrupt(std::string(name) + ": PDF parser failed: " + e.what());
    }
}

}  // namespace openbook::ingest
