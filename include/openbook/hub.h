// Model sources: turning what a user types after -m/--model into a GGUF file on disk.
//
// A model reference is one of
//   - a file path (a path that exists always wins: "models/q.gguf", "/abs/path.gguf");
//   - an alias from model_aliases() ("qwen2.5:0.5b"), which stands for a Hub reference;
//   - a Hugging Face Hub reference "ORG/REPO[:FILE-or-QUANT]" ("hf.co/" in front is allowed):
//     FILE is a file name in the repository, QUANT a quantization matched case-insensitively
//     against the repository's .gguf names ("q4_k_m" matches "qwen2.5-0.5b-instruct-q4_k_m.gguf");
//     without either, the repository's only GGUF, else its Q4_K_M one (a FILE that is not a
//     .gguf, "ORG/REPO:README.md", is refused: kInvalidReference);
//   - an Ollama name "ollama:NAME[:TAG]" ("ollama:qwen2.5:0.5b", "ollama:user/model:tag",
//     "ollama:host/ns/model:tag"; TAG defaults to "latest"), read in place from Ollama's store.
//
// Hub downloads go to the huggingface_hub cache, laid out exactly as the Python library lays it
// out (models--ORG--REPO/{blobs,snapshots/<commit>,refs/<revision>}, snapshot files relative
// symlinks to ../../blobs/<etag>, or plain files where the file system has no symlinks), so
// Python tools and openbook share files. Resolution looks in the cache first and touches the
// network only for what is missing (or when asked to refresh): a cached FILE or QUANT costs no
// request; a reference without either is answered from the cache only when the cache recorded
// the repository's file list at that commit (openbook does on every download) and holds the
// file the Hub would choose from it, so after `pull ORG/REPO:Q8_0`, "ORG/REPO" still means the
// Q4_K_M file (offline: an error naming the cached files and how to pick one).
// Environment: HF_ENDPOINT, HF_HUB_CACHE / HF_HOME, HF_TOKEN / HF_TOKEN_PATH / $HF_HOME/token,
// HF_HUB_OFFLINE, HTTPS_PROXY / NO_PROXY (through libcurl), OLLAMA_MODELS.
//
// Errors name the reference (and URL or file) and what went wrong; a ModelErrorKind says which
// kind of failure it was, so callers can treat "no network" differently from "no such model".
// Status codes: kInvalidArgument only for a malformed reference (or a non-GGUF FILE, or
// rm-model given a file or an Ollama name); a missing repository, revision or file and an
// ambiguous quantization are kNotFound, a refused token (gated, 401/403) and an unreachable Hub
// kIoError, bad answers kCorrupt.
// Nothing here ever writes to or deletes from Ollama's store.
//
// Thread-safety: free functions on plain data; safe to call from several threads. Two processes
// (openbook or huggingface_hub) downloading the same file wait for each other on
// <cache>/.locks/models--ORG--REPO/<etag>.lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "openbook/status.h"

namespace openbook {

enum class ModelSource { kFile, kHub, kOllama };
const char* model_source_name(ModelSource source);  // "file", "hub", "ollama"

// Why resolving, pulling or removing a model failed.
enum class ModelErrorKind {
    kNone = 0,
    kNotDownloaded,     // not in the cache, and downloading is off (HF_HUB_OFFLINE or not allowed)
    kUnreachable,       // the Hub, mirror or proxy could not be reached, or kept dropping
    kAccessDenied,      // 401/403: a gated or private repository, no token or a refused one
    kNotFound,          // no such file, repository, revision, file in it, or Ollama model
    kAmbiguous,         // a quantization matches several files
    kInvalidReference,  // not a path, alias, Hub reference or Ollama name
    kCorrupt,           // the bytes do not match the Hub's SHA-256 or size, or a bad response
    kIo,                // the local file system refused (write, rename, symlink, remove)
};
const char* model_error_kind_name(ModelErrorKind kind);

// True when the model might be fetched later with a network: "offline or unreachable".
inline bool is_offline_error(ModelErrorKind kind) {
    return kind == ModelErrorKind::kNotDownloaded || kind == ModelErrorKind::kUnreachable;
}

// Where models come from and go to. from_environment() reads the variables listed above.
struct HubSettings {
    std::string endpoint = "https://huggingface.co";  // no trailing slash
    std::filesystem::path cache_dir;                  // the "hub" cache directory
    std::string token;                                // "" when none
    std::string token_source;                         // "HF_TOKEN" or the token file's path
    bool offline = false;                             // HF_HUB_OFFLINE=1: never use the network
    std::filesystem::path ollama_dir;                 // $OLLAMA_MODELS or ~/.ollama/models

    static HubSettings from_environment();
};

// A recommended model: a short name for a Hub reference.
struct ModelAlias {
    std::string name;         // "qwen2.5:0.5b"
    std::string repo;         // "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
    std::string file;         // a single-file GGUF's name (the engine loads no split sets)
    std::string description;  // one line for `openbook models`
    uint64_t approx_bytes = 0;
    bool gated = false;       // needs the model's terms accepted on the Hub and HF_TOKEN
};
const std::vector<ModelAlias>& model_aliases();
// The model ask/chat use when none is configured.
inline constexpr const char* kDefaultModelAlias = "qwen2.5:1.5b";

struct ModelReference {
    ModelSource source = ModelSource::kFile;
    std::string text;             // as written
    std::string alias;            // the alias it came from, if any
    std::filesystem::path path;   // kFile
    std::string repo;             // kHub: "ORG/REPO"
    std::string selector;         // kHub: file name or quantization; "" = choose
    std::string revision = "main";  // kHub
    std::string ollama_name;      // kOllama: "host/namespace/model:tag", fully spelled out

