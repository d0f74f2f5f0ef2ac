// Collection::ingest and Collection::sync: walk → read → hash → load → chunk → store.
//
// Writes are grouped into transactions of many files (committed every
// IngestOptions::commit_every files, kBatchBytes bytes or kBatchSeconds seconds) because one SQLite commit per small file would
// dominate the run time; each file's replacement is atomic on its own (a savepoint), so a
// process killed at any moment leaves every document fully old or fully new.
#include <chrono>
#include <ctime>

#include "collection/collection_impl.h"
#include "core/fs.h"
#include "core/hash.h"
#include "ingest/chunker.h"
#include "ingest/file_walker.h"
#include "ingest/loader.h"
#include "text/analyzer.h"
#include "text/encoding.h"
#include "text/utf8.h"

namespace openbook {

namespace {

constexpr uint64_t kBatchBytes = 32u << 20;
constexpr double kBatchSeconds = 2.0;
constexpr size_t kMaxReasonWarnings = 3;

using Clock = std::chrono::steady_clock;

ingest::ChunkerOptions to_chunker_options(const ChunkingOptions& c) {
    ingest::ChunkerOptions o;
    o.target_tokens = c.target_tokens;
    o.max_tokens = c.max_tokens;
    o.overlap_tokens = c.overlap_tokens;
    o.min_tokens = c.min_tokens;
    return o;
}

std::string join_warnings(const std::vector<std::string>& warnings) {
    std::string out;
    for (size_t i = 0; i < warnings.size() && i < kMaxReasonWarnings; ++i) {
        if (!out.empty()) out += "; ";
        out += warnings[i];
    }
    if (warnings.size() > kMaxReasonWarnings) {
        out += "; and " + std::to_string(warnings.size() - kMaxReasonWarnings) + " more";
    }
    return out;
}

class IngestRun {
public:
    IngestRun(store::Catalog& catalog, collection::LexicalSync& lexical,
              const IngestOptions& options, const Collection::ProgressCallback& progress)
        : catalog_(catalog),
          lexical_(lexical),
          options_(options),
          chunker_(to_chunker_options(options.chunking)),
          progress_cb_(progress) {}

    Result<IngestReport> run(const std::vector<std::string>& paths,
                             const std::filesystem::path& collection_dir) {
        auto walk = ingest::walk_paths(paths, options_.include, options_.exclude, collection_dir);
        for (const auto& n : walk.skipped) note(n.path, FileOutcomeKind::kSkipped, n.reason);
        for (const auto& n : walk.errors) note(n.path, FileOutcomeKind::kFailed, n.reason);
        progress_.files_total = walk.files.size();
        for (const auto& f : walk.files) progress_.bytes_total += f.size;
        report_progress("");

        OPENBOOK_RETURN_IF_ERROR(catalog_.begin());
        batch_start_ = Clock::now();
        for (const auto& file : walk.files) {
            Status s = ingest_file(file);
            if (!s.ok()) {  // the catalog itself failed: stop, keep what was committed
                (void)catalog_.rollback();
                return s;
            }
            progress_.files_done++;
            progress_.bytes_done += file.size;
            report_progress(file.display);
            OPENBOOK_RETURN_IF_ERROR(maybe_commit());
        }
        OPENBOOK_RETURN_IF_ERROR(lexical_.commit(catalog_));
        report_.seconds = elapsed();
        return std::move(report_);
    }

    IngestReport& report() { return report_; }

private:
    double elapsed() const {
        return std::chrono::duration<double>(Clock::now() - start_).count();
    }

    void report_progress(const std::string& current) {
        if (!progress_cb_) return;
        progress_.seconds = elapsed();
        progress_.chunks = report_.chunks;
        progress_.current = current;
        progress_cb_(progress_);
    }

