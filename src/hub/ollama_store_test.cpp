// Ollama's store read in place, from a store layout built here.
#include <gtest/gtest.h>

#include "openbook/hub.h"
#include "support/hub_test_server.h"
#include "support/test_support.h"

namespace openbook {
namespace {

namespace fs = std::filesystem;

// Writes manifests/<host>/<ns>/<model>/<tag> and the model blob, as `ollama pull` does.
fs::path add_ollama_model(const fs::path& dir, const std::string& host, const std::string& ns,
                          const std::string& model, const std::string& tag,
                          const std::string& weights) {
    const std::string sha = testing::HubTestServer::sha256_hex(weights);
    testing::write_file(dir / "blobs" / ("sha256-" + sha), weights);
    testing::write_file(dir / "blobs" / ("sha256-" + std::string(64, 'a')), "{\"template\":1}");
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
        R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" +
        std::string(64, 'b') + R"(","size":10},"layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" +
        std::string(64, 'a') + R"(","size":14},{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" +
        sha + R"(","size":)" + std::to_string(weights.size()) + "}]}";
    testing::write_file(dir / "manifests" / host / ns / model / tag, manifest);
    return dir / "blobs" / ("sha256-" + sha);
}

class OllamaStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        settings_.cache_dir = dir_ / "hub";
        settings_.ollama_dir = dir_ / "ollama";
        settings_.offline = true;  // Ollama models never need the network
    }
    testing::TempDir dir_;
    HubSettings settings_;
};

TEST_F(OllamaStoreTest, ResolvesNamesToModelBlobsInPlace) {
    const fs::path qwen = add_ollama_model(settings_.ollama_dir, "registry.ollama.ai", "library",
                                           "qwen2.5", "0.5b", "GGUF qwen");
    const fs::path latest = add_ollama_model(settings_.ollama_dir, "registry.ollama.ai", "library",
                                             "llama3.2", "latest", "GGUF llama");
    const fs::path user = add_ollama_model(settings_.ollama_dir, "registry.ollama.ai", "someone",
                                           "breeze", "7b", "GGUF breeze");
    const fs::path hf = add_ollama_model(settings_.ollama_dir, "hf.co", "bartowski",
                                         "Llama-3.2-1B-Instruct-GGUF", "Q4_K_M", "GGUF hf");

    auto r = resolve_model("ollama:qwen2.5:0.5b", settings_);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->source, ModelSource::kOllama);
    EXPECT_EQ(r->path, qwen);  // not copied
    EXPECT_EQ(r->bytes, 9u);
    EXPECT_EQ(r->reference, "ollama:qwen2.5:0.5b");

    auto l = resolve_model("ollama:llama3.2", settings_);
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->path, latest);
    auto u = resolve_model("ollama:someone/breeze:7b", settings_);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->path, user);
    auto h = resolve_model("ollama:hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", settings_);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->path, hf);

    auto listed = list_installed_models(settings_);
    ASSERT_TRUE(listed.has_value());
    std::vector<std::string> names;
    for (const auto& m : *listed) names.push_back(m.reference);
    EXPECT_EQ(names, (std::vector<std::string>{
                         "ollama:hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
                         "ollama:llama3.2:latest", "ollama:qwen2.5:0.5b",
                         "ollama:someone/breeze:7b"}));
}

TEST_F(OllamaStoreTest, MissingModelsAndBlobsAreClearErrors) {
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto none = resolve_model("ollama:qwen2.5:0.5b", settings_, {}, &kind);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(none.error().message().find("ollama pull qwen2.5:0.5b"), std::string::npos);

    const fs::path blob = add_ollama_model(settings_.ollama_dir, "registry.ollama.ai", "library",
                                           "qwen2.5", "0.5b", "GGUF");
    fs::remove(blob);
    auto gone = resolve_model("ollama:qwen2.5:0.5b", settings_, {}, &kind);
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(gone.error().message().find(blob.string()), std::string::npos);
}

TEST_F(OllamaStoreTest, RemoveNeverTouchesOllamasStore) {
    const fs::path blob = add_ollama_model(settings_.ollama_dir, "registry.ollama.ai", "library",
                                           "qwen2.5", "0.5b", "GGUF qwen");
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = remove_model("ollama:qwen2.5:0.5b", settings_, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kInvalidReference);
    EXPECT_NE(r.error().message().find("ollama rm qwen2.5:0.5b"), std::string::npos);
    EXPECT_TRUE(fs::exists(blob));
    EXPECT_TRUE(fs::exists(settings_.ollama_dir / "manifests/registry.ollama.ai/library/qwen2.5/0.5b"));
}

}  // namespace
}  // namespace openbook
