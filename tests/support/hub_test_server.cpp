#include "support/hub_test_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>

namespace openbook::testing {

namespace {

std::string hex(const unsigned char* data, size_t n) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += kHex[data[i] >> 4];
        out += kHex[data[i] & 15];
    }
    return out;
}

// "\"text\"", built by appending (g++ 12 warns falsely on "\"" + string + "\"").
std::string quoted(const std::string& text) {
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

void hub_error(httplib::Response& res, int status, const std::string& code,
               const std::string& message) {
    res.status = status;
    res.set_header("X-Error-Code", code);
    res.set_header("X-Error-Message", message);
    res.set_content(message, "text/plain");
}

}  // namespace

struct HubTestServer::Impl {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    bool stopped = false;

    mutable std::mutex mu;
    std::map<std::string, FakeHubRepo> repos;
    std::map<std::string, std::pair<std::string, std::string>> blobs;  // sha → (file, bytes)
    std::string token;
    std::map<std::string, uint64_t> drops;  // file → bytes before the drop
    std::map<std::string, bool> corrupted;
    std::map<std::string, std::pair<int, int>> failures;  // file → (status, times left)
    std::map<std::string, uint64_t> range_shifts;         // file → shift of the next 206
    std::vector<FakeHubRequest> log;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }
    // The "CDN" is the same server under another host name: a different origin, as the real
    // CDN is, so clients must not send it the Hub token.
    std::string cdn() const { return "http://localhost:" + std::to_string(port) + "/cdn/"; }

    // The commit a revision names in a repository, "" when none.
    static std::string commit_of(const FakeHubRepo& repo, const std::string& revision) {
        if (revision == "main" || revision == repo.commit) return repo.commit;
        auto it = repo.revisions.find(revision);
        return it == repo.revisions.end() ? std::string() : it->second;
    }

    bool authorized(const FakeHubRepo& repo, const httplib::Request& req) const {
        return !repo.gated ||
               (!token.empty() && req.get_header_value("Authorization") == "Bearer " + token);
    }

    void model_info(const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu);
        const std::string id = req.matches[1].str() + "/" + req.matches[2].str();
        auto it = repos.find(id);
        if (it == repos.end()) {
            // As the real Hub: unknown (or private) repositories answer 401 to anonymous users.
            hub_error(res, 401, "RepoNotFound", "Repository not found");
            return;
        }
        const std::string commit = commit_of(it->second, req.matches[3].str());
        if (commit.empty()) {
            hub_error(res, 404, "RevisionNotFound", "Invalid rev id: " + req.matches[3].str());
            return;
        }
        // Metadata of gated repositories is public on the Hub; only their files are gated.
        std::string siblings;
        for (const auto& f : it->second.files) {
            if (!siblings.empty()) siblings += ',';
            siblings += "{\"rfilename\":" + quoted(f.name) + "}";
        }
        const std::string json = "{\"_id\":\"x\",\"id\":\"" + id + "\",\"modelId\":\"" + id +
                                 "\",\"sha\":\"" + commit + "\",\"private\":false,\"gated\":" +
                                 (it->second.gated ? "\"manual\"" : "false") +
                                 ",\"tags\":[\"gguf\"],\"siblings\":[" + siblings + "]}";
        res.set_content(json, "application/json");
    }

    void resolve(const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu);
        const std::string id = req.matches[1].str() + "/" + req.matches[2].str();
        const std::string revision = req.matches[3].str();
        const std::string name = req.matches[4].str();
        auto it = repos.find(id);
        if (it == repos.end()) {
            hub_error(res, 401, "RepoNotFound", "Repository not found");
            return;
        }
        const FakeHubRepo& repo = it->second;
        if (!authorized(repo, req)) {
            hub_error(res, 401, "GatedRepo",
                      "Access to model " + id + " is restricted. You must have access to it "
                      "and be authenticated to access it. Please log in.");
            return;
        }
        const std::string commit = commit_of(repo, revision);
        if (commit.empty()) {
            hub_error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        auto file = std::find_if(repo.files.begin(), repo.files.end(),
                                 [&](const FakeHubFile& f) { return f.name == name; });
        if (file == repo.files.end()) {
            hub_error(res, 404, "EntryNotFound", name + " does not exist on \"" + revision + "\"");
            return;
        }
        res.set_header("X-Repo-Commit", commit);
        const std::string sha = sha256_hex(file->content);
        if (file->lfs) {
            res.status = 302;
            res.set_header("Location", cdn() + sha);
            res.set_header("ETag", quoted(make_commit(name)));  // the pointer file's
            res.set_header("X-Linked-Etag", quoted(sha));
            res.set_header("X-Linked-Size", std::to_string(file->content.size()));
            res.set_content("Found. Redirecting to " + cdn() + sha, "text/plain");
            return;
        }
        res.set_header("ETag", quoted(sha.substr(0, 40)));  // a git blob id
        res.set_content(file->content, "application/octet-stream");
    }

    void cdn(const httplib::Request& req, httplib::Response& res) {
        std::string name, bytes;
        uint64_t drop_at = UINT64_MAX;
        {
            std::lock_guard<std::mutex> lock(mu);
            auto it = blobs.find(req.matches[1].str());
            if (it == blobs.end()) {
                res.status = 404;
                res.set_content("no such blob", "text/plain");
                return;
            }
            name = it->second.first;
            bytes = it->second.second;
            if (corrupted[name] && !bytes.empty()) bytes.back() = static_cast<char>(~bytes.back());
            // A pending drop comes first: drop_after + fail_next = a drop, then failures.
            if (auto f = failures.find(name);
                f != failures.end() && req.method == "GET" && drops.count(name) == 0) {
                // httplib would apply a Range to the error page too (and answer 416).
                const_cast<httplib::Request&>(req).ranges.clear();
                res.status = f->second.first;
                res.set_content("failing on purpose", "text/plain");
                if (--f->second.second <= 0) failures.erase(f);
                return;
            }
            if (auto d = drops.find(name); d != drops.end() && req.method == "GET") {
                drop_at = d->second;
                drops.erase(d);
            }
            if (auto r = range_shifts.find(name);
                r != range_shifts.end() && req.method == "GET" && req.ranges.size() == 1 &&
                req.ranges[0].first >= 0) {
                const size_t start = std::min<size_t>(
                    static_cast<size_t>(req.ranges[0].first) + r->second, bytes.size());
                range_shifts.erase(r);
                // httplib would cut the body to the Range asked for: answer it ourselves.
                const_cast<httplib::Request&>(req).ranges.clear();
                res.status = 206;
                res.set_header("Content-Range", "bytes " + std::to_string(start) + "-" +
                                                    std::to_string(bytes.size() - 1) + "/" +
                                                    std::to_string(bytes.size()));
                res.set_content(bytes.substr(start), "application/octet-stream");
                return;
            }
        }
        // httplib applies the Range header to the provider: it asks for [offset, offset+len).
        auto data = std::make_shared<std::string>(std::move(bytes));
        res.set_content_provider(
            data->size(), "application/octet-stream",
            [data, drop_at](size_t offset, size_t length, httplib::DataSink& sink) {
                size_t n = std::min<size_t>(length, 16 * 1024);
                if (offset < drop_at && offset + n > drop_at) {
                    sink.write(data->data() + offset, static_cast<size_t>(drop_at - offset));
                    return false;  // closes the connection mid-file
                }
                return sink.write(data->data() + offset, n);
            });
    }
};