    Status maybe_commit() {
        ++batch_files_;
        const double age = std::chrono::duration<double>(Clock::now() - batch_start_).count();
        if (batch_files_ < options_.commit_every && batch_bytes_ < kBatchBytes &&
            age < kBatchSeconds) {
            return {};
        }
        OPENBOOK_RETURN_IF_ERROR(lexical_.commit(catalog_));
        OPENBOOK_RETURN_IF_ERROR(catalog_.begin());
        batch_files_ = 0;
        batch_bytes_ = 0;
        batch_start_ = Clock::now();
        return {};
    }

    void note(const std::string& path, FileOutcomeKind kind, const std::string& reason,
              size_t documents = 0, size_t chunks = 0) {
        switch (kind) {
            case FileOutcomeKind::kAdded: report_.added++; break;
            case FileOutcomeKind::kUpdated: report_.updated++; break;
            case FileOutcomeKind::kUnchanged: report_.unchanged++; break;
            case FileOutcomeKind::kFailed: report_.failed++; break;
            case FileOutcomeKind::kSkipped: report_.skipped++; break;
            case FileOutcomeKind::kEmpty: report_.empty++; break;
            case FileOutcomeKind::kRemoved: report_.removed++; break;
        }
        const bool plain = kind == FileOutcomeKind::kAdded || kind == FileOutcomeKind::kUpdated ||
                           kind == FileOutcomeKind::kUnchanged;
        if (!plain || !reason.empty()) {
            report_.notes.push_back({path, kind, reason, documents, chunks});
        }
    }

    // Only a catalog failure is returned; everything wrong with the file itself is a note.
    Status ingest_file(const ingest::FoundFile& file) {
        OPENBOOK_ASSIGN_OR_RETURN(auto existing, catalog_.find_source(file.absolute.string()));
        const bool known = existing && !existing->content_hash.empty();
        const std::string kept = existing ? " (the version ingested before is kept)" : "";
        if (!options_.force && known && existing->size == static_cast<int64_t>(file.size) &&
            existing->mtime_ns == file.mtime_ns) {
            note(file.display, FileOutcomeKind::kUnchanged, "");
            return {};
        }

        auto bytes = core::read_file(file.absolute);
        if (!bytes.has_value()) {
            note(file.display, FileOutcomeKind::kFailed, bytes.error().message() + kept);
            return {};
        }
        report_.bytes += bytes->size();
        batch_bytes_ += bytes->size();
        const std::string hash = core::content_hash(*bytes);
        if (!options_.force && known && existing->content_hash == hash) {
            note(file.display, FileOutcomeKind::kUnchanged, "");
            return catalog_.update_source_stat(existing->id, static_cast<int64_t>(file.size),
                                               file.mtime_ns);
        }
        if (bytes->empty()) {
            note(file.display, FileOutcomeKind::kEmpty, "empty file, not stored" + kept);
            return {};
        }

        std::optional<ingest::Format> format = file.format;
        const bool is_text_format = !format || *format == ingest::Format::kText ||
                                    *format == ingest::Format::kMarkdown ||
                                    *format == ingest::Format::kHtml ||
                                    *format == ingest::Format::kBeirJsonl;
        if (is_text_format && text::looks_binary(*bytes)) {
            note(file.display, FileOutcomeKind::kSkipped, "binary file");
            return {};
        }
        if (!format) format = ingest::Format::kText;  // named explicitly, and it is text

        auto loaded = ingest::load_file(*format, *bytes, file.display);
        if (!loaded.has_value()) {
            note(file.display, FileOutcomeKind::kFailed, loaded.error().message() + kept);
            return {};
        }
        if (loaded->documents.empty()) {
            std::string why = loaded->warnings.empty() ? "no text" : join_warnings(loaded->warnings);
            note(file.display, FileOutcomeKind::kEmpty, why + ", not stored" + kept);
            return {};
        }

        store::SourceRecord source;
        source.path = file.absolute.string();
        source.display_path = file.display;
        source.content_hash = hash;
        source.size = static_cast<int64_t>(file.size);
        source.mtime_ns = file.mtime_ns;
        source.format = ingest::format_name(*format);
        source.encoding = loaded->encoding;
        source.ingested_at = static_cast<int64_t>(std::time(nullptr));

        // The documents this file had before, to drop from the index once the catalog agrees.
        std::vector<int64_t> old_documents;
        if (existing) {
            OPENBOOK_ASSIGN_OR_RETURN(auto old, catalog_.documents_of_source(existing->id, false));
            for (const auto& d : old) old_documents.push_back(d.id);
        }
        std::vector<store::NewDocument> docs;
        docs.reserve(loaded->documents.size());
        size_t n_chunks = 0;
        for (auto& d : loaded->documents) {
            store::NewDocument nd = make_document(file, source, d);
            n_chunks += nd.chunks.size();
            docs.push_back(std::move(nd));
        }
        auto stored = catalog_.replace_source(source, docs);
        if (!stored.has_value()) {
            // A constraint or disk problem with this file; the savepoint undid its writes.
            if (stored.error().code() == StatusCode::kCorrupt ||
                stored.error().code() == StatusCode::kIoError) {
                return stored.error();
            }
            note(file.display, FileOutcomeKind::kFailed, stored.error().message() + kept);
            return {};
        }
        for (int64_t id : old_documents) lexical_.remove_document(id);
        for (const auto& nd : docs) lexical_.add_document(nd.document, nd.chunks);
        report_.documents += docs.size();
        report_.chunks += n_chunks;
        note(file.display, existing ? FileOutcomeKind::kUpdated : FileOutcomeKind::kAdded,
             join_warnings(loaded->warnings), docs.size(), n_chunks);
        return {};
    }

