// `openbook model info` and `openbook tokenize` end to end, on real GGUF files from
// ../shared/data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

const std::string kStories = "stories260k-gguf/stories260K-f32.gguf";
const std::string kLlamaSpm = "llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf";
const std::string kQwen2 = "llamacpp-fixtures/vocab/ggml-vocab-qwen2.gguf";

TEST(ModelCli, InfoDescribesARealModel) {
    auto r = run_openbook({"model", "info", shared_data(kStories).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* expected : {"llama", "stories260K", "context length  512", "layers          5",
                                 "SPM (llama), 512 tokens", "chat template   no", "F32 48"}) {
        EXPECT_NE(r.out.find(expected), std::string::npos) << expected << " missing from:\n"
                                                           << r.out;
    }
}

TEST(ModelCli, InfoAsJson) {
    auto r = run_openbook(
        {"model", "info", "--json", shared_data("llamacpp-fixtures/tiny-qwen2-q4_k_m.gguf").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["architecture"], "qwen2");
    EXPECT_EQ(j["gguf_version"], 3);
    EXPECT_EQ(j["block_count"], 2);
    EXPECT_EQ(j["head_count"], 4);
    EXPECT_EQ(j["head_count_kv"], 2);
    EXPECT_EQ(j["tokenizer"]["kind"], "BPE");
    EXPECT_EQ(j["tokenizer"]["pre"], "qwen2");
    EXPECT_EQ(j["tokenizer"]["vocab_size"], 512);
    EXPECT_EQ(j["file_type"], "Q4_K_M");
    // The hidden-64 Q4_K_M mix falls back to Q5_0/Q8_0 (llamacpp-fixtures/README.md).
    EXPECT_TRUE(j["tensor_types"].contains("Q5_0")) << j.dump();
    EXPECT_TRUE(j["tensor_types"].contains("Q8_0")) << j.dump();
    EXPECT_GT(j["parameters"].get<uint64_t>(), 100'000u);
    EXPECT_GT(j["file_bytes"].get<uint64_t>(), j["tensor_bytes"].get<uint64_t>());
}

TEST(ModelCli, InfoOnABrokenFileNamesTheFileAndFailsCleanly) {
    TempDir dir;
    const std::string whole = read_file(shared_data(kStories));
    const auto truncated = dir / "truncated.gguf";
    write_file(truncated, whole.substr(0, whole.size() / 2));
    auto r = run_openbook({"model", "info", truncated.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("truncated.gguf"), std::string::npos) << r.err;

    const auto text = dir / "notes.gguf";
    write_file(text, "this is not a model\n");
    r = run_openbook({"model", "info", text.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("notes.gguf"), std::string::npos) << r.err;

    r = run_openbook({"model", "info", (dir / "absent.gguf").string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("absent.gguf"), std::string::npos) << r.err;
}

TEST(ModelCli, TokenizePrintsIdsOnOneLine) {
    const std::string model = shared_data(kLlamaSpm).string();
    auto r = run_openbook({"tokenize", "-m", model, "Hello world"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "1 15043 3186\n");  // <s> ▁Hello ▁world

    r = run_openbook({"tokenize", "-m", model, "--no-bos", "Hello world"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "15043 3186\n");

    r = run_openbook({"tokenize", "-m", model, "--pieces", "Hello world"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("15043  ' Hello'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("'<s>'"), std::string::npos) << r.out;
}

TEST(ModelCli, TokenizeParsesSpecialTokensOnlyWhenAsked) {
    const std::string model = shared_data(kQwen2).string();
    auto plain = run_openbook({"tokenize", "-m", model, "<|im_start|>user"});
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    auto special = run_openbook({"tokenize", "-m", model, "--special", "<|im_start|>user"});
    ASSERT_EQ(special.exit_code, 0) << special.err;
    EXPECT_EQ(special.out, "151644 872\n");  // <|im_start|> user
    EXPECT_NE(plain.out, special.out);
    EXPECT_EQ(plain.out.find("151644"), std::string::npos);

    auto json = run_openbook({"tokenize", "-m", model, "--special", "--json", "<|im_start|>你好"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["ids"][0], 151644);
    EXPECT_EQ(j["pieces"][0], "<|im_start|>");
}

TEST(ModelCli, TokenizeWithoutAModelIsAUsageError) {
    auto r = run_openbook({"tokenize", "text"});
    EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace openbook::testing
