#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "hub/names.h"
#include "openbook/hub.h"
#include "support/test_support.h"

namespace openbook {
namespace {

TEST(ModelReference, ExistingPathWins) {
    testing::TempDir dir;
    testing::write_file(dir / "qwen2.5:0.5b", "x");  // even a file named like an alias
    auto ref = parse_model_reference((dir / "qwen2.5:0.5b").string());
    ASSERT_TRUE(ref.has_value());
    EXPECT_EQ(ref->source, ModelSource::kFile);
}

TEST(ModelReference, MissingGgufPathIsAFile) {
    auto ref = parse_model_reference("models/missing.gguf");
    ASSERT_TRUE(ref.has_value());
    EXPECT_EQ(ref->source, ModelSource::kFile);
    HubSettings settings;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve_model("models/missing.gguf", settings, {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(r.error().message().find("models/missing.gguf"), std::string::npos);
}

TEST(ModelReference, AliasesMapToHubRepositories) {
    for (const auto& alias : model_aliases()) {
        auto ref = parse_model_reference(alias.name);
        ASSERT_TRUE(ref.has_value()) << alias.name;
        EXPECT_EQ(ref->source, ModelSource::kHub);
        EXPECT_EQ(ref->alias, alias.name);
        EXPECT_EQ(ref->repo, alias.repo);
        EXPECT_EQ(ref->selector, alias.file);
        EXPECT_TRUE(hub::check_repo_id(alias.repo).ok()) << alias.repo;
    }
    auto qwen = parse_model_reference("Qwen2.5:0.5B");  // aliases ignore case
    ASSERT_TRUE(qwen.has_value());
    EXPECT_EQ(qwen->repo, "Qwen/Qwen2.5-0.5B-Instruct-GGUF");
    EXPECT_EQ(qwen->selector, "qwen2.5-0.5b-instruct-q4_k_m.gguf");
    bool has_default = false;
    for (const auto& a : model_aliases()) has_default |= a.name == kDefaultModelAlias;
    EXPECT_TRUE(has_default);
}

TEST(ModelReference, AliasesNameSingleFileGgufs) {
    // The engine cannot load split GGUF sets, so an alias names one .gguf file, not a
    // quantization that could match several parts.
    for (const auto& alias : model_aliases()) {
        const std::string file = hub::lower_ascii(alias.file);
        ASSERT_GT(file.size(), 5u) << alias.name;
        EXPECT_EQ(file.substr(file.size() - 5), ".gguf") << alias.name << ": " << alias.file;
        EXPECT_EQ(file.find("-of-0"), std::string::npos) << alias.name << ": " << alias.file;
    }
    auto seven = parse_model_reference("qwen2.5:7b");
    ASSERT_TRUE(seven.has_value());
    EXPECT_EQ(seven->repo, "bartowski/Qwen2.5-7B-Instruct-GGUF");
    EXPECT_EQ(seven->selector, "Qwen2.5-7B-Instruct-Q4_K_M.gguf");
}

TEST(ModelReference, HubReferences) {
    auto ref = parse_model_reference("Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m");
    ASSERT_TRUE(ref.has_value());
    EXPECT_EQ(ref->source, ModelSource::kHub);
    EXPECT_EQ(ref->repo, "Qwen/Qwen2.5-0.5B-Instruct-GGUF");
    EXPECT_EQ(ref->selector, "q4_k_m");
    EXPECT_EQ(ref->canonical(), "Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m");

    auto bare = parse_model_reference("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF");
    ASSERT_TRUE(bare.has_value());
    EXPECT_EQ(bare->repo, "bartowski/Llama-3.2-1B-Instruct-GGUF");
    EXPECT_EQ(bare->selector, "");

    auto file = parse_model_reference("org/repo:sub/dir/model.gguf");
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(file->selector, "sub/dir/model.gguf");
}

TEST(ModelReference, RejectsWhatCouldEscapeTheCache) {
    for (const char* bad : {"org/../x:q4", "org/repo:../../etc/passwd", "a/b/c:q4_k_m",
                            "org--x/repo:q", "org/repo:/abs.gguf", "nonsense"}) {
        auto ref = parse_model_reference(bad);
        EXPECT_FALSE(ref.has_value()) << bad;
    }
    HubSettings settings;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = resolve_model("nonsense", settings, {}, &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kInvalidReference);
    EXPECT_NE(r.error().message().find("qwen2.5:0.5b"), std::string::npos);  // lists aliases
}

TEST(ModelReference, OllamaNames) {
    auto plain = parse_model_reference("ollama:qwen2.5:0.5b");
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->source, ModelSource::kOllama);
    EXPECT_EQ(plain->ollama_name, "registry.ollama.ai/library/qwen2.5:0.5b");
    EXPECT_EQ(plain->canonical(), "ollama:qwen2.5:0.5b");

    auto latest = parse_model_reference("ollama:llama3.2");
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->ollama_name, "registry.ollama.ai/library/llama3.2:latest");

    auto user = parse_model_reference("ollama:someone/model:tag");
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->ollama_name, "registry.ollama.ai/someone/model:tag");
    EXPECT_EQ(user->canonical(), "ollama:someone/model:tag");

