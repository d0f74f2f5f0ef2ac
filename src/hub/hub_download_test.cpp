// The Hub client against a fake Hub on 127.0.0.1 (tests/support/hub_test_server.h): pulls, the
// cache layout huggingface_hub expects, cache hits without a network, resumes, hash checks,
// gated repositories, split models, removal and listing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <optional>
#include <random>

#include "hub/hf_cache.h"
#include "hub/http_client.h"
#include "openbook/hub.h"
#include "support/hub_test_server.h"
#include "support/test_support.h"

namespace openbook {
namespace {

namespace fs = std::filesystem;
using testing::FakeHubFile;
using testing::FakeHubRepo;
using testing::HubTestServer;

constexpr const char* kRepo = "Qwen/Qwen2.5-0.5B-Instruct-GGUF";
constexpr const char* kFile = "qwen2.5-0.5b-instruct-q4_k_m.gguf";

std::string random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

class HubDownloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);  // a proxy in the environment must not
        ::setenv("no_proxy", "127.0.0.1,localhost", 1);  // see the fake Hub's requests
        model_ = random_bytes(300 * 1024, 1);
        commit_ = HubTestServer::make_commit("c1");
        server_.add_repo(FakeHubRepo{kRepo,
                                     commit_,
                                     {{kFile, model_, true},
                                      {"qwen2.5-0.5b-instruct-q8_0.gguf", random_bytes(1000, 2), true},
                                      {"README.md", "# Qwen\n", false}}});
        settings_.endpoint = server_.endpoint();
        settings_.cache_dir = dir_ / "hub";
        settings_.ollama_dir = dir_ / "ollama";
    }

    fs::path repo_root() const { return settings_.cache_dir / "models--Qwen--Qwen2.5-0.5B-Instruct-GGUF"; }

    Result<ResolvedModel> resolve(const std::string& ref, ResolveOptions options = {},
                                  ModelErrorKind* kind = nullptr) {
        return resolve_model(ref, settings_, options, kind);
    }

    testing::TempDir dir_;
    HubTestServer server_;
    HubSettings settings_;
    std::string model_;
    std::string commit_;
};

TEST_F(HubDownloadTest, FreshPullWritesHuggingfaceHubLayout) {
    std::vector<DownloadProgress> reports;
    ResolveOptions options;
    options.progress = [&](const DownloadProgress& p) { reports.push_back(p); };
    auto r = resolve(std::string(kRepo) + ":q4_k_m", options);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->downloaded);
    EXPECT_EQ(r->commit, commit_);
    EXPECT_EQ(r->files, std::vector<std::string>{kFile});
    EXPECT_EQ(r->bytes, model_.size());

    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path snapshot_file = repo_root() / "snapshots" / commit_ / kFile;
    EXPECT_EQ(r->path, snapshot_file);
    ASSERT_TRUE(fs::is_symlink(snapshot_file));
    EXPECT_EQ(fs::read_symlink(snapshot_file), fs::path("../../blobs") / sha);  // relative
    EXPECT_EQ(testing::read_file(repo_root() / "blobs" / sha), model_);
    EXPECT_EQ(testing::read_file(repo_root() / "refs/main"), commit_);
    EXPECT_FALSE(fs::exists(repo_root() / "blobs" / (sha + ".incomplete")));

    ASSERT_FALSE(reports.empty());
    EXPECT_TRUE(reports.back().finished);
    EXPECT_EQ(reports.back().bytes_done, model_.size());
    EXPECT_EQ(reports.back().bytes_total, model_.size());
    EXPECT_EQ(reports.back().file, kFile);
    // The Hub saw the model-info API, a HEAD on the resolve URL and one GET on the CDN.
    EXPECT_EQ(server_.count("GET", "/api/models/Qwen/Qwen2.5-0.5B-Instruct-GGUF/revision/main"), 1u);
    EXPECT_EQ(server_.count("HEAD", "/resolve/" + commit_ + "/" + kFile), 1u);
    EXPECT_EQ(server_.count("GET", "/cdn/" + sha), 1u);
}

