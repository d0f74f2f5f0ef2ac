#include "hub/downloader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string_view>

#include "hub/hub_api.h"
#include "hub/hub_error.h"
#include "hub/names.h"
#include "hub/sha256.h"

namespace openbook::hub {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxRedirectHops = 5;
constexpr int kMaxAttempts = 20;  // each retry must have made progress; this only bounds a loop

struct Metadata {
    std::string etag;
    uint64_t size = 0;
    bool size_known = false;
    std::string location;  // where the bytes are (the CDN for LFS files)
};

// ETag: W/"abc" or "abc" → abc (huggingface_hub's _normalize_etag).
std::string normalize_etag(std::string etag) {
    if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
    while (!etag.empty() && etag.front() == '"') etag.erase(etag.begin());
    while (!etag.empty() && etag.back() == '"') etag.pop_back();
    return etag;
}

bool parse_u64(const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *out = v;
    return true;
}

Result<Metadata> head_file(const HubSettings& settings, const std::string& repo,
                           const std::string& commit, const std::string& file,
                           ModelErrorKind* kind) {
    std::string url = resolve_url(settings, repo, commit, file);
    for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
        HttpRequest request;
        request.method = "HEAD";
        request.url = url;
        request.headers = hub_headers(settings, url);
        // The real size, not a compressed one.
        request.headers.push_back("Accept-Encoding: identity");
        auto response = http_request(request);
        if (!response.has_value()) return unreachable(response.error(), settings, kind);

        Metadata meta;
        const bool redirect = response->status >= 300 && response->status < 400;
        if (redirect) {
            const std::string location = response->header("Location");
            if (location.empty()) {
                return fail(kind, ModelErrorKind::kCorrupt,
                            Status::corrupt(url + ": redirect without a Location"));
            }
            if (location.front() == '/') {  // a renamed repository: still the Hub, follow it
                url = url_origin(url) + location;
                continue;
            }
            meta.location = location;  // the CDN: its answer is not the Hub's, stop here
        } else if (response->status >= 200 && response->status < 300) {
            meta.location = url;
        } else {
            return http_error(*response, url, settings, repo, commit, file, kind);
        }
        std::string etag = response->header("X-Linked-Etag");
        if (etag.empty()) etag = response->header("ETag");
        meta.etag = normalize_etag(etag);
        if (meta.etag.empty()) {
            return fail(kind, ModelErrorKind::kCorrupt,
                        Status::corrupt(url + ": the Hub's answer has no ETag, so the file "
                                              "cannot be stored in the cache"));
        }
        if (auto st = check_etag(meta.etag); !st.ok()) {
            return fail(kind, ModelErrorKind::kCorrupt,
                        Status::corrupt(url + ": unusable ETag: " + st.message()));
        }
        std::string size = response->header("X-Linked-Size");
        if (size.empty() && !redirect) size = response->header("Content-Length");
        meta.size_known = parse_u64(size, &meta.size);
        return meta;
    }
    return fail(kind, ModelErrorKind::kCorrupt,
                Status::corrupt(url + ": too many redirects on the Hub"));
}

// An open file descriptor closed on scope exit.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Status truncate_file(int fd, const fs::path& path) {
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
        return Status::io_error(path.string() + ": " + std::strerror(errno));
    }
    return {};
}

// The first byte of a 206 answer: "bytes 100-199/200" → 100. False when missing or malformed.
bool content_range_start(const std::string& header, uint64_t* start) {
    static constexpr std::string_view kUnit = "bytes ";
    if (header.compare(0, kUnit.size(), kUnit) != 0) return false;
    const auto dash = header.find('-', kUnit.size());
    if (dash == std::string::npos) return false;
    return parse_u64(header.substr(kUnit.size(), dash - kUnit.size()), start);
}

// A plain file (no symlink) at the snapshot path with the expected size: a download made where
// symlinks are not supported (link_snapshot_file moved or copied the blob there).
bool have_plain_pointer(const fs::path& pointer, const Metadata& meta) {
    std::error_code ec;
    const auto status = fs::symlink_status(pointer, ec);
    if (ec || !fs::is_regular_file(status)) return false;
    return !meta.size_known || followed_size(pointer) == meta.size;
}

}  // namespace

