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
    for (const auto& e : fs::directory_iterator(cache.root / "snapshots", ec)) {
        if (e.is_directory(ec)) commits.push_back(e.path().filename().string());
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

Status link_snapshot_file(const RepoCache& cache, const std::string& commit,
                          const std::string& file, const std::string& etag) {
    const fs::path pointer = cache.snapshot_dir(commit) / file;
    std::error_code ec;
    fs::create_directories(pointer.parent_path(), ec);
    if (ec) return Status::io_error(pointer.parent_path().string() + ": " + ec.message());
    // Relative, so the cache still works after being moved or mounted elsewhere.
    const fs::path target = cache.blob(etag).lexically_relative(pointer.parent_path());
    std::random_device rd;
    fs::path tmp = pointer;
    tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
    if (::symlink(target.c_str(), tmp.c_str()) != 0) {
        return Status::io_error("symlink " + tmp.string() + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), pointer.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Status::io_error("rename to " + pointer.string() + ": " + std::strerror(err));
    }
    return {};
}

uint64_t followed_size(const fs::path& path) {
    std::error_code ec;
    auto n = fs::file_size(path, ec);
    return ec ? 0 : static_cast<uint64_t>(n);
}

std::vector<std::string> cached_repos(const fs::path& cache_dir) {
    std::vector<std::string> repos;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("models--", 0) != 0 || !e.is_directory(ec)) continue;
        const std::string rest = name.substr(8);
        const auto sep = rest.find("--");
        if (sep == std::string::npos) continue;  // "models--gpt2": no namespace, not ORG/NAME
        std::string repo = rest.substr(0, sep) + "/" + rest.substr(sep + 2);
        if (check_repo_id(repo).ok()) repos.push_back(repo);
    }
    std::sort(repos.begin(), repos.end());
    return repos;
}

Result<BlobLock> BlobLock::acquire(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::io_error(path.parent_path().string() + ": " + ec.message());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::io_error(path.string() + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return Status::io_error("locking " + path.string() + ": " + std::strerror(err));
    }
    return BlobLock(fd);
}

BlobLock::~BlobLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

}  // namespace openbook::hub