TEST_F(HubDownloadTest, CacheHitNeedsNoNetwork) {
    ASSERT_TRUE(resolve(std::string(kRepo) + ":" + kFile).has_value());
    server_.clear_requests();
    auto again = resolve(std::string(kRepo) + ":Q4_K_M");
    ASSERT_TRUE(again.has_value()) << again.error().to_string();
    EXPECT_FALSE(again->downloaded);
    EXPECT_EQ(server_.requests().size(), 0u);

    server_.stop();
    auto stopped = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(stopped.has_value()) << stopped.error().to_string();
    settings_.offline = true;
    auto offline = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(offline.has_value()) << offline.error().to_string();
    EXPECT_EQ(testing::read_file(offline->path), model_);
}

TEST_F(HubDownloadTest, OfflineWithoutCacheIsNotDownloaded) {
    settings_.offline = true;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve("qwen2.5:0.5b", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotDownloaded);
    EXPECT_TRUE(is_offline_error(kind));
    EXPECT_NE(r.error().message().find("qwen2.5:0.5b"), std::string::npos);
    EXPECT_NE(r.error().message().find("not downloaded"), std::string::npos);
    EXPECT_NE(r.error().message().find("HF_HUB_OFFLINE"), std::string::npos);
    EXPECT_EQ(server_.requests().size(), 0u);

    settings_.offline = false;
    ResolveOptions no_download;
    no_download.allow_download = false;
    EXPECT_FALSE(resolve("qwen2.5:0.5b", no_download, &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotDownloaded);
    EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(HubDownloadTest, UnreachableHubIsAnOfflineKindOfError) {
    server_.stop();
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kUnreachable);
    EXPECT_TRUE(is_offline_error(kind));
    EXPECT_NE(r.error().message().find(settings_.endpoint), std::string::npos);
}

TEST_F(HubDownloadTest, AliasResolvesThroughTheHub) {
    auto r = resolve("qwen2.5:0.5b");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->alias, "qwen2.5:0.5b");
    EXPECT_EQ(r->repo, kRepo);
    EXPECT_EQ(r->files, std::vector<std::string>{kFile});
}

TEST_F(HubDownloadTest, ResumesAfterADroppedConnection) {
    server_.drop_after(kFile, 100 * 1024);
    auto r = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), model_);
    // The second request asked only for what was missing.
    const std::string sha = HubTestServer::sha256_hex(model_);
    bool ranged = false;
    for (const auto& q : server_.requests()) {
        if (q.path == "/cdn/" + sha && q.range == "bytes=102400-") ranged = true;
    }
    EXPECT_TRUE(ranged);
    EXPECT_EQ(server_.count("GET", "/cdn/" + sha), 2u);
}

TEST_F(HubDownloadTest, ResumesAPartialFileLeftByAnEarlierRun) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    testing::write_file(repo_root() / "blobs" / (sha + ".incomplete"), model_.substr(0, 5000));
    auto r = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), model_);
    auto requests = server_.requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests.back().range, "bytes=5000-");
    EXPECT_FALSE(fs::exists(repo_root() / "blobs" / (sha + ".incomplete")));
}

TEST_F(HubDownloadTest, CorruptPartialFileIsCaughtByTheHashAndFetchedAgain) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    std::string bad = model_.substr(0, 5000);
    bad[10] = static_cast<char>(~bad[10]);
    testing::write_file(repo_root() / "blobs" / (sha + ".incomplete"), bad);
    auto r = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), model_);
    auto requests = server_.requests();
    EXPECT_EQ(requests.back().range, "");  // the retry started from zero
    EXPECT_EQ(server_.count("GET", "/cdn/" + sha), 2u);
}

TEST_F(HubDownloadTest, CorruptDownloadIsAClearErrorAndLeavesNothing) {
    server_.corrupt(kFile);
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kCorrupt);
    EXPECT_NE(r.error().message().find("SHA-256"), std::string::npos);
    EXPECT_NE(r.error().message().find(kFile), std::string::npos);
    const std::string sha = HubTestServer::sha256_hex(model_);
    EXPECT_FALSE(fs::exists(repo_root() / "blobs" / sha));
    EXPECT_FALSE(fs::exists(repo_root() / "blobs" / (sha + ".incomplete")));
    EXPECT_FALSE(fs::exists(repo_root() / "refs/main"));
}

