// `openbook ingest PATH...` and `openbook sync PATH...`.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/progress_bar.h"

namespace openbook::cli {

namespace {

struct IngestArgs {
    std::vector<std::string> paths;
    IngestOptions options;
    bool json = false;
    bool quiet = false;
    bool verbose = false;
};

constexpr size_t kNotesShown = 20;

void add_ingest_options(CLI::App* cmd, IngestArgs& a) {
    cmd->add_option("paths", a.paths, "Files and folders (folders are walked recursively)")
        ->required();
    cmd->add_option("--include", a.options.include,
                    "Only files matching this glob (repeatable; e.g. '*.md', 'docs/**')");
    cmd->add_option("--exclude", a.options.exclude,
                    "Skip files and folders matching this glob (repeatable)");
    cmd->add_option("--chunk-tokens", a.options.chunking.target_tokens,
                    "Target chunk size in estimated tokens")
        ->capture_default_str();
    cmd->add_option("--max-chunk-tokens", a.options.chunking.max_tokens,
                    "Hard maximum chunk size in estimated tokens")
        ->capture_default_str();
    cmd->add_option("--overlap-tokens", a.options.chunking.overlap_tokens,
                    "Overlap between consecutive chunks, in tokens (whole sentences)")
        ->capture_default_str();
    cmd->add_option("--min-chunk-tokens", a.options.chunking.min_tokens,
                    "Chunks smaller than this run on past a sub-heading")
        ->capture_default_str();
    cmd->add_flag("--force", a.options.force, "Re-read and re-chunk files even when unchanged");
    cmd->add_option("--language", a.options.language,
                    "Stemming language of search terms: english (default), french, german, "
                    "spanish, ... or none; changing it rebuilds the index");
    cmd->add_option("--commit-every", a.options.commit_every,
                    "Commit (and make searchable) at least every N files")
        ->capture_default_str();
    cmd->add_flag("--json", a.json, "Print the summary as JSON");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress bar");
    cmd->add_flag("-v,--verbose", a.verbose, "List every skipped file, not just the first ones");
}

nlohmann::json report_json(const IngestReport& r, const std::string& dir) {
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : r.notes) {
        notes.push_back({{"path", n.path},
                         {"outcome", file_outcome_name(n.kind)},
                         {"reason", n.reason},
                         {"documents", n.documents},
                         {"chunks", n.chunks}});
    }
    return {{"collection", dir},    {"added", r.added},         {"updated", r.updated},
            {"unchanged", r.unchanged}, {"failed", r.failed},   {"skipped", r.skipped},
            {"empty", r.empty},     {"removed", r.removed},     {"documents", r.documents},
            {"chunks", r.chunks},   {"bytes", r.bytes},         {"seconds", r.seconds},
            {"notes", notes}};
}

void print_summary(const IngestReport& r, const std::string& dir, bool verbose) {
    // Failures first and always in full: they are what the user must act on.
    size_t shown = 0;
    size_t hidden = 0;
    for (const auto& n : r.notes) {
        const bool failure = n.kind == FileOutcomeKind::kFailed;
        if (!failure && !verbose && shown >= kNotesShown) {
            ++hidden;
            continue;
        }
        std::fprintf(stderr, "  %-9s %s%s%s\n", file_outcome_name(n.kind), n.path.c_str(),
                     n.reason.empty() ? "" : ": ", n.reason.c_str());
        if (!failure) ++shown;
    }
    if (hidden > 0) std::fprintf(stderr, "  ... and %zu more (--verbose lists all)\n", hidden);
    const double mbps = r.seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.seconds : 0;
    std::printf("%zu added, %zu updated, %zu unchanged, %zu failed, %zu skipped, %zu empty",
                r.added, r.updated, r.unchanged, r.failed, r.skipped, r.empty);
    if (r.removed > 0) std::printf(", %zu removed", r.removed);
    std::printf(" — %zu documents, %zu chunks written in %.2f s (%.1f MB/s) into %s\n",
                r.documents, r.chunks, r.seconds, mbps, dir.c_str());
}

void run(CommandContext& ctx, IngestArgs& a, bool sync) {
    auto collection = open_collection(ctx, Collection::Mode::kWrite);
    if (!collection) return;
    IngestProgressBar bar(!a.quiet && !a.json && stderr_is_tty());
    auto progress = [&](const IngestProgress& p) { bar.update(p); };
    auto report = sync ? collection->sync(a.paths, a.options, progress)
                       : collection->ingest(a.paths, a.options, progress);
    bar.finish();
    if (!report.has_value()) {
        ctx.exit_code = report_error(report.error());
        return;
    }
    const std::string dir = collection->directory().string();
    if (a.json) {
        print_json(report_json(*report, dir));
    } else {
        print_summary(*report, dir, a.verbose);
    }
    ctx.exit_code = report->has_failures() ? kExitPartial : kExitOk;
}

}  // namespace

void register_ingest(CLI::App& app, CommandContext& ctx) {
    // Option storage lives as long as the callbacks that read it (shared with the lambda).
    auto ingest_args = std::make_shared<IngestArgs>();
    auto* ingest = app.add_subcommand(
        "ingest",
        "Add or update documents: .txt .md .html .pdf .docx, and BEIR corpus .jsonl files. "
        "Unchanged files are skipped (content hash).");
    add_ingest_options(ingest, *ingest_args);
    ingest->callback([&ctx, ingest_args] { run(ctx, *ingest_args, /*sync=*/false); });

    auto sync_args = std::make_shared<IngestArgs>();
    auto* sync = app.add_subcommand(
        "sync", "Like ingest, and also remove documents whose files under PATH are gone");
    add_ingest_options(sync, *sync_args);
    sync->callback([&ctx, sync_args] { run(ctx, *sync_args, /*sync=*/true); });
}

}  // namespace openbook::cli
