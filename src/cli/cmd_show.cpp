// `openbook show DOC`: a document's extracted text as its chunks, with their exact spans.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {

nlohmann::json document_json(const DocumentInfo& d);  // cmd_ls.cpp

void register_show(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string doc;
        bool json = false;
        bool text = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "show", "Show a document's chunks with their character spans in the extracted text");
    cmd->add_option("doc", args->doc,
                    "The document: its path as given at ingest, its absolute path, or FILE#ID")
        ->required();
    cmd->add_flag("--json", args->json, "Print as JSON (document, text, chunks)");
    cmd->add_flag("--text", args->text, "Print only the whole extracted text");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        auto view = collection->show_document(args->doc);
        if (!view.has_value()) {
            ctx.exit_code = report_error(view.error());
            return;
        }
        if (args->json) {
            nlohmann::json chunks = nlohmann::json::array();
            for (const auto& c : view->chunks) {
                chunks.push_back({{"ordinal", c.ordinal},
                                  {"text", c.text},
                                  {"heading_path", c.heading_path},
                                  {"page", c.page},
                                  {"char_start", c.char_start},
                                  {"char_end", c.char_end},
                                  {"byte_start", c.byte_start},
                                  {"byte_end", c.byte_end},
                                  {"tokens", c.token_estimate}});
            }
            print_json({{"document", document_json(view->info)},
                        {"text", view->text},
                        {"chunks", chunks}});
            return;
        }
        if (args->text) {
            std::fwrite(view->text.data(), 1, view->text.size(), stdout);
            if (!view->text.empty() && view->text.back() != '\n') std::printf("\n");
            return;
        }
        const DocumentInfo& d = view->info;
        std::printf("%s\n  title: %s\n  format: %s, encoding: %s, %lld chars, %zu chunks\n",
                    d.uri.c_str(), d.title.c_str(), d.format.c_str(), d.encoding.c_str(),
                    static_cast<long long>(d.n_chars), view->chunks.size());
        const bool color = stdout_is_tty();
        for (const auto& c : view->chunks) {
            std::string where = join(c.heading_path, " > ");
            if (c.page > 0) where += (where.empty() ? "" : ", ") + std::string("page ") +
                                     std::to_string(c.page);
            std::printf("\n%s[%lld] chars %lld-%lld, ~%lld tokens%s%s%s\n", color ? "\033[1m" : "",
                        static_cast<long long>(c.ordinal), static_cast<long long>(c.char_start),
                        static_cast<long long>(c.char_end),
                        static_cast<long long>(c.token_estimate), where.empty() ? "" : " — ",
                        where.c_str(), color ? "\033[0m" : "");
            std::printf("%s\n", c.text.c_str());
        }
    });
}

}  // namespace openbook::cli
