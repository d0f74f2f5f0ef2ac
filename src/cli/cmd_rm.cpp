// `openbook rm DOC...`: remove documents (by uri, path as given, absolute path, or a folder).
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {

void register_rm(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::vector<std::string> targets;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "rm", "Remove documents: by path as ingested, absolute path, uri (FILE#ID), or folder");
    cmd->add_option("targets", args->targets, "Documents or folders to remove")->required();
    cmd->add_flag("--json", args->json, "Print the removed uris as JSON");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kWrite);
        if (!collection) return;
        auto removed = collection->remove(args->targets);
        if (!removed.has_value()) {
            ctx.exit_code = report_error(removed.error());
            return;
        }
        if (args->json) {
            print_json({{"removed", *removed}});
            return;
        }
        for (const auto& uri : *removed) std::printf("removed %s\n", uri.c_str());
        std::printf("%zu document%s removed\n", removed->size(), removed->size() == 1 ? "" : "s");
    });
}

}  // namespace openbook::cli
