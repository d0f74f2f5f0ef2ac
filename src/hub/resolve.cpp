// resolve_model, list_installed_models and remove_model (include/openbook/hub.h): the public
// face of the hub module, on top of the cache layout, the Hub client and Ollama's store.
#include <algorithm>
#include <set>
#include <string_view>

#include "hub/downloader.h"
#include "hub/file_selection.h"
#include "hub/hf_cache.h"
#include "hub/hub_api.h"
#include "hub/hub_error.h"
#include "hub/names.h"
#include "hub/ollama_store.h"
#include "openbook/hub.h"

namespace openbook {
namespace {

namespace fs = std::filesystem;
using hub::fail;

// "qwen2.5:0.5b (Qwen/Qwen2.5-0.5B-Instruct-GGUF:qwen2.5-0.5b-instruct-q4_k_m.gguf)".
std::string label(const ModelReference& ref) {
    return ref.alias.empty() ? ref.canonical() : ref.alias + " (" + ref.canonical() + ")";
}

std::string pull_command(const ModelReference& ref, const std::string& revision) {
    std::string cmd = "openbook pull " + (ref.alias.empty() ? ref.canonical() : ref.alias);
    if (revision != "main") cmd += " --revision " + revision;
    return cmd;
}

ResolvedModel hub_result(const ModelReference& ref, const hub::RepoCache& cache,
                         const std::string& revision, const std::string& commit,
                         const std::vector<std::string>& files) {
    ResolvedModel r;
    r.source = ModelSource::kHub;
    r.alias = ref.alias;
    r.repo = ref.repo;
    r.revision = revision;
    r.commit = commit;
    r.files = files;
    r.reference = ref.repo + ":" + files.front();
    for (const auto& f : files) {
        r.parts.push_back(cache.snapshot_dir(commit) / f);
        r.bytes += hub::followed_size(r.parts.back());
    }
    r.path = r.parts.front();
    return r;
}

// "\n  a-q8_0.gguf (use `openbook pull ORG/REPO:a-q8_0.gguf`, or -m ORG/REPO:a-q8_0.gguf)" for
// every model in a cached snapshot; "" when none.
std::string cached_models_hint(const ModelReference& ref, const std::vector<std::string>& names) {
    std::string out;
    for (const auto& model : hub::group_gguf_models(names)) {
        out += "\n  " + model.front() + " (-m " + ref.repo + ":" + model.front() + ")";
    }
    return out.empty() ? out : "; the cache holds:" + out;
}

// A reference without a file means what the Hub would choose (the only GGUF, else the Q4_K_M
// one) among all the repository's files, not among the few in the cache: after
// `pull ORG/REPO:Q8_0`, "ORG/REPO" still means the Q4_K_M file. So the cached copy answers only
// when the complete file list of the snapshot's commit was recorded (hub::write_listing) and
// the file chosen from it is in the snapshot. `hint` gets the cached models, for messages.
Result<ResolvedModel> from_cache(const ModelReference& ref, const hub::RepoCache& cache,
                                 const std::string& revision, ModelErrorKind* kind,
                                 std::string* hint) {
    const std::string commit = hub::cached_commit(cache, revision);
    if (commit.empty()) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(ref.repo + " at " + revision + " is not in the cache"));
    }
    const auto names = hub::snapshot_files(cache, commit);
    if (!ref.selector.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(auto files, hub::select_gguf_files(names, ref.selector,
                                                                     ref.repo + " (cached)", kind));
        return hub_result(ref, cache, revision, commit, files);
    }
    *hint = cached_models_hint(ref, names);
    const auto listing = hub::read_listing(cache, commit);
    if (!listing.has_value()) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(ref.repo + " at " + revision + " (commit " +
                                      commit.substr(0, 12) + "): the cache does not record the "
                                      "repository's file list, so which file the Hub would "
                                      "choose is unknown"));
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto files, hub::select_gguf_files(*listing, "", ref.repo, kind));
    for (const auto& f : files) {
        if (!std::binary_search(names.begin(), names.end(), f)) {
            return fail(kind, ModelErrorKind::kNotFound,
                        Status::not_found(ref.repo + ": the cache has no copy of " + f +
                                          ", the file it stands for"));
        }
    }
    return hub_result(ref, cache, revision, commit, files);
}

