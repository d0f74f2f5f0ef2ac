// BEIR corpus files (.jsonl): one JSON object per line with "_id", "text" and optional "title";
// each line becomes one Document whose external_id is "_id". Other fields are kept as metadata.
// A malformed line is skipped with a warning naming its line number, so one bad record never
// costs the rest of a corpus.
#include <nlohmann/json.hpp>

#include <string>
#include <unordered_set>

#include "ingest/loader.h"
#include "ingest/text_normalize.h"
#include "text/encoding.h"

namespace openbook::ingest {

namespace {

constexpr size_t kMaxWarnings = 20;  // past this, only a count is reported

// "_id" may be a string or an integer in the wild.
std::string id_of(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
    return {};
}

}  // namespace

Result<LoadedFile> load_beir_jsonl(std::string_view bytes, std::string_view name) {
    OPENBOOK_ASSIGN_OR_RETURN(auto decoded, text::decode_to_utf8(bytes));
    LoadedFile out;
    out.encoding = decoded.encoding;
    if (decoded.n_repaired > 0) out.warnings.push_back(repaired_warning(decoded.n_repaired));

    const std::string_view all = decoded.utf8;
    std::unordered_set<std::string> seen;
    size_t n_bad = 0;
    size_t n_lines = 0;
    auto warn = [&](size_t line_no, const std::string& what) {
        ++n_bad;
        if (out.warnings.size() < kMaxWarnings) {
            out.warnings.push_back(std::string(name) + ":" + std::to_string(line_no) + ": " + what);
        }
    };

    size_t pos = 0;
    size_t line_no = 0;
    while (pos < all.size()) {
        size_t end = all.find('\n', pos);
        if (end == std::string_view::npos) end = all.size();
        std::string_view line = all.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (is_blank(line)) continue;
        ++n_lines;
        nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (record.is_discarded() || !record.is_object()) {
            warn(line_no, "not a JSON object; line skipped");
            continue;
        }
        auto id_it = record.find("_id");
        auto text_it = record.find("text");
        if (id_it == record.end() || id_of(*id_it).empty()) {
            warn(line_no, "no \"_id\"; line skipped");
            continue;
        }
        if (text_it == record.end() || !text_it->is_string()) {
            warn(line_no, "no \"text\" string; line skipped");
            continue;
        }
        std::string id = id_of(*id_it);
        if (!seen.insert(id).second) {
            warn(line_no, "duplicate _id \"" + id + "\"; line skipped");
            continue;
        }
        Document doc;
        doc.external_id = id;
        doc.text = normalize_newlines(text_it->get<std::string>());
        auto title_it = record.find("title");
        if (title_it != record.end() && title_it->is_string()) doc.title = title_it->get<std::string>();
        if (is_blank(doc.text) && is_blank(doc.title)) {
            warn(line_no, "empty text and title; line skipped");
            continue;
        }
        if (is_blank(doc.text)) doc.text = doc.title;  // a title-only record is still searchable
        doc.sections = single_section(doc.text);
        record.erase("_id");
        record.erase("text");
        record.erase("title");
        if (!record.empty()) {
            doc.metadata_json =
                record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
        out.documents.push_back(std::move(doc));
    }
    if (n_bad > kMaxWarnings) {
        out.warnings.push_back(std::to_string(n_bad - kMaxWarnings) + " more bad lines skipped");
    }
    if (out.documents.empty() && n_lines > 0) {
        return Status::corrupt(
            "no BEIR corpus records: every line must be a JSON object with \"_id\" and \"text\"");
    }
    if (out.documents.empty()) out.warnings.push_back(std::string(name) + ": no text");
    return out;
}

}  // namespace openbook::ingest