HubTestServer::HubTestServer() : impl_(std::make_unique<Impl>()) {
    Impl* impl = impl_.get();
    // Logged before the answer is written, so a client that got its answer always finds its
    // request in the log.
    impl->server.set_pre_routing_handler([impl](const httplib::Request& req, httplib::Response&) {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->log.push_back({req.method, req.path, req.get_header_value("Range"),
                             req.get_header_value("Authorization")});
        return httplib::Server::HandlerResponse::Unhandled;
    });
    impl->server.Get(R"(/api/models/([^/]+)/([^/]+)/revision/([^/]+))",
                     [impl](const httplib::Request& q, httplib::Response& r) { impl->model_info(q, r); });
    impl->server.Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))",
                     [impl](const httplib::Request& q, httplib::Response& r) { impl->resolve(q, r); });
    impl->server.Get(R"(/cdn/([0-9a-f]{64}))",
                     [impl](const httplib::Request& q, httplib::Response& r) { impl->cdn(q, r); });
    // Bound and listening when this returns: connections queue until the thread accepts them.
    impl->port = impl->server.bind_to_any_port("127.0.0.1");
    if (impl->port <= 0) {
        ADD_FAILURE() << "the fake Hub could not bind a port on 127.0.0.1";
        impl->stopped = true;
        return;
    }
    impl->thread = std::thread([impl] { impl->server.listen_after_bind(); });
    // httplib's stop() does nothing until the accept loop has started, so a server stopped at
    // once would never stop: wait for the loop (microseconds; not a sleep).
    while (!impl->server.is_running()) std::this_thread::yield();
}

HubTestServer::~HubTestServer() { stop(); }

void HubTestServer::stop() {
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::string HubTestServer::endpoint() const { return impl_->endpoint(); }

void HubTestServer::add_repo(FakeHubRepo repo) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (const auto& f : repo.files) impl_->blobs[sha256_hex(f.content)] = {f.name, f.content};
    impl_->repos[repo.id] = std::move(repo);
}

void HubTestServer::set_token(std::string token) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->token = std::move(token);
}

void HubTestServer::drop_after(const std::string& file, uint64_t bytes) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->drops[file] = bytes;
}

void HubTestServer::corrupt(const std::string& file, bool on) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->corrupted[file] = on;
}

void HubTestServer::fail_next(const std::string& file, int status, int times) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->failures[file] = {status, times};
}

void HubTestServer::wrong_content_range(const std::string& file, uint64_t shift) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->range_shifts[file] = shift;
}

std::vector<FakeHubRequest> HubTestServer::requests() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->log;
}

size_t HubTestServer::count(std::string_view method, std::string_view path_part) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return static_cast<size_t>(std::count_if(impl_->log.begin(), impl_->log.end(), [&](const auto& r) {
        return (method.empty() || r.method == method) &&
               r.path.find(path_part) != std::string::npos;
    }));
}

void HubTestServer::clear_requests() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->log.clear();
}

std::string HubTestServer::sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
    return hex(digest, n);
}

std::string HubTestServer::make_commit(std::string_view seed) {
    return sha256_hex(seed).substr(0, 40);
}

}  // namespace openbook::testing
