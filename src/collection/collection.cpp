#include <cstdlib>
#include <map>
#include <set>

#include "collection/collection_impl.h"
#include "core/fs.h"

namespace openbook {

const char* file_outcome_name(FileOutcomeKind kind) {
    switch (kind) {
        case FileOutcomeKind::kAdded: return "added";
        case FileOutcomeKind::kUpdated: return "updated";
        case FileOutcomeKind::kUnchanged: return "unchanged";
        case FileOutcomeKind::kFailed: return "failed";
        case FileOutcomeKind::kSkipped: return "skipped";
        case FileOutcomeKind::kEmpty: return "empty";
        case FileOutcomeKind::kRemoved: return "removed";
    }
    return "unknown";
}

std::filesystem::path default_collection_dir() {
    if (const char* env = std::getenv("OPENBOOK_INDEX"); env != nullptr && *env != '\0') {
        return env;
    }
    return ".openbook";
}

Status Collection::Impl::require_writer(const char* operation) const {
    if (!writer_lock) {
        return Status::internal(std::string(operation) + " needs the collection opened for writing");
    }
    return {};
}

namespace collection {

DocumentInfo to_document_info(const store::DocumentRecord& d) {
    DocumentInfo info;
    info.uri = d.uri;
    info.path = d.display_path;
    info.external_id = d.external_id;
    info.title = d.title;
    info.format = d.format;
    info.encoding = d.encoding;
    info.content_hash = d.content_hash;
    info.size = d.size;
    info.mtime_ns = d.mtime_ns;
    info.n_chars = d.n_chars;
    info.n_chunks = d.n_chunks;
    info.metadata_json = d.metadata_json;
    return info;
}

}  // namespace collection

Collection::Collection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Collection::~Collection() = default;

const std::filesystem::path& Collection::directory() const { return impl_->dir; }

Result<std::unique_ptr<Collection>> Collection::open(const std::filesystem::path& dir, Mode mode) {
    auto impl = std::make_unique<Impl>();
    impl->dir = core::absolute_normal(dir);
    const auto catalog_path = impl->dir / collection::kCatalogFile;
    if (mode == Mode::kRead) {
        if (!std::filesystem::exists(catalog_path)) {
            return Status::not_found("no collection at " + impl->dir.string() +
                                     " (run `openbook ingest PATH` to create one, or pass "
                                     "--index DIR)");
        }
        OPENBOOK_ASSIGN_OR_RETURN(impl->catalog,
                                  store::Catalog::open(catalog_path, store::Catalog::Mode::kReadOnly));
    } else {
        std::error_code ec;
        std::filesystem::create_directories(impl->dir, ec);
        if (ec) {
            return Status::io_error("cannot create collection directory " + impl->dir.string() +
                                    ": " + ec.message());
        }
        OPENBOOK_ASSIGN_OR_RETURN(auto lock,
                                  core::FileLock::try_acquire(impl->dir / collection::kLockFile));
        impl->writer_lock.emplace(std::move(lock));
        OPENBOOK_ASSIGN_OR_RETURN(
            impl->catalog, store::Catalog::open(catalog_path, store::Catalog::Mode::kReadWrite));
        OPENBOOK_ASSIGN_OR_RETURN(impl->lexical,
                                  collection::LexicalSync::open(impl->dir, *impl->catalog));
    }
    return std::unique_ptr<Collection>(new Collection(std::move(impl)));
}

Result<std::string> Collection::language() {
    OPENBOOK_ASSIGN_OR_RETURN(auto options, collection::analyzer_options(*impl_->catalog));
    return options.stem_language;
}

Result<std::vector<DocumentInfo>> Collection::list_documents() {
    OPENBOOK_ASSIGN_OR_RETURN(auto docs, impl_->catalog->list_documents(false));
    std::vector<DocumentInfo> out;
    out.reserve(docs.size());
    for (const auto& d : docs) out.push_back(collection::to_document_info(d));
    return out;
}

namespace {

// The uris a user's DOC may denote, most specific first: as written, then absolute
// ("file#id" keeps its "#id").
std::vector<std::string> candidate_uris(const std::string& doc) {
    std::vector<std::string> out{doc};
    std::string path = doc;
    std::string fragment;
    if (size_t hash = doc.rfind('#'); hash != std::string::npos && hash > 0) {
        path = doc.substr(0, hash);
        fragment = doc.substr(hash);
    }
    out.push_back(core::absolute_normal(doc).string());
    if (!fragment.empty()) out.push_back(core::absolute_normal(path).string() + fragment);
    return out;
}

}  // namespace

Result<DocumentView> Collection::show_document(const std::string& doc) {
    store::Catalog& catalog = *impl_->catalog;
    std::optional<store::DocumentRecord> found;
    for (const auto& uri : candidate_uris(doc)) {
        OPENBOOK_ASSIGN_OR_RETURN(found, catalog.find_document(uri, true));
        if (found) break;
    }
    if (!found) {
        // The path as given at ingest: a source with exactly one document.
        OPENBOOK_ASSIGN_OR_RETURN(auto sources, catalog.list_sources());
        for (const auto& s : sources) {
            if (s.display_path != doc) continue;
            OPENBOOK_ASSIGN_OR_RETURN(auto docs, catalog.documents_of_source(s.id, true));
            if (docs.size() == 1) found = docs.front();
            if (docs.size() > 1) {
                return Status::invalid_argument(
                    doc + " holds " + std::to_string(docs.size()) +
                    " documents; name one as FILE#ID (see `openbook ls`)");
            }
            break;
        }
    }
    if (!found) return Status::not_found("no document " + doc + " in " + impl_->dir.string());
    DocumentView view;
    view.info = collection::to_document_info(*found);
    view.text = std::move(found->text);
    OPENBOOK_ASSIGN_OR_RETURN(auto chunks, catalog.chunks_of(found->id));
    for (auto& c : chunks) {
        ChunkInfo ci;
        ci.ordinal = c.ordinal;
        ci.text = std::move(c.text);
        ci.heading_path = std::move(c.heading_path);
        ci.page = c.page;
        ci.char_start = c.char_start;
        ci.char_end = c.char_end;
        ci.byte_start = c.byte_start;
        ci.byte_end = c.byte_end;
        ci.token_estimate = c.token_estimate;
        view.chunks.push_back(std::move(ci));
    }
    return view;
}

Result<std::vector<std::string>> Collection::remove(const std::vector<std::string>& targets) {
    OPENBOOK_RETURN_IF_ERROR(impl_->require_writer("remove"));
    store::Catalog& catalog = *impl_->catalog;
    OPENBOOK_ASSIGN_OR_RETURN(auto sources, catalog.list_sources());

    // Resolve every target first, so a typo removes nothing at all.
    std::set<int64_t> whole_sources;
    std::map<int64_t, store::DocumentRecord> single_documents;  // by document id
    for (const auto& target : targets) {
        bool matched = false;
        const std::string abs = core::absolute_normal(target).string();
        for (const auto& s : sources) {
            if (s.path == abs || s.display_path == target ||
                core::is_within(std::filesystem::path(s.path), std::filesystem::path(abs))) {
                whole_sources.insert(s.id);
                matched = true;
            }
        }
        if (matched) continue;
        for (const auto& uri : candidate_uris(target)) {
            OPENBOOK_ASSIGN_OR_RETURN(auto d, catalog.find_document(uri, false));
            if (d) {
                single_documents.emplace(d->id, *d);
                matched = true;
                break;
            }
        }
        if (!matched) {
            return Status::not_found("no document or folder " + target + " in " +
                                     impl_->dir.string() + "; nothing was removed");
        }
    }

    std::vector<std::string> removed;
    OPENBOOK_RETURN_IF_ERROR(impl_->in_transaction([&]() -> Status {
        for (int64_t id : whole_sources) {
            OPENBOOK_ASSIGN_OR_RETURN(auto docs, catalog.documents_of_source(id, false));
            OPENBOOK_RETURN_IF_ERROR(catalog.remove_source(id));
            for (const auto& d : docs) {
                removed.push_back(d.uri);
                impl_->lexical->remove_document(d.id);
            }
        }
        for (const auto& [id, d] : single_documents) {
            if (whole_sources.count(d.source_id)) continue;  // already gone with its file
            OPENBOOK_RETURN_IF_ERROR(catalog.remove_document(id));
            removed.push_back(d.uri);
            impl_->lexical->remove_document(id);
        }
        return {};
    }));
    return removed;
}

Result<CollectionStats> Collection::stats() {
    OPENBOOK_ASSIGN_OR_RETURN(auto s, impl_->catalog->stats());
    CollectionStats out;
    out.directory = impl_->dir.string();
    out.files = s.sources;
    out.documents = s.documents;
    out.chunks = s.chunks;
    out.source_bytes = s.source_bytes;
    out.text_bytes = s.text_bytes;
    out.text_chars = s.text_chars;
    out.tokens = s.tokens;
    out.schema_version = impl_->catalog->schema_version();
    out.documents_by_format = std::move(s.documents_by_format);
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(impl_->dir, ec)) {
        if (entry.is_regular_file(ec)) out.disk_bytes += static_cast<int64_t>(entry.file_size(ec));
    }
    return out;
}

}  // namespace openbook