TEST_F(HubDownloadTest, GatedRepositoryNeedsAToken) {
    const std::string commit = HubTestServer::make_commit("gated");
    server_.add_repo(FakeHubRepo{"taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit",
                                 commit,
                                 {{"taide-8b-a.3-q4_k_m.gguf", random_bytes(2048, 3), true}},
                                 true});
    server_.set_token("hf_secret");
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto denied = resolve("taide:8b", {}, &kind);
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAccessDenied);
    EXPECT_NE(denied.error().message().find("gated"), std::string::npos);
    EXPECT_NE(denied.error().message().find("HF_TOKEN"), std::string::npos);
    EXPECT_NE(denied.error().message().find(settings_.endpoint +
                                            "/taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit"),
              std::string::npos);

    settings_.token = "hf_wrong";
    settings_.token_source = "HF_TOKEN";
    EXPECT_FALSE(resolve("taide:8b", {}, &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAccessDenied);

    settings_.token = "hf_secret";
    server_.clear_requests();
    auto ok = resolve("taide:8b", {}, &kind);
    ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
    // The token went to the Hub, never to the CDN.
    for (const auto& q : server_.requests()) {
        if (q.path.rfind("/cdn/", 0) == 0) {
            EXPECT_EQ(q.authorization, "");
        } else {
            EXPECT_EQ(q.authorization, "Bearer hf_secret") << q.path;
        }
    }
}

TEST_F(HubDownloadTest, MissingRepositoryRevisionAndFile) {
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto repo = resolve("nobody/nothing:q4_k_m", {}, &kind);
    ASSERT_FALSE(repo.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(repo.error().message().find("nobody/nothing"), std::string::npos);

    ResolveOptions options;
    options.revision = "v9";
    auto revision = resolve(std::string(kRepo) + ":q4_k_m", options, &kind);
    ASSERT_FALSE(revision.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(revision.error().message().find("v9"), std::string::npos);

    auto file = resolve(std::string(kRepo) + ":q2_k", {}, &kind);
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(file.error().message().find(kFile), std::string::npos);  // lists what exists
}

TEST_F(HubDownloadTest, AmbiguousQuantListsCandidates) {
    server_.add_repo(FakeHubRepo{"org/multi",
                                 HubTestServer::make_commit("multi"),
                                 {{"a-q4_k_m.gguf", "a", true}, {"b-Q4_K_M.gguf", "b", true}}});
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve("org/multi:q4_k_m", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_NE(r.error().message().find("a-q4_k_m.gguf"), std::string::npos);
    EXPECT_NE(r.error().message().find("b-Q4_K_M.gguf"), std::string::npos);
}

TEST_F(HubDownloadTest, SplitModelPullsEveryPart) {
    const std::string commit = HubTestServer::make_commit("split");
    std::vector<FakeHubFile> files = {
        {"qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", random_bytes(4000, 4), true},
        {"qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf", random_bytes(3000, 5), true},
        {"qwen2.5-7b-instruct-q8_0.gguf", random_bytes(10, 6), true}};
    server_.add_repo(FakeHubRepo{"Qwen/Qwen2.5-7B-Instruct-GGUF", commit, files});
    auto r = resolve("Qwen/Qwen2.5-7B-Instruct-GGUF:q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(r->parts.size(), 2u);
    EXPECT_EQ(r->path.filename(), "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf");
    EXPECT_EQ(testing::read_file(r->parts[1]), files[1].content);
    EXPECT_EQ(r->bytes, 7000u);

    auto listed = list_installed_models(settings_);
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().files.size(), 2u);
    EXPECT_TRUE(listed->front().aliases.empty());  // no alias names a split set
    EXPECT_EQ(listed->front().bytes, 7000u);
}

TEST_F(HubDownloadTest, Qwen7bAliasIsASingleFile) {
    // The engine loads no split GGUF: the alias takes bartowski's single-file Q4_K_M.
    const std::string file = "Qwen2.5-7B-Instruct-Q4_K_M.gguf";
    server_.add_repo(FakeHubRepo{"bartowski/Qwen2.5-7B-Instruct-GGUF",
                                 HubTestServer::make_commit("q7"),
                                 {{file, random_bytes(5000, 8), true},
                                  {"Qwen2.5-7B-Instruct-Q8_0.gguf", random_bytes(10, 9), true}}});
    auto r = resolve("qwen2.5:7b");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->repo, "bartowski/Qwen2.5-7B-Instruct-GGUF");
    EXPECT_EQ(r->files, std::vector<std::string>{file});
    EXPECT_EQ(r->parts.size(), 1u);
    auto listed = list_installed_models(settings_);
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().aliases, std::vector<std::string>{"qwen2.5:7b"});
}

// symlink(2) as on exFAT or an SMB share: not supported.
int symlink_not_supported(const char*, const char*) {
    errno = EPERM;
    return -1;
}

// Replaces symlink creation for one test.
class NoSymlinks {
public:
    NoSymlinks() : previous_(hub::set_symlink_function_for_testing(&symlink_not_supported)) {}
    ~NoSymlinks() { hub::set_symlink_function_for_testing(previous_); }

private:
    hub::SymlinkFunction previous_;
};

TEST_F(HubDownloadTest, WithoutSymlinksTheBlobMovesIntoTheSnapshot) {
    NoSymlinks no_symlinks;
    const std::string sha = HubTestServer::sha256_hex(model_);
    auto r = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    const fs::path entry = repo_root() / "snapshots" / commit_ / kFile;
    EXPECT_EQ(r->path, entry);
    EXPECT_FALSE(fs::is_symlink(entry));
    EXPECT_TRUE(fs::is_regular_file(entry));
    EXPECT_EQ(testing::read_file(entry), model_);
    EXPECT_FALSE(fs::exists(repo_root() / "blobs" / sha));  // moved, not copied
    EXPECT_EQ(r->bytes, model_.size());

    // The cache answers without a request, and a pull does not fetch it again.
    server_.clear_requests();
    settings_.offline = true;
    auto offline = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(offline.has_value()) << offline.error().to_string();
    EXPECT_EQ(server_.requests().size(), 0u);
    settings_.offline = false;
    ResolveOptions refresh;
    refresh.refresh = true;
    auto again = resolve(std::string(kRepo) + ":q4_k_m", refresh);
    ASSERT_TRUE(again.has_value()) << again.error().to_string();
    EXPECT_FALSE(again->downloaded);
    EXPECT_EQ(server_.count("GET", "/cdn/"), 0u);

    auto listed = list_installed_models(settings_);
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().bytes, model_.size());
    EXPECT_EQ(listed->front().path, entry);

    auto removed = remove_model(std::string(kRepo) + ":q4_k_m", settings_);
    ASSERT_TRUE(removed.has_value()) << removed.error().to_string();
    EXPECT_EQ(removed->bytes_freed, model_.size());
    EXPECT_FALSE(fs::exists(repo_root()));
}