Result<ResolvedModel> from_hub(const ModelReference& ref, const HubSettings& settings,
                               const hub::RepoCache& cache, const std::string& revision,
                               const ResolveOptions& options, ModelErrorKind* kind) {
    OPENBOOK_ASSIGN_OR_RETURN(auto info, hub::fetch_repo_info(settings, ref.repo, revision, kind));
    OPENBOOK_ASSIGN_OR_RETURN(auto files,
                              hub::select_gguf_files(info.files, ref.selector, ref.repo, kind));
    bool fetched = false;
    for (size_t i = 0; i < files.size(); ++i) {
        OPENBOOK_ASSIGN_OR_RETURN(
            auto got, hub::download_file(settings, cache, info.commit, {files[i], i, files.size()},
                                         options.progress, kind));
        fetched = fetched || got.fetched;
    }
    // The ref moves only once every file of the new commit is there, so an interrupted pull
    // never leaves "main" pointing at a snapshot without the model.
    if (auto st = hub::write_ref(cache, revision, info.commit); !st.ok()) {
        return fail(kind, ModelErrorKind::kIo, st);
    }
    // Lets later references without a file be answered from the cache (see from_cache). Only
    // an optimization: without it they ask the Hub again, so a failure is not an error.
    (void)hub::write_listing(cache, info.commit, info.files);
    ResolvedModel r = hub_result(ref, cache, revision, info.commit, files);
    r.downloaded = fetched;
    return r;
}

Result<ResolvedModel> resolve_hub(const ModelReference& ref, const HubSettings& settings,
                                  const ResolveOptions& options, ModelErrorKind* kind) {
    const std::string revision = options.revision.empty() ? ref.revision : options.revision;
    if (auto st = hub::check_revision(revision); !st.ok()) {
        return fail(kind, ModelErrorKind::kInvalidReference, st);
    }
    const auto cache = hub::repo_cache(settings.cache_dir, ref.repo);
    const bool can_download = options.allow_download && !settings.offline;

    ModelErrorKind cache_kind = ModelErrorKind::kNone;
    std::string cached_hint;
    auto cached = from_cache(ref, cache, revision, &cache_kind, &cached_hint);
    if (cached.has_value() && (!options.refresh || !can_download)) return cached;
    if (cache_kind == ModelErrorKind::kInvalidReference) {  // "org/repo:README.md": not a model
        return fail(kind, cache_kind, cached.error());
    }
    if (!can_download) {
        if (cache_kind == ModelErrorKind::kAmbiguous) {
            return fail(kind, cache_kind, cached.error());
        }
        const std::string why =
            settings.offline
                ? " and HF_HUB_OFFLINE is set, so it cannot be fetched: unset HF_HUB_OFFLINE and "
                  "run `" + pull_command(ref, revision) + "`"
                : ": run `" + pull_command(ref, revision) + "` first";
        std::string detail;
        if (!cached_hint.empty()) {
            // Another quantization is cached: say which, and how to use it instead.
            detail = " (" + cached.error().message() + ")" + cached_hint +
                     "\nto use one of those, name its file (or its quantization) after the "
                     "repository";
        }
        return fail(kind, ModelErrorKind::kNotDownloaded,
                    Status::not_found(label(ref) + " is not downloaded" + why + " (cache: " +
                                      settings.cache_dir.string() + ")" + detail));
    }

    ModelErrorKind online_kind = ModelErrorKind::kNone;
    auto online = from_hub(ref, settings, cache, revision, options, &online_kind);
    if (online.has_value()) return online;
    if (online_kind == ModelErrorKind::kUnreachable && cached.has_value()) {
        // As huggingface_hub does: without a connection the cached copy is still good.
        cached->note = online.error().message() + "; using the copy in the cache";
        return cached;
    }
    return fail(kind, online_kind, online.error().with_context(label(ref)));
}

}  // namespace

Result<ResolvedModel> resolve_model(const std::string& reference, const HubSettings& settings,
                                    const ResolveOptions& options, ModelErrorKind* error_kind) {
    ModelErrorKind local = ModelErrorKind::kNone;
    ModelErrorKind* kind = error_kind != nullptr ? error_kind : &local;
    *kind = ModelErrorKind::kNone;
    auto parsed = parse_model_reference(reference);
    if (!parsed.has_value()) return fail(kind, ModelErrorKind::kInvalidReference, parsed.error());
    const ModelReference& ref = *parsed;

    switch (ref.source) {
        case ModelSource::kFile: {
            std::error_code ec;
            if (!fs::exists(ref.path, ec)) {
                return fail(kind, ModelErrorKind::kNotFound,
                            Status::not_found("model file " + ref.path.string() + " not found"));
            }
            ResolvedModel r;
            r.source = ModelSource::kFile;
            r.reference = ref.path.string();
            r.path = ref.path;
            r.parts = {ref.path};
            r.bytes = hub::followed_size(ref.path);
            return r;
        }
        case ModelSource::kOllama: {
            OPENBOOK_ASSIGN_OR_RETURN(
                auto model, hub::find_ollama_model(settings.ollama_dir, ref.ollama_name, kind));
            ResolvedModel r;
            r.source = ModelSource::kOllama;
            r.reference = ref.canonical();
            r.path = model.path;
            r.parts = {model.path};
            r.bytes = model.bytes;
            return r;
        }
        case ModelSource::kHub:
            return resolve_hub(ref, settings, options, kind);
    }
    return Status::internal("unknown model source");
}

