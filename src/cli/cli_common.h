// What every `openbook` subcommand shares: exit codes, the --index option, opening the
// collection with a helpful error, JSON printing and terminal helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "openbook/collection.h"
#include "openbook/status.h"

namespace openbook::cli {

// Exit codes (documented in the README): scripts rely on them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // the command could not do its job
inline constexpr int kExitUsage = 2;     // bad flags or arguments
inline constexpr int kExitPartial = 3;   // done, but some files failed
inline constexpr int kExitBusy = 4;      // another process holds the collection's writer lock
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl-C (128 + SIGINT, as shells do)

struct GlobalOptions {
    std::string index_dir;  // --index; empty: default_collection_dir()
};

// Holds the chosen subcommand's exit code (CLI11 callbacks return nothing).
struct CommandContext {
    GlobalOptions global;
    int exit_code = kExitOk;
};

std::filesystem::path collection_dir(const GlobalOptions& g);

// Opens the collection, or prints "openbook: <message>" and sets ctx.exit_code.
std::unique_ptr<Collection> open_collection(CommandContext& ctx, Collection::Mode mode);

// Prints "openbook: <status message>" to stderr and returns the exit code for it.
int report_error(const Status& status);

void print_json(const nlohmann::json& j);  // pretty, UTF-8, to stdout
// One compact line, flushed: one record of a JSON Lines stream (ask --questions, chat --json).
void print_json_line(const nlohmann::json& j);

bool stdout_is_tty();
bool stderr_is_tty();
bool stdin_is_tty();

std::string human_bytes(uint64_t bytes);  // "4.7 MB"
std::string join(const std::vector<std::string>& parts, const std::string& sep);
// A search hit as JSON: document, headings, page, span, score, text, highlights (code points).
nlohmann::json hit_json(const SearchHit& hit);
// "Heading > Subheading, page 3" for a hit, leaving out a first heading that repeats the title.
std::string hit_location(const SearchHit& hit);

// Each subcommand registers itself (one file each).
void register_ingest(CLI::App& app, CommandContext& ctx);  // ingest and sync
void register_rm(CLI::App& app, CommandContext& ctx);
void register_ls(CLI::App& app, CommandContext& ctx);
void register_show(CLI::App& app, CommandContext& ctx);
void register_stats(CLI::App& app, CommandContext& ctx);
void register_search(CLI::App& app, CommandContext& ctx);
void register_ask(CLI::App& app, CommandContext& ctx);
void register_eval(CLI::App& app, CommandContext& ctx);
void register_model(CLI::App& app, CommandContext& ctx);     // model info
void register_tokenize(CLI::App& app, CommandContext& ctx);
void register_generate(CLI::App& app, CommandContext& ctx);
void register_chat(CLI::App& app, CommandContext& ctx);
void register_bench(CLI::App& app, CommandContext& ctx);
void register_pull(CLI::App& app, CommandContext& ctx);
void register_models(CLI::App& app, CommandContext& ctx);  // models and rm-model

}  // namespace openbook::cli
