// `openbook ls`: the documents in the collection.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {

nlohmann::json document_json(const DocumentInfo& d) {
    nlohmann::json metadata = nlohmann::json::parse(d.metadata_json, nullptr, false);
    if (metadata.is_discarded()) metadata = nlohmann::json::object();
    return {{"uri", d.uri},
            {"path", d.path},
            {"id", d.external_id},
            {"title", d.title},
            {"format", d.format},
            {"encoding", d.encoding},
            {"content_hash", d.content_hash},
            {"size", d.size},
            {"mtime_ns", d.mtime_ns},
            {"chars", d.n_chars},
            {"chunks", d.n_chunks},
            {"metadata", metadata}};
}

void register_ls(CLI::App& app, CommandContext& ctx) {
    struct Args {
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("ls", "List the documents in the collection");
    cmd->add_flag("--json", args->json, "Print as JSON");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        auto docs = collection->list_documents();
        if (!docs.has_value()) {
            ctx.exit_code = report_error(docs.error());
            return;
        }
        if (args->json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& d : *docs) out.push_back(document_json(d));
            print_json(out);
            return;
        }
        for (const auto& d : *docs) {
            std::string name = d.path + (d.external_id.empty() ? "" : "#" + d.external_id);
            std::printf("%-10s %7s %5lld chunks  %s  — %s\n", d.format.c_str(),
                        human_bytes(static_cast<uint64_t>(d.size)).c_str(),
                        static_cast<long long>(d.n_chunks), name.c_str(), d.title.c_str());
        }
        std::printf("%zu document%s\n", docs->size(), docs->size() == 1 ? "" : "s");
    });
}

}  // namespace openbook::cli
