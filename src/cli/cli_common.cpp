#include "cli/cli_common.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace openbook::cli {

std::filesystem::path collection_dir(const GlobalOptions& g) {
    return g.index_dir.empty() ? default_collection_dir() : std::filesystem::path(g.index_dir);
}

int report_error(const Status& status) {
    std::fprintf(stderr, "openbook: %s\n", status.message().c_str());
    switch (status.code()) {
        case StatusCode::kInvalidArgument: return kExitUsage;
        case StatusCode::kBusy: return kExitBusy;
        default: return kExitError;
    }
}

std::unique_ptr<Collection> open_collection(CommandContext& ctx, Collection::Mode mode) {
    auto c = Collection::open(collection_dir(ctx.global), mode);
    if (!c.has_value()) {
        ctx.exit_code = report_error(c.error());
        return nullptr;
    }
    return std::move(c).value();
}

void print_json(const nlohmann::json& j) {
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_json_line(const nlohmann::json& j) {
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }
bool stdin_is_tty() { return ::isatty(STDIN_FILENO) == 1; }

std::string human_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

nlohmann::json hit_json(const SearchHit& h) {
    nlohmann::json highlights = nlohmann::json::array();
    for (const auto& s : h.highlights) highlights.push_back({s.start, s.end});
    return {{"score", h.score},
            {"uri", h.uri},
            {"path", h.path},
            {"title", h.title},
            {"id", h.external_id},
            {"heading_path", h.heading_path},
            {"page", h.page},
            {"chunk", h.ordinal},
            {"char_start", h.char_start},
            {"char_end", h.char_end},
            {"text", h.text},
            {"highlights", highlights}};
}

std::string hit_location(const SearchHit& hit) {
    std::vector<std::string> path = hit.heading_path;
    if (!path.empty() && path.front() == hit.title) path.erase(path.begin());
    std::string where = join(path, " > ");
    if (hit.page > 0) where += (where.empty() ? "" : ", ") + std::string("page ") + std::to_string(hit.page);
    return where;
}

}  // namespace openbook::cli
