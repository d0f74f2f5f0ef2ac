#include "ingest/document.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace openbook::ingest {

const char* format_name(Format format) {
    switch (format) {
        case Format::kText: return "text";
        case Format::kMarkdown: return "markdown";
        case Format::kHtml: return "html";
        case Format::kPdf: return "pdf";
        case Format::kDocx: return "docx";
        case Format::kBeirJsonl: return "beir-jsonl";
    }
    return "text";
}

std::optional<Format> format_from_name(std::string_view name) {
    for (Format f : {Format::kText, Format::kMarkdown, Format::kHtml, Format::kPdf, Format::kDocx,
                     Format::kBeirJsonl}) {
        if (name == format_name(f)) return f;
    }
    return std::nullopt;
}

std::optional<Format> format_from_extension(std::string_view filename) {
    size_t dot = filename.rfind('.');
    size_t slash = filename.find_last_of("/\\");
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
        return std::nullopt;
    }
    std::string ext(filename.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == "txt" || ext == "text") return Format::kText;
    if (ext == "md" || ext == "markdown") return Format::kMarkdown;
    if (ext == "html" || ext == "htm" || ext == "xhtml") return Format::kHtml;
    if (ext == "pdf") return Format::kPdf;
    if (ext == "docx") return Format::kDocx;
    if (ext == "jsonl") return Format::kBeirJsonl;
    return std::nullopt;
}

std::vector<Section> single_section(const std::string& text) {
    Section s;
    s.byte_start = 0;
    s.byte_end = text.size();
    return {s};
}

}  // namespace openbook::ingest
