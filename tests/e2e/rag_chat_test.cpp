// `openbook chat` over the collection, `ask --questions`, the settings files and Ctrl-C, with a
// real model file. stories260K writes children's stories, not answers: these tests check the
// mechanics (history, follow-up rewriting, kept prefix, settings precedence, a clean stop), not
// what the answers say.
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(OPENBOOK_SOURCE_DIR) / "examples";

std::string stories() { return shared_data("stories260k-gguf/stories260K-f32.gguf").string(); }

std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

class RagChat : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = run_openbook({"ingest", kExamples.string(), "--index", index().string(), "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    std::filesystem::path index() const { return dir_ / "index"; }
    // No user settings file: only what a test writes counts.
    std::vector<std::string> env() const { return {"OPENBOOK_CONFIG=/dev/null"}; }
    TempDir dir_;
};

TEST_F(RagChat, FollowUpsUseTheHistoryAndTheKeptPrefix) {
    const auto input = dir_ / "input.txt";
    write_file(input,
               "What happens when I ingest an encrypted PDF?\n"
               "/sources\n"
               "And how do I fix it?\n"
               "/reset\n"
               "How do I remove a document from the collection?\n");
    auto r = run_openbook({"chat", "--index", index().string(), "-m", stories(), "-c", "4096",
                           "-n", "12", "--temp", "0", "--json"},
                          env(), {}, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out;
    const auto& first = lines[0];
    EXPECT_TRUE(first["found"].get<bool>());
    EXPECT_EQ(first["history_turns"], 0);
    EXPECT_EQ(first["search_query"], "What happens when I ingest an encrypted PDF?");
    EXPECT_EQ(first["timings"]["rewrite_ms"], 0);

    // /sources: the passages behind the last answer.
    ASSERT_TRUE(lines[1].contains("sources"));
    EXPECT_EQ(lines[1]["sources"].size(), first["sources"].size());
    EXPECT_FALSE(lines[1]["sources"][0]["text"].get<std::string>().empty());

    // The follow-up was rewritten for retrieval (by the model, or the fallback), carries the
    // first exchange, and reused the system prompt's K/V although the rewrite ran in between.
    const auto& second = lines[2];
    EXPECT_EQ(second["question"], "And how do I fix it?");
    EXPECT_FALSE(second["search_query"].get<std::string>().empty());
    EXPECT_GT(second["timings"]["rewrite_ms"].get<double>(), 0);
    // (stories260K's rewrite is a story, which finds nothing: the fallback query found it.)
    ASSERT_TRUE(second["found"].get<bool>()) << second.dump();
    EXPECT_EQ(second["history_turns"], 2);
    EXPECT_GT(second["generation"]["reused_prompt_tokens"].get<int>(), 100);

    // After /reset the conversation starts over.
    const auto& third = lines[3];
    EXPECT_EQ(third["search_query"], "How do I remove a document from the collection?");
    EXPECT_EQ(third["history_turns"], 0);
    EXPECT_EQ(third["timings"]["rewrite_ms"], 0);
}

TEST_F(RagChat, WithoutACollectionItIsAPlainChat) {
    const auto input = dir_ / "input.txt";
    write_file(input, "Once upon a time\n");
    auto r = run_openbook({"chat", "--index", (dir_ / "none").string(), "-m", stories(), "-n",
                           "8", "--temp", "0"},
                          env(), {}, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("no collection"), std::string::npos) << r.err;
    EXPECT_FALSE(r.out.empty());
}

TEST_F(RagChat, AskQuestionsKeepsThePrefixAcrossQuestionsUnlessTold) {
    const auto questions = dir_ / "questions.txt";
    write_file(questions,
               "What happens when I ingest an encrypted PDF?\n\nHow do I remove a document?\n");
    std::vector<std::string> args = {"ask", "--questions", questions.string(), "--index",
                                     index().string(), "-m", stories(), "-c", "4096", "-n", "4",
                                     "--temp", "0", "--json"};
    auto r = run_openbook(args, env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    EXPECT_EQ(lines[0]["question"], "What happens when I ingest an encrypted PDF?");
    EXPECT_EQ(lines[1]["question"], "How do I remove a document?");
    // The system prompt (several hundred tokens with this small vocabulary) is evaluated once.
    EXPECT_GT(lines[1]["generation"]["reused_prompt_tokens"].get<int>(), 100);

    args.push_back("--no-prefix-cache");
    r = run_openbook(args, env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1]["generation"]["reused_prompt_tokens"], 0);

    // Without a model each question is answered by quoting.
    auto extractive = run_openbook({"ask", "--questions", questions.string(), "--index",
                                    index().string(), "--extractive", "--json"},
                                   env());
    ASSERT_EQ(extractive.exit_code, 0) << extractive.err;
    lines = json_lines(extractive.out);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1]["question"], "How do I remove a document?");
    EXPECT_TRUE(lines[1]["found"].get<bool>());
    EXPECT_FALSE(lines[1].contains("generation"));
}

