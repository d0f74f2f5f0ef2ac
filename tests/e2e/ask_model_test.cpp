// `openbook ask --model`: the pipeline mechanics with a real model file. stories260K writes
// children's stories, not answers, so these tests check what the pipeline guarantees — the
// prompt is built and fitted, tokens stream, citations are validated, relevance is decided
// before any model runs, the JSON is complete — not the answer's content.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(OPENBOOK_SOURCE_DIR) / "examples";

class AskModel : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = run_openbook({"ingest", kExamples.string(), "--index", index_.path().string(), "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    ProcessResult ask(const std::string& question, const std::string& context = "4096") {
        return run_openbook({"ask", question, "--index", index_.path().string(), "-m",
                             shared_data("stories260k-gguf/stories260K-f32.gguf").string(), "-c",
                             context, "-n", "24", "--temp", "0", "--json"});
    }
    TempDir index_;
};

TEST_F(AskModel, BuildsAGroundedPromptAndReturnsCompleteJson) {
    auto r = ask("What happens when I ingest an encrypted PDF?");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["found"].get<bool>());
    EXPECT_EQ(j["language"], "en");
    ASSERT_FALSE(j["sources"].empty());
    std::set<int> given;
    for (const auto& s : j["sources"]) given.insert(s["n"].get<int>());
    for (const auto& c : j["citations"]) EXPECT_TRUE(given.count(c["source"].get<int>()));
    const auto& g = j["generation"];
    // The prompt holds the sources: far more tokens than the question alone.
    EXPECT_GT(g["prompt_tokens"].get<int>(), 500);
    EXPECT_EQ(g["generated_tokens"], 24);
    EXPECT_EQ(g["stop_reason"], "max_tokens");
    EXPECT_GT(g["first_token_ms"].get<double>(), 0);
    EXPECT_GE(j["retrieval_ms"].get<double>(), 0);
}

TEST_F(AskModel, ChineseQuestionsAreAnsweredInTheirScript) {
    auto r = ask("加密的 PDF 會怎麼樣？");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["language"], "zh-Hant");
}

TEST_F(AskModel, NothingRelevantMeansNoModelRuns) {
    auto r = ask("What is the boiling point of tungsten on Venus?");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_FALSE(j["found"].get<bool>());
    EXPECT_FALSE(j["message"].get<std::string>().empty());
    EXPECT_EQ(j["generation"]["prompt_tokens"], 0);
}

TEST_F(AskModel, ATooSmallContextIsAClearError) {
    auto r = ask("What happens when I ingest an encrypted PDF?", "256");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

TEST_F(AskModel, StreamsTextThenListsSources) {
    auto r = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index",
                           index_.path().string(), "-m",
                           shared_data("stories260k-gguf/stories260K-f32.gguf").string(), "-c",
                           "4096", "-n", "16", "--temp", "0"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const size_t sources = r.out.find("\n\nSources\n[1] ");
    ASSERT_NE(sources, std::string::npos) << r.out;
    EXPECT_GT(sources, 0u);  // the streamed answer comes first
}

}  // namespace
}  // namespace openbook::testing