Result<std::vector<InstalledModel>> list_installed_models(const HubSettings& settings) {
    std::vector<InstalledModel> out;
    for (const auto& repo : hub::cached_repos(settings.cache_dir)) {
        const auto cache = hub::repo_cache(settings.cache_dir, repo);
        for (const auto& commit : hub::snapshot_commits(cache)) {
            if (!hub::is_commit_hash(commit)) continue;
            for (auto& files : hub::group_gguf_models(hub::snapshot_files(cache, commit))) {
                InstalledModel m;
                m.source = ModelSource::kHub;
                m.repo = repo;
                m.commit = commit;
                m.revisions = hub::refs_to(cache, commit);
                m.reference = repo + ":" + files.front();
                for (const auto& f : files) m.bytes += hub::followed_size(cache.snapshot_dir(commit) / f);
                m.path = cache.snapshot_dir(commit) / files.front();
                for (const auto& alias : model_aliases()) {
                    if (alias.repo != repo) continue;
                    const bool same_file = hub::lower_ascii(alias.file) ==
                                           hub::lower_ascii(files.front());
                    if (same_file || hub::quant_matches(files.front(), alias.file)) {
                        m.aliases.push_back(alias.name);
                    }
                }
                m.files = std::move(files);
                out.push_back(std::move(m));
            }
        }
    }
    for (auto& model : hub::list_ollama_models(settings.ollama_dir)) {
        InstalledModel m;
        m.source = ModelSource::kOllama;
        m.reference = "ollama:" + hub::ollama_short_name(model.name);
        m.path = model.path;
        m.bytes = model.bytes;
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::vector<PartialDownload>> list_partial_downloads(const HubSettings& settings) {
    std::vector<PartialDownload> out;
    for (const auto& repo : hub::cached_repos(settings.cache_dir)) {
        const auto cache = hub::repo_cache(settings.cache_dir, repo);
        for (const auto& partial : hub::partial_downloads(cache)) {
            out.push_back({repo, partial, hub::followed_size(partial)});
        }
    }
    return out;
}

namespace {

// The blob a snapshot entry points to ("" for a plain file or a link elsewhere).
std::string blob_of(const fs::path& entry) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(entry, ec))) return {};
    const fs::path target = fs::read_symlink(entry, ec);
    if (ec) return {};
    const fs::path parent = target.parent_path();
    if (parent.filename() != "blobs") return {};
    return target.filename().string();
}

void remove_if_empty(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
}

}  // namespace

