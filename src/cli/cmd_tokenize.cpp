// `openbook tokenize -m FILE "text"`: the token ids a model's tokenizer makes of a text.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/model.h"

namespace openbook::cli {
namespace {

// A piece shown between quotes: control bytes and partial UTF-8 escaped so the line stays
// readable and valid.
std::string quoted_piece(const std::string& piece) {
    std::string out = "'";
    for (size_t i = 0; i < piece.size();) {
        const auto c = static_cast<unsigned char>(piece[i]);
        size_t len = c < 0x80 ? 1 : c < 0xC0 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 0;
        bool whole = len > 0 && i + len <= piece.size();
        for (size_t k = 1; whole && k < len; ++k) {
            whole = (static_cast<unsigned char>(piece[i + k]) & 0xC0) == 0x80;
        }
        if (!whole || (len == 1 && (c < 0x20 || c == 0x7F || c == '\'' || c == '\\'))) {
            char buf[8];
            if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else if (c == '\'' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else {
                std::snprintf(buf, sizeof buf, "\\x%02X", c);
                out += buf;
            }
            ++i;
            continue;
        }
        out.append(piece, i, len);
        i += len;
    }
    return out + "'";
}

}  // namespace

void register_tokenize(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string model;
        std::string text;
        bool pieces = false;
        bool no_bos = false;
        bool special = false;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "tokenize", "Print the token ids a model's tokenizer makes of TEXT (one line)");
    cmd->add_option("-m,--model", args->model,
                    std::string(kModelReferenceHelp) + " (a vocabulary-only GGUF works too)")
        ->required();
    cmd->add_option("TEXT", args->text, "The text; '-' or nothing reads standard input");
    cmd->add_flag("--pieces", args->pieces, "One token per line: its id and its text");
    cmd->add_flag("--no-bos", args->no_bos,
                  "Do not add the BOS/EOS (or [CLS]/[SEP]) tokens the model asks for");
    cmd->add_flag("--special", args->special,
                  "Parse special tokens written in the text (\"<|im_start|>\" → its id)");
    cmd->add_flag("--json", args->json, "Print {\"ids\": [...], \"pieces\": [...]}");
    cmd->callback([&ctx, args] {
        auto path = resolve_model_file(args->model);
        if (!path.has_value()) {
            ctx.exit_code = report_error(path.error());
            return;
        }
        auto tokenizer = ModelTokenizer::open(*path);
        if (!tokenizer.has_value()) {
            ctx.exit_code = report_error(tokenizer.error());
            return;
        }
        std::string text = args->text;
        if (text.empty() || text == "-") {
            text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        }
        TokenizeOptions options;
        options.add_special = !args->no_bos;
        options.parse_special = args->special;
        const std::vector<int32_t> ids = tokenizer->encode(text, options);

        if (args->json) {
            nlohmann::json pieces = nlohmann::json::array();
            for (int32_t id : ids) {
                // JSON strings must be valid UTF-8: a partial character shows as U+FFFD.
                pieces.push_back(tokenizer->piece(id));
            }
            print_json({{"ids", ids}, {"pieces", pieces}});
            return;
        }
        if (args->pieces) {  // one token per line: id, then its text
            for (int32_t id : ids) {
                std::printf("%8d  %s\n", id, quoted_piece(tokenizer->piece(id)).c_str());
            }
            return;
        }
        std::string line;
        for (size_t i = 0; i < ids.size(); ++i) {
            if (i > 0) line += ' ';
            line += std::to_string(ids[i]);
        }
        std::printf("%s\n", line.c_str());
    });
}

}  // namespace openbook::cli
