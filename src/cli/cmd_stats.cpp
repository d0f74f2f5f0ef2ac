// `openbook stats`: counts and sizes of the collection.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {

void register_stats(CLI::App& app, CommandContext& ctx) {
    struct Args {
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("stats", "Counts and sizes of the collection");
    cmd->add_flag("--json", args->json, "Print as JSON");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        auto s = collection->stats();
        if (!s.has_value()) {
            ctx.exit_code = report_error(s.error());
            return;
        }
        nlohmann::json by_format = nlohmann::json::object();
        for (const auto& [format, n] : s->documents_by_format) by_format[format] = n;
        if (args->json) {
            print_json({{"collection", s->directory},
                        {"files", s->files},
                        {"documents", s->documents},
                        {"chunks", s->chunks},
                        {"source_bytes", s->source_bytes},
                        {"text_bytes", s->text_bytes},
                        {"text_chars", s->text_chars},
                        {"tokens", s->tokens},
                        {"disk_bytes", s->disk_bytes},
                        {"schema_version", s->schema_version},
                        {"documents_by_format", by_format}});
            return;
        }
        std::printf("collection   %s (catalog schema v%d)\n", s->directory.c_str(),
                    s->schema_version);
        std::printf("files        %lld (%s)\n", static_cast<long long>(s->files),
                    human_bytes(static_cast<uint64_t>(s->source_bytes)).c_str());
        std::printf("documents    %lld\n", static_cast<long long>(s->documents));
        for (const auto& [format, n] : s->documents_by_format) {
            std::printf("  %-10s %lld\n", format.c_str(), static_cast<long long>(n));
        }
        std::printf("chunks       %lld (~%lld tokens)\n", static_cast<long long>(s->chunks),
                    static_cast<long long>(s->tokens));
        std::printf("text         %s, %lld chars\n",
                    human_bytes(static_cast<uint64_t>(s->text_bytes)).c_str(),
                    static_cast<long long>(s->text_chars));
        std::printf("on disk      %s\n", human_bytes(static_cast<uint64_t>(s->disk_bytes)).c_str());
    });
}

}  // namespace openbook::cli
