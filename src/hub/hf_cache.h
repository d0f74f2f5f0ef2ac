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
// Thread-safety: stateless helpers; concurrent writers are serialized by the lock files.
#pragma once

#include <cstdint>
#include <filesystem>
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
// atomically (symlink under a temporary name, then rename).
Status link_snapshot_file(const RepoCache& cache, const std::string& commit,
                          const std::string& file, const std::string& etag);

// Size of what a path names after following symlinks; 0 when missing.
uint64_t followed_size(const std::filesystem::path& path);

// Repository ids ("ORG/NAME") with a models--ORG--NAME folder in the cache, sorted.
std::vector<std::string> cached_repos(const std::filesystem::path& cache_dir);

// An exclusive flock() on a lock file, waiting for other holders (huggingface_hub's filelock
// takes the same kind of lock on the same file, so the two wait for each other).
class BlobLock {
public:
    static Result<BlobLock> acquire(const std::filesystem::path& path);
    BlobLock(BlobLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    BlobLock& operator=(BlobLock&&) = delete;
    BlobLock(const BlobLock&) = delete;
    ~BlobLock();

private:
    explicit BlobLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace openbook::hub