Result<DownloadedFile> download_file(const HubSettings& settings, const RepoCache& cache,
                                     const std::string& commit, const FileToDownload& file,
                                     const DownloadProgressFn& progress, ModelErrorKind* kind) {
    auto io = [&](Status s) { return fail(kind, ModelErrorKind::kIo, std::move(s)); };
    OPENBOOK_ASSIGN_OR_RETURN(const Metadata meta,
                              head_file(settings, cache.repo, commit, file.file, kind));
    DownloadedFile out;
    out.pointer = cache.snapshot_dir(commit) / file.file;
    out.etag = meta.etag;
    const fs::path blob = cache.blob(meta.etag);
    const fs::path partial = cache.incomplete(meta.etag);

    auto have_blob = [&] {
        std::error_code ec;
        return fs::is_regular_file(blob, ec) &&
               (!meta.size_known || followed_size(blob) == meta.size);
    };
    auto finish = [&]() -> Result<DownloadedFile> {
        if (auto st = link_snapshot_file(cache, commit, file.file, meta.etag); !st.ok()) {
            return io(st);
        }
        // The pointer, not the blob: without symlinks the blob was moved there.
        out.bytes = followed_size(out.pointer);
        return out;
    };
    if (have_blob()) return finish();
    if (have_plain_pointer(out.pointer, meta)) {
        out.bytes = followed_size(out.pointer);
        return out;
    }

    std::error_code ec;
    fs::create_directories(cache.blobs_dir(), ec);
    if (ec) return io(Status::io_error(cache.blobs_dir().string() + ": " + ec.message()));
    const bool lfs = is_sha256_hex(meta.etag);
    const auto started = std::chrono::steady_clock::now();
    DownloadProgress report;
    report.repo = cache.repo;
    report.file = file.file;
    report.file_index = file.index;
    report.file_count = file.count;
    report.bytes_total = meta.size_known ? meta.size : 0;
    report.resumed_from = followed_size(partial);
    auto emit = [&](uint64_t done, bool finished) {
        if (!progress) return;
        report.bytes_done = done;
        report.finished = finished;
        report.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        progress(report);
    };

    // Another process (openbook or huggingface_hub) downloading the same blob holds the lock:
    // say so before waiting for it, rather than seeming to hang.
    auto lock = BlobLock::acquire(cache.lock(meta.etag), [&] {
        if (!progress) return;
        DownloadProgress waiting = report;
        waiting.note = "waiting for another download of " + file.file + " from " + cache.repo +
                       " to finish (lock " + cache.lock(meta.etag).string() + ")";
        progress(waiting);
    });
    if (!lock.has_value()) return io(lock.error());
    if (have_blob()) return finish();  // another process finished it while we waited
    if (have_plain_pointer(out.pointer, meta)) {
        out.bytes = followed_size(out.pointer);
        return out;
    }
    report.resumed_from = followed_size(partial);

    // Errors after bytes were written say where they are and that running again resumes.
    auto kept = [&](Status st) {
        const uint64_t size = followed_size(partial);
        if (size == 0) return st;
        return Status(st.code(), st.message() + "; the partial download was kept (" +
                                     partial.string() + ", " + std::to_string(size) +
                                     " bytes): run the same command again to resume it");
    };

    bool restarted_from_zero = false;
    for (int attempt = 1;; ++attempt) {
        Fd fd;
        fd.fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd.fd < 0) return io(Status::io_error(partial.string() + ": " + std::strerror(errno)));
        uint64_t have = followed_size(partial);
        if (meta.size_known && have > meta.size) {  // longer than the file: not ours
            if (auto st = truncate_file(fd.fd, partial); !st.ok()) return io(st);
            have = 0;
        }
        if (::lseek(fd.fd, static_cast<off_t>(have), SEEK_SET) < 0) {
            return io(Status::io_error(partial.string() + ": " + std::strerror(errno)));
        }
        report.resumed_from = std::min(report.resumed_from, have);
        const bool resumed = have > 0;
        auto hasher = std::make_unique<Sha256>();
        if (lfs && have > 0) {
            if (auto st = hash_file_prefix(partial, have, *hasher); !st.ok()) return io(st);
        }

        uint64_t done = have;
        uint64_t gained = 0;
        std::string sink_error;
        bool local_error = false;
        bool first_chunk = true;
        bool bad_range = false;  // a 206 that does not start where we asked
        const bool complete_already = meta.size_known && have == meta.size;
        if (!complete_already) {
            HttpRequest request;
            request.url = meta.location;
            request.follow_redirects = true;
            request.headers = hub_headers(settings, meta.location);
            if (have > 0) request.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
            request.sink_error = &sink_error;
            request.on_response = [&](const HttpResponse& answer) {
                if (answer.status != 206) return true;
                uint64_t start = 0;
                if (content_range_start(answer.header("Content-Range"), &start) && start == have) {
                    return true;
                }
                // Bytes from another offset than asked for would be written at the wrong place.
                bad_range = true;
                sink_error = meta.location + ": the server answered a request for bytes from " +
                             std::to_string(have) + " with Content-Range '" +
                             answer.header("Content-Range") + "'";
                return false;
            };
            request.sink = [&](long status, std::string_view chunk) {
                if (first_chunk) {
                    first_chunk = false;
                    // A 200 to a Range request is the whole file (a server or proxy ignored the
                    // range): keeping the prefix would corrupt it.
                    if (status != 206 && done > 0) {
                        if (auto st = truncate_file(fd.fd, partial); !st.ok()) {
                            sink_error = st.message();
                            local_error = true;
                            return false;
                        }
                        done = 0;
                        report.resumed_from = 0;
                        hasher = std::make_unique<Sha256>();
                    }
                }
                size_t off = 0;
                while (off < chunk.size()) {
                    ssize_t n = ::write(fd.fd, chunk.data() + off, chunk.size() - off);
                    if (n < 0 && errno == EINTR) continue;
                    if (n < 0) {
                        sink_error = partial.string() + ": write failed: " + std::strerror(errno);
                        local_error = true;
                        return false;
                    }
                    off += static_cast<size_t>(n);
                }
                if (lfs) hasher->update(chunk);
                done += chunk.size();
                gained += chunk.size();
                emit(done, false);
                return true;
            };
            auto response = http_request(request);
            if (!response.has_value()) {
                if (local_error) return io(kept(response.error()));
                if (bad_range && attempt < kMaxAttempts) {
                    // Discard what we had and fetch the whole file.
                    if (auto st = truncate_file(fd.fd, partial); !st.ok()) return io(st);
                    restarted_from_zero = true;
                    report.resumed_from = 0;
                    continue;
                }
                // A dropped connection: go on from where it stopped while it makes progress;
                // otherwise the partial file stays for the next run to resume.
                if (gained > 0 && attempt < kMaxAttempts) continue;
                return kept(unreachable(response.error(), settings, kind)
                                .with_context("downloading " + file.file + " from " + cache.repo));
            }
            if (response->status == 416 && !restarted_from_zero) {
                // The server has nothing past our length: the partial file is not a prefix
                // of this file. Start over.
                if (auto st = truncate_file(fd.fd, partial); !st.ok()) return io(st);
                restarted_from_zero = true;
                continue;
            }
            if (response->status < 200 || response->status >= 300) {
                return kept(http_error(*response, meta.location, settings, cache.repo, commit,
                                       file.file, kind)
                                .with_context("downloading " + file.file + " from " +
                                              cache.repo));
            }
        }
        if (::fsync(fd.fd) != 0) {
            return io(kept(Status::io_error(partial.string() + ": fsync: " + std::strerror(errno))));
        }
        const uint64_t got = followed_size(partial);
        if (meta.size_known && got < meta.size && gained > 0 && attempt < kMaxAttempts) {
            continue;  // the server ended the answer early without an error: resume
        }
        std::string problem;
        if (meta.size_known && got != meta.size) {
            problem = "is " + std::to_string(got) + " bytes, but the Hub says " +
                      std::to_string(meta.size);
        } else if (lfs) {
            const std::string digest = hasher->hex_digest();
            if (digest != lower_ascii(meta.etag)) {
                problem = "has SHA-256 " + digest + ", but the Hub says " + meta.etag;
            }
        }
        if (!problem.empty()) {
            ::unlink(partial.c_str());
            if (resumed && !restarted_from_zero) {
                // The bytes kept from an earlier download were bad: fetch it all once more.
                restarted_from_zero = true;
                report.resumed_from = 0;
                continue;
            }
            return fail(kind, ModelErrorKind::kCorrupt,
                        Status::corrupt("downloaded " + file.file + " from " + cache.repo + " (" +
                                        meta.location + ") " + problem +
                                        "; the download was deleted, try again"));
        }
        if (::rename(partial.c_str(), blob.c_str()) != 0) {
            return io(kept(
                Status::io_error("rename to " + blob.string() + ": " + std::strerror(errno))));
        }
        out.fetched = true;
        emit(got, true);
        break;
    }
    return finish();
}

}  // namespace openbook::hub