TEST_F(HubDownloadTest, WithoutSymlinksABlobOthersLinkToIsCopied) {
    // A snapshot made where symlinks worked links to the blob; a second commit's entry, made
    // where they do not, must not take the blob away from it.
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q4_k_m").has_value());
    const std::string sha = HubTestServer::sha256_hex(model_);
    const std::string commit2 = HubTestServer::make_commit("c2");
    server_.add_repo(FakeHubRepo{kRepo, commit2, {{kFile, model_, true}}});
    NoSymlinks no_symlinks;
    ResolveOptions refresh;
    refresh.refresh = true;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", refresh);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->commit, commit2);
    EXPECT_FALSE(fs::is_symlink(r->path));
    EXPECT_EQ(testing::read_file(r->path), model_);
    EXPECT_EQ(testing::read_file(repo_root() / "blobs" / sha), model_);
    EXPECT_EQ(testing::read_file(repo_root() / "snapshots" / commit_ / kFile), model_);
}

TEST_F(HubDownloadTest, FailedDownloadKeepsThePartialAndSaysSo) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path partial = repo_root() / "blobs" / (sha + ".incomplete");
    server_.drop_after(kFile, 100 * 1024);
    server_.fail_next(kFile, 503, 1);  // the resume after the drop: the CDN is down
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kUnreachable);
    const std::string message = r.error().message();
    EXPECT_EQ(hub::followed_size(partial), 100u * 1024);
    EXPECT_NE(message.find("partial download was kept"), std::string::npos) << message;
    EXPECT_NE(message.find(partial.string()), std::string::npos) << message;
    EXPECT_NE(message.find("102400 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("again to resume"), std::string::npos) << message;

    // And running again does resume it.
    server_.clear_requests();
    auto again = resolve(std::string(kRepo) + ":q4_k_m");
    ASSERT_TRUE(again.has_value()) << again.error().to_string();
    EXPECT_EQ(testing::read_file(again->path), model_);
    auto requests = server_.requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests.back().range, "bytes=102400-");
}