Result<RemovedModel> remove_model(const std::string& reference, const HubSettings& settings,
                                  ModelErrorKind* error_kind) {
    ModelErrorKind local = ModelErrorKind::kNone;
    ModelErrorKind* kind = error_kind != nullptr ? error_kind : &local;
    *kind = ModelErrorKind::kNone;
    auto parsed = parse_model_reference(reference);
    if (!parsed.has_value()) return fail(kind, ModelErrorKind::kInvalidReference, parsed.error());
    const ModelReference& ref = *parsed;
    if (ref.source == ModelSource::kOllama) {
        const std::string name = hub::ollama_short_name(ref.ollama_name);
        return fail(kind, ModelErrorKind::kInvalidReference,
                    Status::invalid_argument(
                        "ollama:" + name + " belongs to Ollama, and openbook never changes "
                        "Ollama's store: remove it with `ollama rm " + name + "`"));
    }
    if (ref.source == ModelSource::kFile) {
        return fail(kind, ModelErrorKind::kInvalidReference,
                    Status::invalid_argument(
                        ref.path.string() + " is a file, not a model in the Hub cache: "
                        "rm-model takes an alias or ORG/REPO[:FILE-or-QUANT]; delete files "
                        "yourself"));
    }

    const auto cache = hub::repo_cache(settings.cache_dir, ref.repo);
    std::vector<std::pair<std::string, std::vector<std::string>>> chosen;  // commit → files
    for (const auto& commit : hub::snapshot_commits(cache)) {
        ModelErrorKind k = ModelErrorKind::kNone;
        auto files = hub::select_gguf_files(hub::snapshot_files(cache, commit), ref.selector,
                                            ref.repo + " (cached, " + commit.substr(0, 12) + ")",
                                            &k);
        if (files.has_value()) {
            chosen.emplace_back(commit, std::move(*files));
        } else if (k == ModelErrorKind::kAmbiguous || k == ModelErrorKind::kInvalidReference) {
            return fail(kind, k, files.error());
        }
    }
    RemovedModel removed;
    removed.reference = label(ref);
    bool partial_in_use = false;  // another process is still writing one
    // Removes blobs/<etag>.incomplete unless a download holds its lock.
    auto remove_partial = [&](const fs::path& partial) {
        std::string etag = partial.filename().string();
        etag.resize(etag.size() - std::string_view(".incomplete").size());
        if (!hub::check_etag(etag).ok()) return;
        auto lock = hub::BlobLock::try_acquire(cache.lock(etag));
        if (lock.has_value() && !lock->has_value()) {
            partial_in_use = true;
            return;
        }
        std::error_code ec;
        const uint64_t size = hub::followed_size(partial);
        if (fs::remove(partial, ec)) {
            removed.partials.push_back(partial);
            removed.bytes_freed += size;
        }
    };
    if (chosen.empty()) {
        // No snapshot has the model, but a download that failed may have left partial files:
        // which file each was is not recorded, so all of the repository's go.
        for (const auto& partial : hub::partial_downloads(cache)) remove_partial(partial);
        if (removed.partials.empty()) {
            return fail(kind, ModelErrorKind::kNotFound,
                        Status::not_found(label(ref) + " is not downloaded (cache: " +
                                          settings.cache_dir.string() + ")" +
                                          (partial_in_use ? "; a download of it is in progress"
                                                          : "")));
        }
    }
    std::set<std::string> candidates;
    for (const auto& [commit, files] : chosen) {
        const fs::path snapshot = cache.snapshot_dir(commit);
        for (const auto& f : files) {
            const fs::path entry = snapshot / f;
            const std::string blob = blob_of(entry);
            std::error_code ec;
            if (blob.empty()) removed.bytes_freed += hub::followed_size(entry);  // a plain copy
            else candidates.insert(blob);
            fs::remove(entry, ec);
            if (ec) {
                return fail(kind, ModelErrorKind::kIo,
                            Status::io_error("removing " + entry.string() + ": " + ec.message()));
            }
            removed.links.push_back(entry);
            // Subfolders of the snapshot emptied by this removal go too.
            for (fs::path dir = entry.parent_path(); dir != snapshot && dir.has_parent_path();
                 dir = dir.parent_path()) {
                remove_if_empty(dir);
            }
        }
    }

    // Blobs that another snapshot entry (any revision, any file) still points to stay.
    std::set<std::string> referenced;
    for (const auto& commit : hub::snapshot_commits(cache)) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(cache.snapshot_dir(commit), ec);
             !ec && it != fs::end(it); it.increment(ec)) {
            if (auto b = blob_of(it->path()); !b.empty()) referenced.insert(b);
        }
    }
    for (const auto& blob : candidates) {
        if (referenced.count(blob) != 0 || !hub::check_etag(blob).ok()) continue;
        std::error_code ec;
        const uint64_t size = hub::followed_size(cache.blob(blob));
        if (fs::remove(cache.blob(blob), ec)) {
            ++removed.blobs_removed;
            removed.bytes_freed += size;
        }
        if (fs::exists(cache.incomplete(blob), ec)) remove_partial(cache.incomplete(blob));
    }

    // Snapshots left empty, the refs that named them, and empty folders above.
    for (const auto& [commit, files] : chosen) {
        const fs::path snapshot = cache.snapshot_dir(commit);
        std::error_code ec;
        if (!fs::is_empty(snapshot, ec) || ec) continue;
        fs::remove(snapshot, ec);
        fs::remove(cache.listing(commit), ec);
        for (const auto& revision : hub::refs_to(cache, commit)) {
            fs::remove(cache.ref(revision), ec);
            for (fs::path dir = cache.ref(revision).parent_path(); dir != cache.root / "refs";
                 dir = dir.parent_path()) {
                remove_if_empty(dir);
            }
        }
    }
    remove_if_empty(cache.root / "refs");
    remove_if_empty(cache.root / "snapshots");
    remove_if_empty(cache.listing("0").parent_path());
    remove_if_empty(cache.root / ".openbook");
    std::error_code ec;
    if (!fs::exists(cache.root / "snapshots", ec) && !partial_in_use) {
        // No snapshot is left, so no blob, partial download or ref can be of use.
        fs::remove_all(cache.root, ec);
        fs::remove_all(settings.cache_dir / ".locks" / hub::repo_folder_name(ref.repo), ec);
    }
    return removed;
}

}  // namespace openbook