    auto host = parse_model_reference("ollama:hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M");
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(host->ollama_name, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M");

    EXPECT_FALSE(parse_model_reference("ollama:").has_value());
    EXPECT_FALSE(parse_model_reference("ollama:../x").has_value());
    EXPECT_FALSE(parse_model_reference("ollama:a/b/c/d").has_value());
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
public:
    void set(const char* name, const std::string& value) {
        save(name);
        ::setenv(name, value.c_str(), 1);
    }
    void unset(const char* name) {
        save(name);
        ::unsetenv(name);
    }
    ~ScopedEnv() {
        for (auto& [name, value] : saved_) {
            if (value.first) ::setenv(name.c_str(), value.second.c_str(), 1);
            else ::unsetenv(name.c_str());
        }
    }

private:
    void save(const char* name) {
        if (saved_.count(name) != 0) return;
        const char* v = std::getenv(name);
        saved_[name] = {v != nullptr, v != nullptr ? v : ""};
    }
    std::map<std::string, std::pair<bool, std::string>> saved_;
};

TEST(HubSettings, FollowsHuggingfaceHubVariables) {
    testing::TempDir dir;
    ScopedEnv env;
    for (const char* v : {"HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",
                          "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
                          "TRANSFORMERS_OFFLINE", "OLLAMA_MODELS", "XDG_CACHE_HOME"}) {
        env.unset(v);
    }
    env.set("HOME", dir.path().string());
    auto defaults = HubSettings::from_environment();
    EXPECT_EQ(defaults.endpoint, "https://huggingface.co");
    EXPECT_EQ(defaults.cache_dir, dir / ".cache/huggingface/hub");
    EXPECT_EQ(defaults.ollama_dir, dir / ".ollama/models");
    EXPECT_FALSE(defaults.offline);
    EXPECT_EQ(defaults.token, "");

    // huggingface-cli's token file under HF_HOME.
    env.set("HF_HOME", (dir / "hf").string());
    testing::write_file(dir / "hf/token", "hf_file_token\n");
    env.set("HF_ENDPOINT", "http://mirror.example/");
    env.set("HF_HUB_OFFLINE", "1");
    env.set("OLLAMA_MODELS", (dir / "ollama").string());
    auto s = HubSettings::from_environment();
    EXPECT_EQ(s.endpoint, "http://mirror.example");
    EXPECT_EQ(s.cache_dir, dir / "hf/hub");
    EXPECT_EQ(s.token, "hf_file_token");
    EXPECT_EQ(s.token_source, (dir / "hf/token").string());
    EXPECT_TRUE(s.offline);
    EXPECT_EQ(s.ollama_dir, dir / "ollama");

    env.set("HF_HUB_CACHE", (dir / "cache").string());
    env.set("HF_TOKEN", " hf_env_token ");
    auto t = HubSettings::from_environment();
    EXPECT_EQ(t.cache_dir, dir / "cache");
    EXPECT_EQ(t.token, "hf_env_token");
    EXPECT_EQ(t.token_source, "HF_TOKEN");

    env.unset("HF_TOKEN");
    env.set("HF_TOKEN_PATH", (dir / "elsewhere").string());
    testing::write_file(dir / "elsewhere", "hf_path_token");
    EXPECT_EQ(HubSettings::from_environment().token, "hf_path_token");
}

}  // namespace
}  // namespace openbook