TEST_F(RagChat, SettingsFilesSupplyTheModelAndFlagsOverrideThem) {
    write_file(index() / "openbook.toml",
               "model = \"" + stories() + "\"\n"
               "context = 4096\n"
               "[answer]\n"
               "k = 2\n"
               "temperature = 0\n"
               "max_tokens = 6\n");
    auto r = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index",
                           index().string(), "--json"},
                          env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("generation")) << "the configured model wrote the answer";
    EXPECT_EQ(j["generation"]["generated_tokens"], 6);
    EXPECT_LE(j["sources"].size(), 2u);

    // Flags win over the collection's file, which wins over the user's.
    const auto user = dir_ / "config.toml";
    write_file(user, "max_tokens = 9\nk = 4\npersona = \"A librarian.\"\n");
    r = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index",
                      index().string(), "--json", "-n", "3"},
                     {"OPENBOOK_CONFIG=" + user.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["generation"]["generated_tokens"], 3);
    EXPECT_LE(j["sources"].size(), 2u);

    // A broken file is named, with its line, and nothing runs.
    write_file(index() / "openbook.toml", "k = 2\ntemperature = \"warm\"\n");
    r = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index",
                      index().string()},
                     env());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("openbook.toml:2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("temperature"), std::string::npos) << r.err;
}

TEST_F(RagChat, CtrlCStopsTheAnswerAndLeavesTheOutputClean) {
    auto r = run_openbook_interrupted(
        {"ask", "What happens when I ingest an encrypted PDF?", "--index", index().string(), "-m",
         stories(), "-c", "4096", "-n", "300", "--temp", "0"},
        [](const std::string& out) { return !out.empty(); }, SIGINT, env());
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("stop: cancelled"), std::string::npos) << r.err;
    // The partial answer, then the sources, each line finished; no terminal control codes.
    EXPECT_NE(r.out.find("\n\nSources\n[1] "), std::string::npos) << r.out;
    ASSERT_FALSE(r.out.empty());
    EXPECT_EQ(r.out.back(), '\n');
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

TEST_F(RagChat, WithoutAConfiguredModelTheDefaultIsUsedOrThePassagesQuoted) {
    const std::string q = "What happens when I ingest an encrypted PDF?";
    // Not downloaded, Hub unreachable (the tests' endpoint refuses connections): the passages
    // are quoted, after one line saying why.
    auto r = run_openbook({"ask", q, "--index", index().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("[1]"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("downloading the default model"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("quoting the passages"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;

    r = run_openbook({"ask", q, "--index", index().string()}, {"HF_HUB_OFFLINE=1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("HF_HUB_OFFLINE"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("downloading"), std::string::npos) << r.err;

    r = run_openbook({"ask", q, "--index", index().string(), "--extractive"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("default model"), std::string::npos) << r.err;

    // The default alias already in the Hugging Face cache (laid out as huggingface_hub does,
    // with stories260K standing in for the file): ask uses it without any flag or setting.
    auto models = run_openbook({"models", "--json"});
    ASSERT_EQ(models.exit_code, 0) << models.err;
    std::string repo, file;
    const auto listing = nlohmann::json::parse(models.out);
    for (const auto& a : listing["aliases"]) {
        if (a["default"].get<bool>()) {
            repo = a["repo"].get<std::string>();
            file = a["file"].get<std::string>();
        }
    }
    ASSERT_FALSE(repo.empty());
    std::string folder = "models--" + repo;
    folder.replace(folder.find('/'), 1, "--");
    const auto hub = dir_ / "hf" / "hub" / folder;
    const std::string commit(40, 'a');
    std::filesystem::create_directories(hub / "blobs");
    std::filesystem::create_directories(hub / "snapshots" / commit);
    std::filesystem::create_directories(hub / "refs");
    std::filesystem::copy_file(stories(), hub / "blobs" / std::string(64, 'b'));
    std::filesystem::create_symlink("../../blobs/" + std::string(64, 'b'),
                                    hub / "snapshots" / commit / file);
    write_file(hub / "refs" / "main", commit);
    r = run_openbook({"ask", q, "--index", index().string(), "-c", "4096", "-n", "4", "--json"},
                     {"HF_HOME=" + (dir_ / "hf").string(),
                      "HF_HUB_CACHE=" + (dir_ / "hf" / "hub").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.contains("generation")) << r.err;
    EXPECT_EQ(j["generation"]["generated_tokens"], 4);
}

}  // namespace
}  // namespace openbook::testing
