#include "hub/hf_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string_view>

#include "core/fs.h"
#include "hub/names.h"

namespace openbook::hub {

namespace fs = std::filesystem;

fs::path RepoCache::lock(const std::string& etag) const {
    return cache_dir / ".locks" / repo_folder_name(repo) / (etag + ".lock");
}

RepoCache repo_cache(const fs::path& cache_dir, const std::string& repo) {
    return RepoCache{cache_dir, repo, cache_dir / repo_folder_name(repo)};
}

bool is_commit_hash(const std::string& revision) {
    return revision.size() == 40 && std::all_of(revision.begin(), revision.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
           });
}

std::string cached_commit(const RepoCache& cache, const std::string& revision) {
    if (is_commit_hash(revision)) return revision;
    if (!check_revision(revision).ok()) return {};
    std::ifstream in(cache.ref(revision));
    if (!in) return {};
    std::string commit;
    std::getline(in, commit);
    while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) {
        commit.pop_back();
    }
    return is_commit_hash(commit) ? commit : std::string();
}

std::vector<std::string> snapshot_files(const RepoCache& cache, const std::string& commit) {
    std::vector<std::string> names;
    const fs::path dir = cache.snapshot_dir(commit);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return names;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        std::error_code e2;
        if (it->is_directory(e2)) continue;  // follows symlinks: a link to a blob is a file
        if (!it->exists(e2)) continue;        // a dangling link: the blob is gone
        names.push_back(it->path().lexically_relative(dir).generic_string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> snapshot_commits(const RepoCache& cache) {
    std::vector<std::string> commits;
    std::error_code ec;
    // Explicit increment(ec): a range-for would throw when reading the next entry fails.
    for (auto it = fs::directory_iterator(cache.root / "snapshots", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code e2;
        if (it->is_directory(e2)) commits.push_back(it->path().filename().string());
    }
    std::sort(commits.begin(), commits.end());
    return commits;
}

std::vector<std::string> refs_to(const RepoCache& cache, const std::string& commit) {
    std::vector<std::string> revisions;
    const fs::path dir = cache.root / "refs";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        std::error_code e2;
        if (!it->is_regular_file(e2)) continue;
        const std::string revision = it->path().lexically_relative(dir).generic_string();
        if (cached_commit(cache, revision) == commit) revisions.push_back(revision);
    }
    std::sort(revisions.begin(), revisions.end());
    return revisions;
}

Status write_ref(const RepoCache& cache, const std::string& revision, const std::string& commit) {
    if (revision == commit) return {};
    if (cached_commit(cache, revision) == commit) return {};
    const fs::path path = cache.ref(revision);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::io_error(path.parent_path().string() + ": " + ec.message());
    return core::write_file_atomic(path, commit);
}

namespace {

SymlinkFunction g_symlink = &::symlink;

// errno values of symlink() on file systems that cannot hold symlinks at all.
bool symlinks_unsupported(int err) {
    return err == EPERM || err == EOPNOTSUPP || err == ENOTSUP || err == ENOSYS;
}

std::string temporary_name(const fs::path& path) {
    std::random_device rd;
    return path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
}

// The blob a snapshot symlink points to ("" for a plain file or a link elsewhere).
std::string linked_blob(const fs::path& entry) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(entry, ec))) return {};
    const fs::path target = fs::read_symlink(entry, ec);
    if (ec || target.parent_path().filename() != "blobs") return {};
    return target.filename().string();
}

// Where symlinks are not supported: the blob itself (moved) or a copy becomes the entry.
Status place_blob_without_symlink(const RepoCache& cache, const std::string& etag,
                                  const fs::path& pointer) {
    const fs::path blob = cache.blob(etag);
    if (!blob_is_linked(cache, etag)) {
        if (::rename(blob.c_str(), pointer.c_str()) != 0) {
            return Status::io_error("moving " + blob.string() + " to " + pointer.string() + ": " +
                                    std::strerror(errno));
        }
        return {};
    }
    const fs::path tmp = temporary_name(pointer);
    std::error_code ec;
    fs::copy_file(blob, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return Status::io_error("copying " + blob.string() + " to " + tmp.string() + ": " +
                                ec.message());
    }
    if (::rename(tmp.c_str(), pointer.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Status::io_error("rename to " + pointer.string() + ": " + std::strerror(err));
    }
    return {};
}

}  // namespace

SymlinkFunction set_symlink_function_for_testing(SymlinkFunction fn) {
    SymlinkFunction previous = g_symlink;
    g_symlink = fn != nullptr ? fn : &::symlink;
    return previous;
}

bool blob_is_linked(const RepoCache& cache, const std::string& etag) {
    for (const auto& commit : snapshot_commits(cache)) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(cache.snapshot_dir(commit), ec);
             !ec && it != fs::end(it); it.increment(ec)) {
            if (linked_blob(it->path()) == etag) return true;
        }
    }
    return false;
}

