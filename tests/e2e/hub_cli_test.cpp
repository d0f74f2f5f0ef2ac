// `openbook pull`, `models`, `rm-model` and model references (-m / model info) end to end: the
// real binary against a fake Hugging Face Hub on 127.0.0.1 (tests/support/hub_test_server.h),
// with HF_HOME, HOME and OLLAMA_MODELS in temporary directories. The "model" served is a real
// GGUF (stories260K) so that `model info`, `tokenize` and `generate` work on what was pulled.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/hub_test_server.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kQwenRepo = "Qwen/Qwen2.5-0.5B-Instruct-GGUF";
constexpr const char* kQwenFile = "qwen2.5-0.5b-instruct-q4_k_m.gguf";

class HubCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        gguf_ = read_file(shared_data("stories260k-gguf/stories260K-q8_0.gguf"));
        ASSERT_FALSE(gguf_.empty());
        server_.add_repo(FakeHubRepo{kQwenRepo,
                                     HubTestServer::make_commit("qwen"),
                                     {{kQwenFile, gguf_, true},
                                      {"qwen2.5-0.5b-instruct-q8_0.gguf", "other", true}}});
    }

    // The environment of every run: nothing of the real home, cache or proxies.
    std::vector<std::string> env(std::vector<std::string> extra = {}) const {
        std::vector<std::string> e = {
            "HOME=" + (dir_ / "home").string(),
            "HF_HOME=" + (dir_ / "hf").string(),
            "HF_HUB_CACHE=" + (dir_ / "hf/hub").string(),
            "HF_ENDPOINT=" + server_.endpoint(),
            "HF_TOKEN=",
            "HF_TOKEN_PATH=" + (dir_ / "hf/token").string(),
            "HF_HUB_OFFLINE=",
            "TRANSFORMERS_OFFLINE=",
            "OLLAMA_MODELS=" + (dir_ / "ollama").string(),
            "NO_PROXY=127.0.0.1,localhost",
            "no_proxy=127.0.0.1,localhost",
        };
        e.insert(e.end(), extra.begin(), extra.end());
        return e;
    }

    ProcessResult run(const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
        return run_openbook(args, env(std::move(extra)), dir_.path());
    }

    TempDir dir_;
    HubTestServer server_;
    std::string gguf_;
};

