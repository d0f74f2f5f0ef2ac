// A fake Hugging Face Hub on 127.0.0.1 (random port) for tests: it speaks the protocol
// huggingface_hub and openbook use — the model-info API, HEAD/GET on resolve URLs with a 302 to
// a "CDN" URL for LFS files, ETag / X-Repo-Commit / X-Linked-Etag / X-Linked-Size headers,
// Range requests, 401 + X-Error-Code for gated and missing repositories, 404 for missing
// revisions and files — and can misbehave on purpose: drop the connection mid-file once, serve
// corrupted bytes, answer errors, answer a Range request from the wrong offset. Every request is logged for the tests to inspect. The CDN URLs it redirects
// to name "localhost" instead of 127.0.0.1: another origin, like the real CDN.
//
// The server listens from the constructor on (the socket is bound and listening before it
// returns, so no test waits or sleeps for it) until stop() or destruction.
// Thread-safety: the configuration methods and the log may be used while requests are served.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace openbook::testing {

struct FakeHubFile {
    std::string name;     // path in the repository
    std::string content;
    bool lfs = true;      // LFS files redirect to the CDN and carry X-Linked-Etag = SHA-256
};

struct FakeHubRepo {
    std::string id;       // "ORG/NAME"
    std::string commit;   // 40 hex digits; "main" resolves to it
    std::vector<FakeHubFile> files;
    bool gated = false;   // resolve URLs need "Authorization: Bearer <token>"
    std::map<std::string, std::string> revisions;  // other branches/tags → commit
};

struct FakeHubRequest {
    std::string method;
    std::string path;
    std::string range;          // the Range header, "" when none
    std::string authorization;  // the Authorization header, "" when none
};

class HubTestServer {
public:
    HubTestServer();
    ~HubTestServer();
    HubTestServer(const HubTestServer&) = delete;
    HubTestServer& operator=(const HubTestServer&) = delete;

    std::string endpoint() const;  // "http://127.0.0.1:PORT"
    void add_repo(FakeHubRepo repo);
    void set_token(std::string token);  // the token that opens gated repositories
    // The next GET of this file's bytes closes the connection after `bytes` bytes (once).
    void drop_after(const std::string& file, uint64_t bytes);
    // Serve this file with its last byte flipped (the ETag stays the true SHA-256).
    void corrupt(const std::string& file, bool on = true);
    // The next `times` GETs of this file's bytes answer HTTP `status` (e.g. 503) instead
    // (after a pending drop_after of the file has happened).
    void fail_next(const std::string& file, int status, int times = 1);
    // The next GET of this file's bytes with a Range header (once) answers 206 with bytes and a
    // Content-Range starting `shift` bytes after the offset asked for: a broken proxy.
    void wrong_content_range(const std::string& file, uint64_t shift);
    void stop();  // later connections are refused

    std::vector<FakeHubRequest> requests() const;
    // Requests whose method matches (empty: any) and whose path contains `path_part`.
    size_t count(std::string_view method, std::string_view path_part) const;
    void clear_requests();

    static std::string sha256_hex(std::string_view bytes);
    // A 40-digit commit hash made from a seed.
    static std::string make_commit(std::string_view seed);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::testing
