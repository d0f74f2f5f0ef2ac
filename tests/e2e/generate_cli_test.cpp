// `openbook generate`, `chat`, `bench` and `model synth` end to end. stories260K is a real
// pretrained tiny Llama; llama.cpp's greedy ids for it (../shared/data/stories260k-gguf) must be
// reproduced exactly.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

const std::string kStories = "stories260k-gguf/stories260K-f32.gguf";

const nlohmann::json& reference() {
    static const nlohmann::json j = nlohmann::json::parse(
        read_file(shared_data("stories260k-gguf/stories260k-llamacpp-ref.json")));
    return j;
}

std::vector<int> ids_of(const std::string& line) {
    std::istringstream in(line);
    std::vector<int> ids;
    for (int id; in >> id;) ids.push_back(id);
    return ids;
}

TEST(GenerateCli, GreedyIdsEqualLlamaCppAfterAPrompt) {
    const auto& ref = reference()["once_upon_a_time_200"];
    for (const char* kv : {"--kv-f32", ""}) {  // the reference used F32; F16 does not diverge
        std::vector<std::string> args = {"generate", "-m", shared_data(kStories).string(), "-p",
                                         ref["prompt"].get<std::string>(), "-n", "200", "--temp",
                                         "0", "--ids"};
        if (*kv) args.push_back(kv);
        auto r = run_openbook(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(ids_of(r.out), ref["gen_ids"].get<std::vector<int>>()) << kv;
    }
}

TEST(GenerateCli, GreedyTextFromBosEqualsLlamaCpp) {
    const auto& ref = reference()["greedy_from_bos_400"];
    auto r = run_openbook({"generate", "-m", shared_data(kStories).string(), "-p", "", "-n", "400",
                           "--temp", "0", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tokens"].get<std::vector<int>>(), ref["gen_ids"].get<std::vector<int>>());
    EXPECT_EQ(j["text"].get<std::string>(), ref["text"].get<std::string>());
    EXPECT_EQ(j["stop_reason"], "max_tokens");
    EXPECT_EQ(j["prompt_tokens"], 1);
}

TEST(GenerateCli, StreamsTextAndStopsAtAStopString) {
    auto r = run_openbook({"generate", "-m", shared_data(kStories).string(), "-p",
                           "Once upon a time", "-n", "200", "--temp", "0", "--stop", "Lily"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string expected =
        reference()["once_upon_a_time_200"]["text"].get<std::string>();
    const size_t cut = expected.find("Lily");
    ASSERT_NE(cut, std::string::npos);
    EXPECT_EQ(r.out, expected.substr(0, cut) + "\n");
    EXPECT_NE(r.err.find("stop: stop_string"), std::string::npos) << r.err;
}

TEST(GenerateCli, SeededSamplingIsReproducible) {
    auto run = [](const char* seed) {
        return run_openbook({"generate", "-m", shared_data(kStories).string(), "-p", "Once", "-n",
                             "30", "--temp", "1.0", "--seed", seed, "--ids"});
    };
    auto a = run("5"), b = run("5"), c = run("6");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out, c.out);
}

TEST(GenerateCli, PromptLongerThanTheContextIsAClearError) {
    std::string long_prompt;
    for (int i = 0; i < 40; ++i) long_prompt += "Once upon a time there was a girl. ";
    auto r = run_openbook({"generate", "-m", shared_data(kStories).string(), "-c", "64", "-p",
                           long_prompt, "-n", "5"});
    EXPECT_EQ(r.exit_code, 2);  // bad input from the command line
    EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

TEST(GenerateCli, NotAModelOrAnEncoderIsAClearError) {
    TempDir dir;
    write_file(dir / "x.gguf", "GGUF nonsense");
    auto r = run_openbook({"generate", "-m", (dir / "x.gguf").string(), "-p", "hi"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("x.gguf"), std::string::npos) << r.err;

    r = run_openbook({"generate", "-m", shared_data("llamacpp-fixtures/tiny-bert-f32.gguf").string(),
                      "-p", "hi"});
    EXPECT_EQ(r.exit_code, 2);  // an embedding model where a language model is needed
    EXPECT_NE(r.err.find("tiny-bert-f32.gguf"), std::string::npos) << r.err;
}

TEST(GenerateCli, ChatAppliesATemplateAndAnswers) {
    TempDir dir;
    // stories260K has no chat template: --template picks one; stdin carries two turns.
    write_file(dir / "in.txt", "Tell me a story\n/reset\nAnother one\n");
    auto r = run_openbook({"chat", "-m", shared_data(kStories).string(), "--template", "chatml",
                           "-n", "20", "--temp", "0"},
                          {}, {}, (dir / "in.txt").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GT(r.out.size(), 20u);
}

TEST(GenerateCli, BenchReportsBothPhases) {
    auto r = run_openbook({"bench", "-m", shared_data(kStories).string(), "-p", "32", "-n", "8",
                           "-r", "2", "-t", "1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["n_prompt"], 32);
    EXPECT_EQ(j["n_gen"], 8);
    EXPECT_EQ(j["threads"], 1);
    EXPECT_EQ(j["pp_samples"].size(), 2u);
    EXPECT_GT(j["pp_tokens_per_s"].get<double>(), 0);
    EXPECT_GT(j["tg_tokens_per_s"].get<double>(), 0);
}

TEST(GenerateCli, SynthWritesAModelWithTheRealShapes) {
    TempDir dir;
    const std::string out = (dir / "bge.gguf").string();
    auto r = run_openbook({"model", "synth", "bge-small", "--type", "Q8_0", "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto info = run_openbook({"model", "info", "--json", out});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    auto j = nlohmann::json::parse(info.out);
    EXPECT_EQ(j["architecture"], "bert");
    EXPECT_EQ(j["embedding_length"], 384);
    EXPECT_EQ(j["block_count"], 12);
    EXPECT_EQ(j["tokenizer"]["vocab_size"], 30522);
    EXPECT_TRUE(j["tensor_types"].contains("Q8_0"));
    // bge-small has 33.4M parameters.
    EXPECT_NEAR(j["parameters"].get<double>(), 33.4e6, 0.3e6);

    r = run_openbook({"model", "synth", "no-such-model", "-o", out});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("qwen2.5-0.5b"), std::string::npos) << r.err;  // lists the known ones
}

}  // namespace
}  // namespace openbook::testing