TEST_F(HubDownloadTest, PartialDownloadIsReportedListedAndRemovable) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path partial = repo_root() / "blobs" / (sha + ".incomplete");
    testing::write_file(partial, model_.substr(0, 5000));
    server_.fail_next(kFile, 503, 1);
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kUnreachable);
    const std::string message = r.error().message();
    EXPECT_NE(message.find("partial download was kept"), std::string::npos) << message;
    EXPECT_NE(message.find(partial.string()), std::string::npos) << message;
    EXPECT_NE(message.find("5000 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("again to resume"), std::string::npos) << message;
    EXPECT_EQ(hub::followed_size(partial), 5000u);

    auto partials = list_partial_downloads(settings_);
    ASSERT_TRUE(partials.has_value());
    ASSERT_EQ(partials->size(), 1u);
    EXPECT_EQ(partials->front().repo, kRepo);
    EXPECT_EQ(partials->front().path, partial);
    EXPECT_EQ(partials->front().bytes, 5000u);
    auto installed = list_installed_models(settings_);
    ASSERT_TRUE(installed.has_value());
    EXPECT_TRUE(installed->empty());

    // No snapshot has the model, but the partial goes, and is reported.
    auto removed = remove_model("qwen2.5:0.5b", settings_);
    ASSERT_TRUE(removed.has_value()) << removed.error().to_string();
    EXPECT_EQ(removed->partials, std::vector<fs::path>{partial});
    EXPECT_EQ(removed->bytes_freed, 5000u);
    EXPECT_TRUE(removed->links.empty());
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_FALSE(fs::exists(repo_root()));
    ModelErrorKind again_kind = ModelErrorKind::kNone;
    auto again = remove_model("qwen2.5:0.5b", settings_, &again_kind);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again_kind, ModelErrorKind::kNotFound);
}

TEST_F(HubDownloadTest, RemoveKeepsAPartialAnotherProcessIsWriting) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path partial = repo_root() / "blobs" / (sha + ".incomplete");
    testing::write_file(partial, model_.substr(0, 5000));
    auto lock = hub::BlobLock::acquire(settings_.cache_dir / ".locks" /
                                       "models--Qwen--Qwen2.5-0.5B-Instruct-GGUF" /
                                       (sha + ".lock"));
    ASSERT_TRUE(lock.has_value());
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto removed = remove_model("qwen2.5:0.5b", settings_, &kind);
    ASSERT_FALSE(removed.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(removed.error().message().find("in progress"), std::string::npos);
    EXPECT_TRUE(fs::exists(partial));
}