    store::NewDocument make_document(const ingest::FoundFile& file,
                                     const store::SourceRecord& source, ingest::Document& d) {
        store::NewDocument nd;
        store::DocumentRecord& r = nd.document;
        r.uri = source.path + (d.external_id.empty() ? "" : "#" + d.external_id);
        r.external_id = d.external_id;
        r.title = d.title.empty() && d.external_id.empty() ? file.absolute.stem().string()
                                                           : d.title;
        r.format = source.format;
        r.encoding = source.encoding;
        r.content_hash = core::content_hash(d.text);
        r.size = source.size;
        r.mtime_ns = source.mtime_ns;
        r.metadata_json = d.metadata_json;
        r.n_chars = static_cast<int64_t>(text::count_code_points(d.text));
        for (const auto& c : ingest::chunk_document(d, chunker_)) {
            store::ChunkRecord cr;
            cr.ordinal = static_cast<int64_t>(nd.chunks.size());
            cr.text = d.text.substr(c.byte_start, c.byte_end - c.byte_start);
            cr.heading_path = c.heading_path;
            cr.page = c.page;
            cr.char_start = static_cast<int64_t>(c.char_start);
            cr.char_end = static_cast<int64_t>(c.char_end);
            cr.byte_start = static_cast<int64_t>(c.byte_start);
            cr.byte_end = static_cast<int64_t>(c.byte_end);
            cr.token_estimate = static_cast<int64_t>(c.token_estimate);
            nd.chunks.push_back(std::move(cr));
        }
        r.text = std::move(d.text);
        return nd;
    }