Status link_snapshot_file(const RepoCache& cache, const std::string& commit,
                          const std::string& file, const std::string& etag) {
    const fs::path pointer = cache.snapshot_dir(commit) / file;
    std::error_code ec;
    fs::create_directories(pointer.parent_path(), ec);
    if (ec) return Status::io_error(pointer.parent_path().string() + ": " + ec.message());
    // Relative, so the cache still works after being moved or mounted elsewhere.
    const fs::path target = cache.blob(etag).lexically_relative(pointer.parent_path());
    const std::string tmp = temporary_name(pointer);
    if (g_symlink(target.c_str(), tmp.c_str()) != 0) {
        const int err = errno;
        if (symlinks_unsupported(err)) return place_blob_without_symlink(cache, etag, pointer);
        return Status::io_error("symlink " + tmp + ": " + std::strerror(err));
    }
    if (::rename(tmp.c_str(), pointer.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Status::io_error("rename to " + pointer.string() + ": " + std::strerror(err));
    }
    return {};
}

Status write_listing(const RepoCache& cache, const std::string& commit,
                     const std::vector<std::string>& files) {
    if (!is_commit_hash(commit)) return {};
    std::vector<std::string> sorted = files;
    std::sort(sorted.begin(), sorted.end());
    std::string text;
    for (const auto& f : sorted) text += f + "\n";
    const fs::path path = cache.listing(commit);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::io_error(path.parent_path().string() + ": " + ec.message());
    return core::write_file_atomic(path, text);
}

std::optional<std::vector<std::string>> read_listing(const RepoCache& cache,
                                                     const std::string& commit) {
    if (!is_commit_hash(commit)) return std::nullopt;
    std::ifstream in(cache.listing(commit));
    if (!in) return std::nullopt;
    std::vector<std::string> files;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && check_repo_file_name(line).ok()) files.push_back(line);
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<fs::path> partial_downloads(const RepoCache& cache) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (auto it = fs::directory_iterator(cache.blobs_dir(), ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        static constexpr std::string_view kSuffix = ".incomplete";
        if (name.size() <= kSuffix.size() ||
            name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
            continue;
        }
        std::error_code e2;
        if (it->is_regular_file(e2)) out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t followed_size(const fs::path& path) {
    std::error_code ec;
    auto n = fs::file_size(path, ec);
    return ec ? 0 : static_cast<uint64_t>(n);
}

std::vector<std::string> cached_repos(const fs::path& cache_dir) {
    std::vector<std::string> repos;
    std::error_code ec;
    for (auto it = fs::directory_iterator(cache_dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code e2;
        if (name.rfind("models--", 0) != 0 || !it->is_directory(e2)) continue;
        const std::string rest = name.substr(8);
        const auto sep = rest.find("--");
        if (sep == std::string::npos) continue;  // "models--gpt2": no namespace, not ORG/NAME
        std::string repo = rest.substr(0, sep) + "/" + rest.substr(sep + 2);
        if (check_repo_id(repo).ok()) repos.push_back(repo);
    }
    std::sort(repos.begin(), repos.end());
    return repos;
}

namespace {

Result<int> open_lock_file(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::io_error(path.parent_path().string() + ": " + ec.message());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::io_error(path.string() + ": " + std::strerror(errno));
    return fd;
}

// flock with EINTR retried: 0, or the errno.
int flock_retrying(int fd, int operation) {
    while (::flock(fd, operation) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

}  // namespace

Result<BlobLock> BlobLock::acquire(const fs::path& path, const std::function<void()>& on_wait) {
    OPENBOOK_ASSIGN_OR_RETURN(const int fd, open_lock_file(path));
    int err = flock_retrying(fd, LOCK_EX | LOCK_NB);
    if (err == EWOULDBLOCK || err == EAGAIN) {
        if (on_wait) on_wait();  // another process is writing this blob: say so, then wait
        err = flock_retrying(fd, LOCK_EX);
    }
    if (err != 0) {
        ::close(fd);
        return Status::io_error("locking " + path.string() + ": " + std::strerror(err));
    }
    return BlobLock(fd);
}

Result<std::optional<BlobLock>> BlobLock::try_acquire(const fs::path& path) {
    OPENBOOK_ASSIGN_OR_RETURN(const int fd, open_lock_file(path));
    const int err = flock_retrying(fd, LOCK_EX | LOCK_NB);
    if (err == 0) return std::optional<BlobLock>(BlobLock(fd));
    ::close(fd);
    if (err == EWOULDBLOCK || err == EAGAIN) return std::optional<BlobLock>();
    return Status::io_error("locking " + path.string() + ": " + std::strerror(err));
}

BlobLock::~BlobLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

}  // namespace openbook::hub
