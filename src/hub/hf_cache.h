// The huggingface_hub cache layout for one model repository, read and written exactly as the
// Python library does (docs: huggingface.co/docs/hub/local-cache):
//
//   <cache>/models--ORG--NAME/
//     blobs/<etag>                 file contents, named by ETag (SHA-256 for LFS files)
//     blobs/<etag>.incomplete      a download in progress (resumed from its length)
//     snapshots/<commit>/<file>    relative symlink → ../../blobs/<etag> (more ../ in subfolders)
//     refs/<revision>              the commit a branch or tag pointed at when last seen
//   <cache>/.locks/models--ORG--NAME/<etag>.lock   held while a blob is being written
//
// On file systems without symlinks (exFAT, some SMB shares: symlink() fails with EPERM,
// EOPNOTSUPP or ENOSYS) a snapshot entry is a plain file instead, as huggingface_hub makes it:
// the blob moved there, or copied when other snapshot entries link to it. Everything that reads
// snapshots takes both forms.
//
// openbook also keeps, beside that layout, the repository's complete file list at each commit
// it fetched from the Hub: models--ORG--NAME/.openbook/files/<commit>, one name per line
// (huggingface_hub only reads refs/, snapshots/ and blobs/, so it ignores the folder). It tells
// whether a cached snapshot holds the file the Hub would choose for a reference without a file.
//
// Thread-safety: stateless helpers; concurrent writers are serialized by the lock files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "openbook/status.h"

namespace openbook::hub {

struct RepoCache {
    std::filesystem::path cache_dir;
    std::string repo;           // "ORG/NAME"
    std::filesystem::path root;  // cache_dir / "models--ORG--NAME"

    std::filesystem::path blobs_dir() const { return root / "blobs"; }
    std::filesystem::path blob(const std::string& etag) const { return blobs_dir() / etag; }
    std::filesystem::path incomplete(const std::string& etag) const {
        return blobs_dir() / (etag + ".incomplete");
    }
    std::filesystem::path snapshot_dir(const std::string& commit) const {
        return root / "snapshots" / commit;
    }
    std::filesystem::path ref(const std::string& revision) const { return root / "refs" / revision; }
    std::filesystem::path lock(const std::string& etag) const;
    std::filesystem::path listing(const std::string& commit) const {
        return root / ".openbook" / "files" / commit;
    }
};

RepoCache repo_cache(const std::filesystem::path& cache_dir, const std::string& repo);

// True for a full 40-digit commit hash (a revision that needs no ref).
bool is_commit_hash(const std::string& revision);

// The commit a revision stands for in the cache: the revision itself when it is a commit hash,
// else the content of refs/<revision>; "" when unknown.
std::string cached_commit(const RepoCache& cache, const std::string& revision);

// Names (relative, '/'-separated, sorted) of the files in a snapshot whose content is there:
// symlinks to existing blobs, or plain files (copies, where symlinks are not supported).
std::vector<std::string> snapshot_files(const RepoCache& cache, const std::string& commit);

// Commits with a snapshot directory, sorted.
std::vector<std::string> snapshot_commits(const RepoCache& cache);

// Revisions in refs/ (recursively: "refs/pr/1") that point at `commit`.
std::vector<std::string> refs_to(const RepoCache& cache, const std::string& commit);

// Writes refs/<revision> = commit atomically, unless the revision is the commit itself or the
// ref already says so.
Status write_ref(const RepoCache& cache, const std::string& revision, const std::string& commit);

// Makes snapshots/<commit>/<file> a relative symlink to blobs/<etag>, replacing what was there
// atomically (symlink under a temporary name, then rename). Where the file system has no
// symlinks, the entry becomes a plain file: the blob is moved there when no snapshot entry links
// to it, else copied (through a temporary file, then rename).
Status link_snapshot_file(const RepoCache& cache, const std::string& commit,
                          const std::string& file, const std::string& etag);

// The symlink(2) link_snapshot_file calls; tests replace it to act out a file system without
// symlinks. Returns the previous function. Not thread-safe: set it before any download.
using SymlinkFunction = int (*)(const char* target, const char* link_path);
SymlinkFunction set_symlink_function_for_testing(SymlinkFunction fn);

// True when a snapshot entry (any commit) is a symlink to blobs/<etag>.
bool blob_is_linked(const RepoCache& cache, const std::string& etag);

// The repository's complete file list at a commit, as fetched from the Hub (see above):
// written atomically, read back sorted; nullopt when never recorded.
Status write_listing(const RepoCache& cache, const std::string& commit,
                     const std::vector<std::string>& files);
std::optional<std::vector<std::string>> read_listing(const RepoCache& cache,
                                                     const std::string& commit);

// Partial downloads of the repository: blobs/*.incomplete, sorted.
std::vector<std::filesystem::path> partial_downloads(const RepoCache& cache);

// Size of what a path names after following symlinks; 0 when missing.
uint64_t followed_size(const std::filesystem::path& path);

// Repository ids ("ORG/NAME") with a models--ORG--NAME folder in the cache, sorted.
std::vector<std::string> cached_repos(const std::filesystem::path& cache_dir);

// An exclusive flock() on a lock file, waiting for other holders (huggingface_hub's filelock
// takes the same kind of lock on the same file, so the two wait for each other).
class BlobLock {
public:
    // Tries without blocking first; when another process holds the lock, calls on_wait (when
    // given) and then blocks until the lock is free.
    static Result<BlobLock> acquire(const std::filesystem::path& path,
                                    const std::function<void()>& on_wait = {});
    // Never blocks: nullopt (no error) when another process holds the lock.
    static Result<std::optional<BlobLock>> try_acquire(const std::filesystem::path& path);
    BlobLock(BlobLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    BlobLock& operator=(BlobLock&&) = delete;
    BlobLock(const BlobLock&) = delete;
    ~BlobLock();

private:
    explicit BlobLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace openbook::hub
