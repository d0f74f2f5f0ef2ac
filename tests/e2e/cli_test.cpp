// The `openbook` command end to end: what a user and a script see (output, JSON, exit codes).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "openbook/collection.h"
#include "support/doc_fixtures.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(OPENBOOK_SOURCE_DIR) / "examples";

size_t count_files(const std::filesystem::path& dir) {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        n += e.is_regular_file() && e.path().filename().string()[0] != '.';
    }
    return n;
}

nlohmann::json parse_json(const std::string& s) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << s;
    return j;
}

// Code points [start, end) of UTF-8 text.
std::string code_point_slice(const std::string& text, size_t start, size_t end) {
    size_t cp = 0;
    size_t b = 0;
    size_t bs = std::string::npos;
    for (; b <= text.size(); ++b) {
        if (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) continue;
        if (cp == start) bs = b;
        if (cp == end) break;
        ++cp;
    }
    return text.substr(bs, b - bs);
}

TEST(Cli, HelpListsTheCommands) {
    auto r = run_openbook({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* cmd : {"ingest", "sync", "rm", "ls", "show", "stats", "search", "ask", "eval",
                            "model", "tokenize", "generate", "chat", "bench"}) {
        EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd << " missing from:\n" << r.out;
    }
    auto sub = run_openbook({"ingest", "--help"});
    EXPECT_EQ(sub.exit_code, 0);
    EXPECT_NE(sub.out.find("--exclude"), std::string::npos);
}

TEST(Cli, IngestExamplesThenListShowAndStatsAsJson) {
    TempDir index;
    const std::string idx = index.path().string();
    auto r = run_openbook({"ingest", kExamples.string(), "--index", idx, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = parse_json(r.out);
    const size_t n_files = count_files(kExamples);
    EXPECT_EQ(report["added"].get<size_t>(), n_files);
    EXPECT_EQ(report["failed"].get<size_t>(), 0u);
    EXPECT_GT(report["chunks"].get<size_t>(), n_files);
    EXPECT_EQ(r.err.find("\033["), std::string::npos) << "progress bar drawn on a non-terminal";

    auto again = run_openbook({"ingest", kExamples.string(), "--index", idx, "--json"});
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_EQ(parse_json(again.out)["unchanged"].get<size_t>(), n_files);

    auto ls = run_openbook({"ls", "--index", idx, "--json"});
    ASSERT_EQ(ls.exit_code, 0) << ls.err;
    auto docs = parse_json(ls.out);
    ASSERT_EQ(docs.size(), n_files);
    bool saw_traditional_chinese = false;
    for (const auto& d : docs) {
        EXPECT_FALSE(d["title"].get<std::string>().empty()) << d.dump();
        EXPECT_GT(d["chunks"].get<int>(), 0);
        saw_traditional_chinese |= d["uri"].get<std::string>().find("zh-TW") != std::string::npos;
    }
    EXPECT_TRUE(saw_traditional_chinese);

    // show: every chunk's char span selects exactly its text from the document's text.
    const std::string uri = docs[0]["uri"].get<std::string>();
    auto show = run_openbook({"show", uri, "--index", idx, "--json"});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    auto view = parse_json(show.out);
    const std::string text = view["text"].get<std::string>();
    ASSERT_FALSE(view["chunks"].empty());
    for (const auto& c : view["chunks"]) {
        EXPECT_EQ(code_point_slice(text, c["char_start"].get<size_t>(), c["char_end"].get<size_t>()),
                  c["text"].get<std::string>());
    }
    auto human = run_openbook({"show", uri, "--index", idx});
    EXPECT_EQ(human.exit_code, 0);
    EXPECT_NE(human.out.find("chars 0-"), std::string::npos) << human.out;

    auto stats = run_openbook({"stats", "--index", idx, "--json"});
    ASSERT_EQ(stats.exit_code, 0);
    auto s = parse_json(stats.out);
    EXPECT_EQ(s["documents"].get<size_t>(), n_files);
    EXPECT_EQ(s["chunks"].get<size_t>(), report["chunks"].get<size_t>());
    EXPECT_GT(s["disk_bytes"].get<int64_t>(), 0);
}

TEST(Cli, IndexComesFromTheEnvironmentOrDefaultsToDotOpenbook) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\nSome text.\n");
    auto by_env = run_openbook({"ingest", (tmp / "docs").string()},
                               {"OPENBOOK_INDEX=" + (tmp / "env-index").string()});
    ASSERT_EQ(by_env.exit_code, 0) << by_env.err;
    EXPECT_TRUE(std::filesystem::exists(tmp / "env-index/catalog.db"));
    auto by_default = run_openbook({"ingest", "docs"}, {}, tmp.path());
    ASSERT_EQ(by_default.exit_code, 0) << by_default.err;
    EXPECT_TRUE(std::filesystem::exists(tmp / ".openbook/catalog.db"));
    auto ls = run_openbook({"ls"}, {}, tmp.path());
    EXPECT_NE(ls.out.find("docs/a.md"), std::string::npos) << ls.out;
}

TEST(Cli, ExitCodesMeanSomething) {
    TempDir tmp;
    const std::string idx = (tmp / "index").string();
    auto missing = run_openbook({"ls", "--index", idx});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("openbook ingest"), std::string::npos) << missing.err;

    EXPECT_EQ(run_openbook({"ingest"}).exit_code, 2);
    EXPECT_EQ(run_openbook({"no-such-command"}).exit_code, 2);
    auto bad_option = run_openbook({"ingest", "x", "--index", idx, "--chunk-tokens", "0"});
    EXPECT_EQ(bad_option.exit_code, 2);
    EXPECT_NE(bad_option.err.find("target"), std::string::npos) << bad_option.err;

    // Some files fail: exit 3, and the failure names the file and the reason.
    write_file(tmp / "docs/good.md", "# Good\n\ntext\n");
    write_file(tmp / "docs/bad.pdf", "%PDF-1.4 truncated");
    auto partial = run_openbook({"ingest", (tmp / "docs").string(), "--index", idx});
    EXPECT_EQ(partial.exit_code, 3) << partial.out << partial.err;
    EXPECT_NE(partial.err.find("bad.pdf"), std::string::npos) << partial.err;
    EXPECT_NE(partial.out.find("1 added"), std::string::npos) << partial.out;

    auto rm_unknown = run_openbook({"rm", "nope.md", "--index", idx});
    EXPECT_EQ(rm_unknown.exit_code, 1);
    EXPECT_NE(rm_unknown.err.find("nope.md"), std::string::npos);
    auto rm = run_openbook({"rm", (tmp / "docs/good.md").string(), "--index", idx});
    EXPECT_EQ(rm.exit_code, 0) << rm.err;
    EXPECT_NE(rm.out.find("1 document removed"), std::string::npos) << rm.out;
}

TEST(Cli, ASecondWriterIsToldWhoHoldsTheLock) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\ntext\n");
    auto writer = Collection::open(tmp / "index", Collection::Mode::kWrite);
    ASSERT_TRUE(writer.has_value());
    auto r = run_openbook({"ingest", (tmp / "docs").string(), "--index", (tmp / "index").string()});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("another openbook process"), std::string::npos) << r.err;
    // Readers are not blocked by the writer.
    auto ls = run_openbook({"ls", "--index", (tmp / "index").string()});
    EXPECT_EQ(ls.exit_code, 0) << ls.err;
}