TEST_F(HubDownloadTest, ReferenceWithoutFileMeansWhatTheHubWouldChoose) {
    // Only the Q8_0 file is cached: "ORG/REPO" still means the Q4_K_M one.
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q8_0").has_value());
    settings_.offline = true;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto offline = resolve(kRepo, {}, &kind);
    ASSERT_FALSE(offline.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotDownloaded);
    const std::string message = offline.error().message();
    EXPECT_NE(message.find("qwen2.5-0.5b-instruct-q8_0.gguf"), std::string::npos) << message;
    EXPECT_NE(message.find(std::string(kRepo) + ":qwen2.5-0.5b-instruct-q8_0.gguf"),
              std::string::npos)
        << message;

    settings_.offline = false;
    server_.clear_requests();
    auto online = resolve(kRepo);
    ASSERT_TRUE(online.has_value()) << online.error().to_string();
    EXPECT_EQ(online->files, std::vector<std::string>{kFile});
    EXPECT_TRUE(online->downloaded);

    // Now the cache holds the Hub's choice and knows the listing: no request, even offline.
    server_.clear_requests();
    settings_.offline = true;
    auto cached = resolve(kRepo);
    ASSERT_TRUE(cached.has_value()) << cached.error().to_string();
    EXPECT_EQ(cached->files, std::vector<std::string>{kFile});
    EXPECT_EQ(server_.requests().size(), 0u);
    // Exact quantizations and files were never in question.
    EXPECT_TRUE(resolve(std::string(kRepo) + ":q8_0").has_value());
    EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(HubDownloadTest, ReferenceWithoutFileNeedsTheListingInTheCache) {
    // A cache written by huggingface_hub records no file list: which file the Hub would choose
    // is unknown, so an online resolve asks, and an offline one says what is there.
    const std::string sha = HubTestServer::sha256_hex(model_);
    testing::write_file(repo_root() / "blobs" / sha, model_);
    testing::write_file(repo_root() / "refs/main", commit_);
    fs::create_directories(repo_root() / "snapshots" / commit_);
    fs::create_symlink(fs::path("../../blobs") / sha, repo_root() / "snapshots" / commit_ / kFile);
    settings_.offline = true;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto offline = resolve(kRepo, {}, &kind);
    ASSERT_FALSE(offline.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotDownloaded);
    EXPECT_NE(offline.error().message().find(kFile), std::string::npos)
        << offline.error().message();
    EXPECT_TRUE(resolve(std::string(kRepo) + ":" + kFile).has_value());  // by name: fine

    settings_.offline = false;
    server_.clear_requests();
    auto online = resolve(kRepo);
    ASSERT_TRUE(online.has_value()) << online.error().to_string();
    EXPECT_FALSE(online->downloaded);  // the blob was there; only the listing was missing
    EXPECT_EQ(server_.count("GET", "/cdn/"), 0u);
    settings_.offline = true;
    EXPECT_TRUE(resolve(kRepo).has_value());
}

TEST_F(HubDownloadTest, FileThatIsNotAGgufIsNotAModel) {
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve(std::string(kRepo) + ":README.md", {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kInvalidReference);
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("README.md"), std::string::npos);
    EXPECT_NE(r.error().message().find("not a GGUF"), std::string::npos);
    EXPECT_EQ(server_.count("", "/resolve/"), 0u);  // nothing was downloaded
    EXPECT_FALSE(fs::exists(repo_root() / "snapshots"));
}

TEST_F(HubDownloadTest, WaitingForAnotherDownloadIsReportedFirst) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path lock_path =
        settings_.cache_dir / ".locks/models--Qwen--Qwen2.5-0.5B-Instruct-GGUF" / (sha + ".lock");
    auto held = hub::BlobLock::acquire(lock_path);
    ASSERT_TRUE(held.has_value());
    std::mutex mu;
    std::condition_variable cv;
    std::optional<hub::BlobLock> other(std::move(held).value());
    auto release = [&] {
        std::lock_guard<std::mutex> lock(mu);
        other.reset();
        cv.notify_all();
    };
    // Should the note never come, the "other process" still finishes after a while, so the
    // test fails instead of hanging.
    std::thread watchdog([&] {
        std::unique_lock<std::mutex> lock(mu);
        if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return !other.has_value(); })) {
            other.reset();
        }
    });
    std::vector<std::string> notes;
    ResolveOptions options;
    // The "other process" finishes when told that someone waits for it.
    options.progress = [&](const DownloadProgress& p) {
        if (!p.note.empty()) {
            notes.push_back(p.note);
            release();
        }
    };
    auto r = resolve(std::string(kRepo) + ":q4_k_m", options);
    release();
    watchdog.join();
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("waiting for another download of " + std::string(kFile)),
              std::string::npos)
        << notes[0];
}

TEST_F(HubDownloadTest, WrongContentRangeStartsOverFromZero) {
    const std::string sha = HubTestServer::sha256_hex(model_);
    testing::write_file(repo_root() / "blobs" / (sha + ".incomplete"), model_.substr(0, 5000));
    server_.wrong_content_range(kFile, 1000);  // asked from 5000, answers from 6000
    std::vector<DownloadProgress> reports;
    ResolveOptions options;
    options.progress = [&](const DownloadProgress& p) { reports.push_back(p); };
    auto r = resolve(std::string(kRepo) + ":q4_k_m", options);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), model_);
    std::vector<std::string> ranges;
    for (const auto& q : server_.requests()) {
        if (q.path == "/cdn/" + sha) ranges.push_back(q.range);
    }
    // The bad answer was dropped at once; the next request asked for the whole file.
    EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=5000-", ""}));
    for (const auto& p : reports) EXPECT_LE(p.bytes_done, model_.size());
}