    // "ORG/REPO:selector", "ollama:<short name>", or the path.
    std::string canonical() const;
};

// Parses without touching the disk, except to check whether `text` names an existing file.
// Errors: kInvalidArgument naming the text (with kind kInvalidReference).
Result<ModelReference> parse_model_reference(const std::string& text);

// Reported while a file downloads (from the downloading thread, often: the callee throttles).
struct DownloadProgress {
    std::string repo;
    std::string file;          // file name in the repository
    size_t file_index = 0;     // 0-based among file_count (split GGUFs have several)
    size_t file_count = 1;
    uint64_t bytes_done = 0;   // of this file, resumed bytes included
    uint64_t bytes_total = 0;  // 0 when unknown
    uint64_t resumed_from = 0; // bytes that were already on disk when this download started
    double seconds = 0;        // since this file's download started
    bool finished = false;     // the last report for this file
    std::string note;          // when not empty, a message to show instead of a progress bar:
                               // "waiting for another download of FILE ..." (another process
                               // holds the file's lock; the download waits for it)
};
using DownloadProgressFn = std::function<void(const DownloadProgress&)>;

struct ResolveOptions {
    bool allow_download = true;  // false: the cache or nothing (HubSettings::offline also forces it)
    bool refresh = false;        // ask the Hub for the revision's current commit even when cached
    std::string revision;        // overrides the reference's revision ("main") when not empty
    DownloadProgressFn progress;
};

struct ResolvedModel {
    ModelSource source = ModelSource::kFile;
    std::string reference;                     // canonical form of what was resolved
    std::string alias;                         // when it came from an alias
    std::filesystem::path path;                // the file to open (a split GGUF's first part)
    std::vector<std::filesystem::path> parts;  // every file, in order
    uint64_t bytes = 0;                        // all parts together
    std::string repo, revision, commit;        // kHub
    std::vector<std::string> files;            // kHub: the files' names in the repository
    bool downloaded = false;                   // this call fetched at least one file
    std::string note;                          // a warning worth showing (e.g. Hub unreachable,
                                               // the cached copy used instead)
};

// Finds the file a reference names: a path as is, an Ollama name in Ollama's store, a Hub
// reference in the cache, else (when allowed) downloaded into the cache. On failure, the kind is
// stored in *error_kind when given.
Result<ResolvedModel> resolve_model(const std::string& reference, const HubSettings& settings,
                                    const ResolveOptions& options = {},
                                    ModelErrorKind* error_kind = nullptr);

// A model on this machine: a GGUF (or split GGUF set) in the Hub cache, or an Ollama model.
struct InstalledModel {
    ModelSource source = ModelSource::kHub;
    std::string reference;               // "ORG/REPO:file.gguf" or "ollama:qwen2.5:0.5b"
    std::vector<std::string> aliases;    // aliases that resolve to it
    std::string repo, commit;            // kHub
    std::vector<std::string> revisions;  // kHub: refs naming this snapshot ("main")
    std::vector<std::string> files;      // kHub: names in the repository, parts in order
    std::filesystem::path path;          // the file to open
    uint64_t bytes = 0;
};

// Hub cache models first (by repository, then file), then Ollama's. Missing directories are
// empty lists, not errors.
Result<std::vector<InstalledModel>> list_installed_models(const HubSettings& settings);

// A download that failed or was interrupted: blobs/<etag>.incomplete in the Hub cache, resumed
// by the next pull of the same file.
struct PartialDownload {
    std::string repo;            // "ORG/REPO"
    std::filesystem::path path;  // the .incomplete file
    uint64_t bytes = 0;          // downloaded so far
};

// Every partial download in the Hub cache, by repository. Missing directories: an empty list.
Result<std::vector<PartialDownload>> list_partial_downloads(const HubSettings& settings);

struct RemovedModel {
    std::string reference;
    std::vector<std::filesystem::path> links;     // snapshot entries removed
    std::vector<std::filesystem::path> partials;  // partial downloads removed (.incomplete)
    size_t blobs_removed = 0;
    uint64_t bytes_freed = 0;                     // blobs, plain-file entries and partials
};

// Deletes a downloaded Hub model from the cache: its snapshot entries (every snapshot of the
// repository; symlinks, or plain files where symlinks are not supported), the blobs no
// remaining snapshot file points to, partial downloads of those, and snapshot directories and
// refs left empty. When no snapshot has the model but the repository has partial downloads (a
// pull that failed), those are removed instead (which file each was is not recorded, so all of
// the repository's) and reported in `partials`. Partial downloads another process is writing
// (its lock is held) stay. Refuses files and Ollama names (kInvalidArgument: Ollama's store
// belongs to Ollama). Neither downloaded nor partially downloaded: kNotFound.
Result<RemovedModel> remove_model(const std::string& reference, const HubSettings& settings,
                                  ModelErrorKind* error_kind = nullptr);

}  // namespace openbook
