// `openbook`: the command line. Each subcommand lives in its own cmd_*.cpp file and talks to the
// library only through include/openbook/.
#include <CLI/CLI.hpp>

#include "cli/cli_common.h"

int main(int argc, char** argv) {
    using namespace openbook::cli;
    CommandContext ctx;
    CLI::App app{
        "openbook: ask questions of your own documents (English and Chinese), answered from the "
        "passages it finds, with citations.\n"};
    app.name("openbook");
    app.require_subcommand(1);
    app.fallthrough();  // --index may come before or after the subcommand
    app.set_version_flag("--version", "openbook 0.1.0");
    app.add_option("--index", ctx.global.index_dir,
                   "Collection directory (default: $OPENBOOK_INDEX, else ./.openbook)");

    register_ask(app, ctx);
    register_search(app, ctx);
    register_ingest(app, ctx);
    register_rm(app, ctx);
    register_ls(app, ctx);
    register_show(app, ctx);
    register_stats(app, ctx);
    register_eval(app, ctx);
    register_model(app, ctx);
    register_tokenize(app, ctx);
    register_generate(app, ctx);
    register_chat(app, ctx);
    register_bench(app, ctx);
    register_pull(app, ctx);
    register_models(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }
    return ctx.exit_code;
}