TEST_F(HubDownloadTest, FailuresThatAreNotUsageMistakesAreNotInvalidArgument) {
    // The CLI exits 2 (usage) for kInvalidArgument: only malformed references may have it.
    server_.add_repo(FakeHubRepo{"taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit",
                                 HubTestServer::make_commit("gated"),
                                 {{"taide-8b-a.3-q4_k_m.gguf", random_bytes(10, 3), true}},
                                 true});
    server_.add_repo(FakeHubRepo{"org/multi",
                                 HubTestServer::make_commit("multi"),
                                 {{"a-q4_k_m.gguf", "a", true}, {"b-q4_k_m.gguf", "b", true}}});
    server_.set_token("hf_secret");
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto gated = resolve("taide:8b", {}, &kind);
    ASSERT_FALSE(gated.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAccessDenied);
    EXPECT_NE(gated.error().code(), StatusCode::kInvalidArgument);
    settings_.token = "hf_wrong";
    settings_.token_source = "HF_TOKEN";
    auto refused = resolve("taide:8b", {}, &kind);
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().code(), StatusCode::kInvalidArgument);

    auto ambiguous = resolve("org/multi:q4_k_m", {}, &kind);
    ASSERT_FALSE(ambiguous.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_EQ(ambiguous.error().code(), StatusCode::kNotFound);
    auto several = resolve("org/multi", {}, &kind);  // no Q4_K_M-only choice either
    ASSERT_FALSE(several.has_value());
    EXPECT_NE(several.error().code(), StatusCode::kInvalidArgument);

    auto repo = resolve("nobody/nothing:q4_k_m", {}, &kind);
    ASSERT_FALSE(repo.has_value());
    EXPECT_EQ(repo.error().code(), StatusCode::kNotFound);
    auto file = resolve(std::string(kRepo) + ":q2_k", {}, &kind);
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(file.error().code(), StatusCode::kNotFound);
    auto bad = resolve("not-a-model", {}, &kind);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(HubDownloadTest, OversizedApiAnswerIsAClearError) {
    hub::HttpRequest request;
    request.url = server_.endpoint() + "/api/models/" + kRepo + "/revision/main";
    request.max_body = 64;  // the model-info answer is a few hundred bytes
    auto r = hub::http_request(request);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kCorrupt);
    EXPECT_NE(r.error().message().find("larger than 64 bytes"), std::string::npos)
        << r.error().message();
    request.max_body = 1 << 20;
    auto ok = hub::http_request(request);
    ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
    EXPECT_EQ(ok->status, 200);
    EXPECT_NE(ok->body.find("\"sha\""), std::string::npos);
}

TEST_F(HubDownloadTest, NonLfsFilesUseTheGitEtag) {
    server_.add_repo(FakeHubRepo{"org/small",
                                 HubTestServer::make_commit("small"),
                                 {{"tiny.gguf", "GGUF tiny", false}}});
    auto r = resolve("org/small");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), "GGUF tiny");
    EXPECT_EQ(fs::read_symlink(r->path).filename().string().size(), 40u);
}

TEST_F(HubDownloadTest, RefreshFollowsANewCommitAndFallsBackWhenUnreachable) {
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q4_k_m").has_value());
    const std::string commit2 = HubTestServer::make_commit("c2");
    const std::string model2 = random_bytes(2000, 7);
    server_.add_repo(FakeHubRepo{kRepo, commit2, {{kFile, model2, true}}});
    ResolveOptions refresh;
    refresh.refresh = true;
    auto r = resolve(std::string(kRepo) + ":q4_k_m", refresh);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->commit, commit2);
    EXPECT_EQ(testing::read_file(repo_root() / "refs/main"), commit2);
    EXPECT_EQ(testing::read_file(r->path), model2);

    server_.stop();
    auto cached = resolve(std::string(kRepo) + ":q4_k_m", refresh);
    ASSERT_TRUE(cached.has_value()) << cached.error().to_string();
    EXPECT_EQ(cached->commit, commit2);
    EXPECT_NE(cached->note.find("cache"), std::string::npos);
}