    store::Catalog& catalog_;
    collection::LexicalSync& lexical_;
    const IngestOptions& options_;
    ingest::ChunkerOptions chunker_;
    const Collection::ProgressCallback& progress_cb_;
    IngestReport report_;
    IngestProgress progress_;
    Clock::time_point start_ = Clock::now();
    Clock::time_point batch_start_;
    size_t batch_files_ = 0;
    uint64_t batch_bytes_ = 0;
};

}  // namespace

Status Collection::set_language(const std::string& language) {
    if (language.empty()) return {};
    store::Catalog& catalog = *impl_->catalog;
    OPENBOOK_ASSIGN_OR_RETURN(auto current, collection::analyzer_options(catalog));
    if (current.stem_language == language) return {};
    text::AnalyzerOptions wanted = current;
    wanted.stem_language = language;
    auto analyzer = text::Analyzer::create(wanted);  // rejects unknown languages, listing them
    if (!analyzer.has_value()) return analyzer.error();
    OPENBOOK_RETURN_IF_ERROR(catalog.begin());
    Status s = catalog.set_meta(collection::kStemLanguageKey, language);
    if (!s.ok()) {
        (void)catalog.rollback();
        return s;
    }
    OPENBOOK_RETURN_IF_ERROR(catalog.commit());
    // The index's terms were made by the old analyzer: reopening rebuilds it. A crash before
    // that completes is caught the same way by the next writer (the signature differs).
    OPENBOOK_ASSIGN_OR_RETURN(impl_->lexical, collection::LexicalSync::open(impl_->dir, catalog));
    return {};
}

Result<IngestReport> Collection::ingest(const std::vector<std::string>& paths,
                                        const IngestOptions& options,
                                        const ProgressCallback& progress) {
    OPENBOOK_RETURN_IF_ERROR(impl_->require_writer("ingest"));
    std::string invalid = ingest::validate_chunker_options(to_chunker_options(options.chunking));
    if (!invalid.empty()) return Status::invalid_argument(invalid);
    if (options.commit_every == 0) return Status::invalid_argument("--commit-every must be at least 1");
    OPENBOOK_RETURN_IF_ERROR(set_language(options.language));
    IngestRun run(*impl_->catalog, *impl_->lexical, options, progress);
    return run.run(paths, impl_->dir);
}

Result<IngestReport> Collection::sync(const std::vector<std::string>& paths,
                                      const IngestOptions& options,
                                      const ProgressCallback& progress) {
    OPENBOOK_RETURN_IF_ERROR(impl_->require_writer("sync"));
    store::Catalog& catalog = *impl_->catalog;
    OPENBOOK_ASSIGN_OR_RETURN(auto sources, catalog.list_sources());

    // A path that is gone entirely is not an error for sync: it means "remove what was there".
    std::vector<std::string> existing_paths;
    std::vector<std::filesystem::path> roots;
    std::vector<std::string> unknown_missing;
    for (const auto& p : paths) {
        auto abs = core::absolute_normal(p);
        roots.push_back(abs);
        std::error_code ec;
        if (std::filesystem::exists(abs, ec)) {
            existing_paths.push_back(p);
            continue;
        }
        bool known = false;
        for (const auto& s : sources) known = known || core::is_within(s.path, abs);
        if (!known) unknown_missing.push_back(p);
    }

    IngestReport report;
    if (!existing_paths.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(report, ingest(existing_paths, options, progress));
    }
    for (const auto& p : unknown_missing) {
        report.failed++;
        report.notes.push_back({p, FileOutcomeKind::kFailed, "no such file or folder"});
    }

    OPENBOOK_RETURN_IF_ERROR(impl_->in_transaction([&]() -> Status {
        for (const auto& s : sources) {
            bool under = false;
            for (const auto& r : roots) under = under || core::is_within(s.path, r);
            std::error_code ec;
            if (!under || std::filesystem::exists(s.path, ec)) continue;
            OPENBOOK_ASSIGN_OR_RETURN(auto docs, catalog.documents_of_source(s.id, false));
            OPENBOOK_RETURN_IF_ERROR(catalog.remove_source(s.id));
            for (const auto& d : docs) impl_->lexical->remove_document(d.id);
            report.removed++;
            report.notes.push_back({s.display_path, FileOutcomeKind::kRemoved,
                                    "file is gone", docs.size(), 0});
        }
        return {};
    }));
    return report;
}

}  // namespace openbook
