// `openbook search "query"`: ranked chunks with document, headings, page, score and a snippet.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {

namespace {

constexpr size_t kSnippetBytes = 360;

// A window of the chunk text around its first highlight, with highlights in bold (terminal)
// or [brackets] (plain output), newlines flattened.
std::string snippet(const SearchHit& hit, bool color) {
    const std::string& t = hit.text;
    size_t begin = 0;
    if (!hit.highlight_bytes.empty()) {
        size_t first = static_cast<size_t>(hit.highlight_bytes.front().start);
        begin = first > kSnippetBytes / 4 ? first - kSnippetBytes / 4 : 0;
    }
    size_t end = std::min(t.size(), begin + kSnippetBytes);
    auto boundary = [&](size_t p) {
        while (p < t.size() && (static_cast<unsigned char>(t[p]) & 0xC0) == 0x80) ++p;
        return p;
    };
    begin = boundary(begin);
    end = boundary(end);
    std::string out = begin > 0 ? "…" : "";
    size_t pos = begin;
    for (const auto& h : hit.highlight_bytes) {
        size_t hs = static_cast<size_t>(h.start), he = static_cast<size_t>(h.end);
        if (he <= pos || hs >= end) continue;
        hs = std::max(hs, pos);
        he = std::min(he, end);
        out.append(t, pos, hs - pos);
        out += color ? "\033[1;33m" : "[";
        out.append(t, hs, he - hs);
        out += color ? "\033[0m" : "]";
        pos = he;
    }
    out.append(t, pos, end - pos);
    if (end < t.size()) out += "…";
    for (char& c : out) {
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    }
    return out;
}


}  // namespace

void register_search(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string query;
        SearchRequest request;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "search", "Find the passages that best match a query (BM25; English and Chinese)");
    cmd->add_option("query", args->query, "What to look for")->required();
    cmd->add_option("-k", args->request.k, "Number of results")->capture_default_str();
    cmd->add_option("--filter", args->request.filter,
                    "Only documents whose path matches this glob (e.g. 'docs/**/*.md')");
    cmd->add_option("--k1", args->request.k1, "BM25 k1")->capture_default_str();
    cmd->add_option("--b", args->request.b, "BM25 b")->capture_default_str();
    cmd->add_flag("--json", args->json,
                  "Print as JSON (full chunk text; highlights as [start, end) code points)");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        auto result = collection->search(args->query, args->request);
        if (!result.has_value()) {
            ctx.exit_code = report_error(result.error());
            return;
        }
        for (const auto& note : result->notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
        if (args->json) {
            nlohmann::json hits = nlohmann::json::array();
            for (size_t i = 0; i < result->hits.size(); ++i) {
                nlohmann::json hit = hit_json(result->hits[i]);
                hit["rank"] = i + 1;
                hits.push_back(std::move(hit));
            }
            print_json({{"query", args->query},
                        {"terms", result->terms},
                        {"seconds", result->seconds},
                        {"notes", result->notes},
                        {"hits", hits}});
            return;
        }
        if (result->hits.empty()) {
            std::printf("No matches for \"%s\".\n", args->query.c_str());
            return;
        }
        const bool color = stdout_is_tty();
        for (size_t i = 0; i < result->hits.size(); ++i) {
            const auto& h = result->hits[i];
            const std::string where = hit_location(h);
            std::string name = h.path + (h.external_id.empty() ? "" : "#" + h.external_id);
            std::printf("%s%2zu. %s%s  (score %.3f, chars %lld-%lld)\n", color ? "\033[1m" : "",
                        i + 1, name.c_str(), color ? "\033[0m" : "", h.score,
                        static_cast<long long>(h.char_start), static_cast<long long>(h.char_end));
            if (!h.title.empty() || !where.empty()) {
                std::printf("    %s%s%s\n", h.title.c_str(),
                            (!h.title.empty() && !where.empty()) ? " — " : "", where.c_str());
            }
            std::printf("    %s\n\n", snippet(h, color).c_str());
        }
        std::printf("%zu result%s in %.1f ms\n", result->hits.size(),
                    result->hits.size() == 1 ? "" : "s", result->seconds * 1000);
    });
}

}  // namespace openbook::cli