TEST_F(HubDownloadTest, RemoveKeepsBlobsOtherSnapshotsUse) {
    // Two commits share the q4_k_m blob; the q8_0 file exists only in the first.
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q8_0").has_value());
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q4_k_m").has_value());
    const std::string commit2 = HubTestServer::make_commit("c2");
    server_.add_repo(FakeHubRepo{kRepo, commit2, {{kFile, model_, true}}});
    ResolveOptions pin;
    pin.revision = commit2;
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q4_k_m", pin).has_value());
    const std::string sha = HubTestServer::sha256_hex(model_);

    auto listed = list_installed_models(settings_);
    ASSERT_TRUE(listed.has_value());
    EXPECT_EQ(listed->size(), 3u);

    auto q8 = remove_model(std::string(kRepo) + ":q8_0", settings_);
    ASSERT_TRUE(q8.has_value()) << q8.error().to_string();
    EXPECT_EQ(q8->blobs_removed, 1u);
    EXPECT_EQ(q8->bytes_freed, 1000u);
    EXPECT_TRUE(fs::exists(repo_root() / "blobs" / sha));
    EXPECT_TRUE(fs::exists(repo_root() / "refs/main"));  // its snapshot still has a file

    auto q4 = remove_model("qwen2.5:0.5b", settings_);
    ASSERT_TRUE(q4.has_value()) << q4.error().to_string();
    EXPECT_EQ(q4->links.size(), 2u);  // both snapshots
    EXPECT_EQ(q4->blobs_removed, 1u);
    EXPECT_EQ(q4->bytes_freed, model_.size());
    EXPECT_FALSE(fs::exists(repo_root()));  // nothing left of the repository

    ModelErrorKind kind = ModelErrorKind::kNone;
    auto again = remove_model("qwen2.5:0.5b", settings_, &kind);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(again.error().message().find("not downloaded"), std::string::npos);
}

TEST_F(HubDownloadTest, RemoveLeavesOtherFilesOfTheSnapshot) {
    // A README fetched by a Python tool shares the snapshot; only the model goes.
    ASSERT_TRUE(resolve(std::string(kRepo) + ":q4_k_m").has_value());
    const fs::path readme = repo_root() / "snapshots" / commit_ / "README.md";
    testing::write_file(repo_root() / "blobs/0123456789abcdef0123456789abcdef01234567", "# Qwen\n");
    fs::create_symlink("../../blobs/0123456789abcdef0123456789abcdef01234567", readme);
    auto removed = remove_model(std::string(kRepo) + ":q4_k_m", settings_);
    ASSERT_TRUE(removed.has_value()) << removed.error().to_string();
    EXPECT_TRUE(fs::exists(readme));
    EXPECT_TRUE(fs::exists(repo_root() / "refs/main"));
    EXPECT_FALSE(fs::exists(repo_root() / "snapshots" / commit_ / kFile));
}

TEST_F(HubDownloadTest, ReadsACacheWrittenByHuggingfaceHub) {
    // The layout huggingface_hub leaves (a ref, a snapshot link with ../../blobs/<sha256>):
    // found offline without any request.
    const std::string sha = HubTestServer::sha256_hex(model_);
    const fs::path root = settings_.cache_dir / "models--bartowski--Llama-3.2-1B-Instruct-GGUF";
    testing::write_file(root / "blobs" / sha, model_);
    testing::write_file(root / "refs/main", commit_);
    fs::create_directories(root / "snapshots" / commit_);
    fs::create_symlink(fs::path("../../blobs") / sha,
                       root / "snapshots" / commit_ / "Llama-3.2-1B-Instruct-Q4_K_M.gguf");
    settings_.offline = true;
    auto r = resolve("llama3.2:1b");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(testing::read_file(r->path), model_);
    EXPECT_EQ(server_.requests().size(), 0u);
}

}  // namespace
}  // namespace openbook