TEST(Cli, SyncRemovesWhatIsGone) {
    TempDir tmp;
    write_file(tmp / "docs/a.md", "# A\n\ntext a\n");
    write_file(tmp / "docs/b.md", "# B\n\ntext b\n");
    const std::string idx = (tmp / "index").string();
    ASSERT_EQ(run_openbook({"ingest", (tmp / "docs").string(), "--index", idx}).exit_code, 0);
    std::filesystem::remove(tmp / "docs/b.md");
    auto r = run_openbook({"sync", (tmp / "docs").string(), "--index", idx, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(parse_json(r.out)["removed"].get<int>(), 1);
    auto ls = parse_json(run_openbook({"ls", "--index", idx, "--json"}).out);
    EXPECT_EQ(ls.size(), 1u);
}

TEST(Cli, SearchAndAskOverTheExamples) {
    TempDir index;
    const std::string idx = index.path().string();
    ASSERT_EQ(run_openbook({"ingest", kExamples.string(), "--index", idx, "-q"}).exit_code, 0);

    auto search = run_openbook({"search", "檢索", "--index", idx, "--json", "-k", "3"});
    ASSERT_EQ(search.exit_code, 0) << search.err;
    auto s = parse_json(search.out);
    ASSERT_FALSE(s["hits"].empty());
    for (const auto& hit : s["hits"]) {
        const std::string text = hit["text"].get<std::string>();
        ASSERT_FALSE(hit["highlights"].empty()) << hit.dump();
        for (const auto& h : hit["highlights"]) {
            // Highlights are code-point offsets into the chunk text and cover a match (folded
            // from Traditional or Simplified script).
            std::string m = code_point_slice(text, h[0].get<size_t>(), h[1].get<size_t>());
            EXPECT_TRUE(m == "檢索" || m == "检索") << m;
        }
    }
    auto human = run_openbook({"search", "chunk overlap", "--index", idx});
    EXPECT_EQ(human.exit_code, 0);
    EXPECT_NE(human.out.find("chunking.md"), std::string::npos) << human.out;
    // Not a terminal: matches are marked with brackets.
    EXPECT_TRUE(human.out.find("[overlap]") != std::string::npos ||
                human.out.find("[Overlap]") != std::string::npos)
        << human.out;

    auto quoted = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index", idx});
    ASSERT_EQ(quoted.exit_code, 0) << quoted.err;
    EXPECT_NE(quoted.err.find("--model"), std::string::npos) << quoted.err;  // how to get a model

    auto ask = run_openbook({"ask", "What happens when I ingest an encrypted PDF?", "--index", idx,
                             "--json"});
    ASSERT_EQ(ask.exit_code, 0) << ask.err;
    auto a = parse_json(ask.out);
    EXPECT_TRUE(a["found"].get<bool>());
    EXPECT_NE(a["answer"].get<std::string>().find("[1]"), std::string::npos) << a.dump(2);
    ASSERT_FALSE(a["sources"].empty());
    EXPECT_EQ(a["sources"][0]["n"].get<int>(), 1);

    auto off_topic = run_openbook({"ask", "What is the capital of France?", "--index", idx});
    EXPECT_EQ(off_topic.exit_code, 0);
    EXPECT_NE(off_topic.out.find("do not seem to answer"), std::string::npos) << off_topic.out;

    auto empty = run_openbook({"search", "。。。", "--index", idx});
    EXPECT_EQ(empty.exit_code, 0);
    EXPECT_NE(empty.err.find("no searchable words"), std::string::npos) << empty.err;
}

TEST(Cli, EvalOnATinyBeirDataset) {
    TempDir tmp;
    write_file(tmp / "beir/corpus.jsonl",
               "{\"_id\":\"d1\",\"title\":\"Cats\",\"text\":\"Cats purr when they are content.\"}\n"
               "{\"_id\":\"d2\",\"title\":\"Dogs\",\"text\":\"Dogs bark at strangers.\"}\n"
               "{\"_id\":\"d3\",\"title\":\"Birds\",\"text\":\"Birds sing at dawn.\"}\n");
    write_file(tmp / "beir/queries.jsonl",
               "{\"_id\":\"q1\",\"text\":\"why do cats purr\"}\n"
               "{\"_id\":\"q2\",\"text\":\"when do birds sing\"}\n");
    write_file(tmp / "beir/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n");
    auto r = run_openbook({"eval", "beir", (tmp / "beir").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_EQ(j["queries"].get<int>(), 2);
    EXPECT_DOUBLE_EQ(j["ndcg@10"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(j["mrr@10"].get<double>(), 1.0);
    auto missing = run_openbook({"eval", "beir", (tmp / "nope").string()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("corpus.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace openbook::testing