TEST_F(HubCliTest, PullListInfoAndRemove) {
    auto pull = run({"pull", "qwen2.5:0.5b"});
    ASSERT_EQ(pull.exit_code, 0) << pull.err;
    EXPECT_NE(pull.out.find("pulled qwen2.5:0.5b"), std::string::npos) << pull.out;
    EXPECT_NE(pull.out.find(kQwenFile), std::string::npos) << pull.out;
    // Not a terminal: plain lines instead of a redrawn bar.
    EXPECT_NE(pull.err.find("downloading " + std::string(kQwenFile)), std::string::npos) << pull.err;
    EXPECT_NE(pull.err.find("downloaded " + std::string(kQwenFile)), std::string::npos) << pull.err;
    EXPECT_EQ(pull.err.find('\r'), std::string::npos);
    const fs::path repo_dir = dir_ / "hf/hub/models--Qwen--Qwen2.5-0.5B-Instruct-GGUF";
    EXPECT_TRUE(fs::exists(repo_dir / "refs/main"));

    auto listed = run({"models", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    auto j = nlohmann::json::parse(listed.out);
    ASSERT_EQ(j["models"].size(), 1u);
    EXPECT_EQ(j["models"][0]["reference"], std::string(kQwenRepo) + ":" + kQwenFile);
    EXPECT_EQ(j["models"][0]["aliases"][0], "qwen2.5:0.5b");
    EXPECT_EQ(j["models"][0]["bytes"], gguf_.size());
    bool alias_downloaded = false;
    for (const auto& a : j["aliases"]) {
        if (a["name"] == "qwen2.5:0.5b") alias_downloaded = a["downloaded"].get<bool>();
    }
    EXPECT_TRUE(alias_downloaded);
    auto text = run({"models"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    for (const char* expected : {"qwen2.5:0.5b", "taide:8b", "breeze:7b", "downloaded", kQwenFile}) {
        EXPECT_NE(text.out.find(expected), std::string::npos) << expected << "\n" << text.out;
    }

    // The server is gone and downloads are off: the cache alone answers.
    server_.stop();
    auto info = run({"model", "info", "--json", "qwen2.5:0.5b"}, {"HF_HUB_OFFLINE=1"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    auto m = nlohmann::json::parse(info.out);
    EXPECT_EQ(m["architecture"], "llama");
    EXPECT_NE(m["path"].get<std::string>().find("snapshots"), std::string::npos);
    auto by_ref = run({"model", "info", std::string(kQwenRepo) + ":Q4_K_M"});
    EXPECT_EQ(by_ref.exit_code, 0) << by_ref.err;
    auto tokens = run({"tokenize", "-m", "qwen2.5:0.5b", "Once upon a time"});
    EXPECT_EQ(tokens.exit_code, 0) << tokens.err;
    EXPECT_FALSE(tokens.out.empty());
    auto generated = run({"generate", "-m", "qwen2.5:0.5b", "-p", "Once upon a time", "-n", "4",
                          "--temp", "0"},
                         {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(generated.exit_code, 0) << generated.err;

    auto offline_pull = run({"pull", "qwen2.5:0.5b"}, {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(offline_pull.exit_code, 0) << offline_pull.err;
    EXPECT_NE(offline_pull.out.find("up to date"), std::string::npos) << offline_pull.out;
    EXPECT_NE(offline_pull.err.find("HF_HUB_OFFLINE"), std::string::npos) << offline_pull.err;

    auto rm = run({"rm-model", "qwen2.5:0.5b"});
    ASSERT_EQ(rm.exit_code, 0) << rm.err;
    EXPECT_NE(rm.out.find("removed qwen2.5:0.5b"), std::string::npos) << rm.out;
    EXPECT_FALSE(fs::exists(repo_dir));
    auto after = nlohmann::json::parse(run({"models", "--json"}).out);
    EXPECT_TRUE(after["models"].empty());
    auto again = run({"rm-model", "qwen2.5:0.5b"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("not downloaded"), std::string::npos) << again.err;
}

TEST_F(HubCliTest, OfflineAndNotDownloadedNamesTheReference) {
    auto r = run({"model", "info", "qwen2.5:1.5b"}, {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("qwen2.5:1.5b"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not downloaded"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("HF_HUB_OFFLINE"), std::string::npos) << r.err;
    auto pull = run({"pull", "qwen2.5:1.5b"}, {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(pull.exit_code, 1);
    EXPECT_EQ(server_.requests().size(), 0u);

    server_.stop();
    auto unreachable = run({"pull", "qwen2.5:1.5b"});
    EXPECT_EQ(unreachable.exit_code, 1);
    EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos) << unreachable.err;
}

TEST_F(HubCliTest, ModelUsedByReferenceIsPulledOnFirstUse) {
    auto info = run({"model", "info", std::string(kQwenRepo) + ":" + kQwenFile});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("stories260K"), std::string::npos) << info.out;
    EXPECT_NE(info.err.find("downloading"), std::string::npos) << info.err;
    server_.clear_requests();
    auto again = run({"model", "info", std::string(kQwenRepo) + ":" + kQwenFile});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(server_.requests().size(), 0u);  // the cache answered
}

TEST_F(HubCliTest, GatedModelNeedsHfToken) {
    server_.add_repo(FakeHubRepo{"taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit",
                                 HubTestServer::make_commit("taide"),
                                 {{"taide-8b-a.3-q4_k_m.gguf", gguf_, true}},
                                 true});
    server_.set_token("hf_test_token");
    auto denied = run({"pull", "taide:8b"});
    EXPECT_EQ(denied.exit_code, 1);
    EXPECT_NE(denied.err.find("gated"), std::string::npos) << denied.err;
    EXPECT_NE(denied.err.find("HF_TOKEN"), std::string::npos) << denied.err;

    // The token file huggingface-cli login writes works as well as HF_TOKEN.
    write_file(dir_ / "hf/token", "hf_test_token\n");
    auto ok = run({"pull", "taide:8b", "--json"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    auto j = nlohmann::json::parse(ok.out);
    EXPECT_EQ(j["alias"], "taide:8b");
    EXPECT_TRUE(j["downloaded"].get<bool>());
    EXPECT_GT(server_.count("HEAD", "/resolve/"), 0u);
}

TEST_F(HubCliTest, AmbiguousQuantAndBadReferences) {
    server_.add_repo(FakeHubRepo{"org/multi",
                                 HubTestServer::make_commit("multi"),
                                 {{"a-q4_k_m.gguf", "a", true}, {"b-q4_k_m.gguf", "b", true}}});
    auto ambiguous = run({"pull", "org/multi:q4_k_m"});
    EXPECT_EQ(ambiguous.exit_code, 1);
    EXPECT_NE(ambiguous.err.find("a-q4_k_m.gguf"), std::string::npos) << ambiguous.err;
    EXPECT_NE(ambiguous.err.find("b-q4_k_m.gguf"), std::string::npos) << ambiguous.err;

    auto bad = run({"pull", "not-a-model"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("not-a-model"), std::string::npos) << bad.err;
}

TEST_F(HubCliTest, HubFailuresExit1AndOnlyBadReferencesExit2) {
    // README: exit 2 is for usage mistakes; a gated, missing or ambiguous model is not one.
    server_.add_repo(FakeHubRepo{"taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit",
                                 HubTestServer::make_commit("taide"),
                                 {{"taide-8b-a.3-q4_k_m.gguf", gguf_, true}},
                                 true});
    server_.add_repo(FakeHubRepo{"org/multi",
                                 HubTestServer::make_commit("multi"),
                                 {{"a-q4_k_m.gguf", "a", true}, {"b-q4_k_m.gguf", "b", true}}});
    server_.set_token("hf_test_token");
    auto gated = run({"model", "info", "taide:8b"});
    EXPECT_EQ(gated.exit_code, 1) << gated.err;
    EXPECT_NE(gated.err.find("gated"), std::string::npos) << gated.err;
    auto ambiguous = run({"model", "info", "org/multi:q4_k_m"});
    EXPECT_EQ(ambiguous.exit_code, 1) << ambiguous.err;
    EXPECT_NE(ambiguous.err.find("b-q4_k_m.gguf"), std::string::npos) << ambiguous.err;
    auto missing = run({"model", "info", "nobody/nothing:q4_k_m"});
    EXPECT_EQ(missing.exit_code, 1) << missing.err;
    auto no_file = run({"model", "info", std::string(kQwenRepo) + ":q2_k"});
    EXPECT_EQ(no_file.exit_code, 1) << no_file.err;

    // A file of the repository that is not a GGUF is not a model: refused, never downloaded.
    server_.add_repo(FakeHubRepo{kQwenRepo,
                                 HubTestServer::make_commit("qwen"),
                                 {{kQwenFile, gguf_, true}, {"README.md", "# Qwen\n", false}}});
    server_.clear_requests();
    auto readme = run({"model", "info", std::string(kQwenRepo) + ":README.md"});
    EXPECT_EQ(readme.exit_code, 2) << readme.err;
    EXPECT_NE(readme.err.find("not a GGUF"), std::string::npos) << readme.err;
    EXPECT_EQ(server_.count("", "/resolve/"), 0u);
}

TEST_F(HubCliTest, FailedPullKeepsThePartialAndRmModelRemovesIt) {
    server_.drop_after(kQwenFile, 100);
    server_.fail_next(kQwenFile, 503, 1);
    auto pull = run({"pull", "qwen2.5:0.5b"});
    EXPECT_EQ(pull.exit_code, 1) << pull.err;
    EXPECT_NE(pull.err.find("partial download was kept"), std::string::npos) << pull.err;
    EXPECT_NE(pull.err.find(".incomplete"), std::string::npos) << pull.err;
    EXPECT_NE(pull.err.find("resume"), std::string::npos) << pull.err;
    const fs::path repo_dir = dir_ / "hf/hub/models--Qwen--Qwen2.5-0.5B-Instruct-GGUF";
    ASSERT_TRUE(fs::exists(repo_dir / "blobs"));

    auto rm = run({"rm-model", "qwen2.5:0.5b", "--json"});
    ASSERT_EQ(rm.exit_code, 0) << rm.err;
    auto j = nlohmann::json::parse(rm.out);
    EXPECT_EQ(j["bytes_freed"], 100u);
    EXPECT_FALSE(fs::exists(repo_dir));
}

TEST_F(HubCliTest, RepositoryReferenceDoesNotTakeAnotherCachedQuant) {
    auto pull = run({"pull", std::string(kQwenRepo) + ":q8_0"});
    ASSERT_EQ(pull.exit_code, 0) << pull.err;
    auto offline = run({"model", "info", kQwenRepo}, {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(offline.exit_code, 1) << offline.err;
    EXPECT_NE(offline.err.find("not downloaded"), std::string::npos) << offline.err;
    EXPECT_NE(offline.err.find(std::string(kQwenRepo) + ":qwen2.5-0.5b-instruct-q8_0.gguf"),
              std::string::npos)
        << offline.err;

    // Online it fetches the Q4_K_M file the Hub chooses, and then the cache answers alone.
    auto online = run({"model", "info", "--json", kQwenRepo});
    ASSERT_EQ(online.exit_code, 0) << online.err;
    EXPECT_NE(online.out.find(kQwenFile), std::string::npos) << online.out;
    server_.clear_requests();
    auto cached = run({"model", "info", kQwenRepo}, {"HF_HUB_OFFLINE=1"});
    EXPECT_EQ(cached.exit_code, 0) << cached.err;
    EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(HubCliTest, OllamaModelsAreListedAndUsedInPlace) {
    const fs::path store = dir_ / "ollama";
    const std::string sha = HubTestServer::sha256_hex(gguf_);
    write_file(store / "blobs" / ("sha256-" + sha), gguf_);
    write_file(store / "manifests/registry.ollama.ai/library/stories/260k",
               R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
               R"("digest":"sha256:)" + sha + R"(","size":)" + std::to_string(gguf_.size()) + "}]}");

    auto listed = run({"models", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    auto j = nlohmann::json::parse(listed.out);
    ASSERT_EQ(j["models"].size(), 1u);
    EXPECT_EQ(j["models"][0]["reference"], "ollama:stories:260k");
    EXPECT_EQ(j["models"][0]["source"], "ollama");

    auto info = run({"model", "info", "ollama:stories:260k"}, {"HF_HUB_OFFLINE=1"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("sha256-" + sha), std::string::npos) << info.out;  // in place

    auto rm = run({"rm-model", "ollama:stories:260k"});
    EXPECT_EQ(rm.exit_code, 2);
    EXPECT_NE(rm.err.find("ollama rm stories:260k"), std::string::npos) << rm.err;
    EXPECT_TRUE(fs::exists(store / "blobs" / ("sha256-" + sha)));
    EXPECT_EQ(server_.requests().size(), 0u);
}

}  // namespace
}  // namespace openbook::testing
