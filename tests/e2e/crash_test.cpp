// kill -9 during ingest: whatever moment the process dies, the next open sees a consistent
// collection in which every document is either fully the old version or fully the new one, and
// a following ingest completes the job.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/hash.h"
#include "e2e/run_process.h"
#include "store/catalog.h"
#include "support/test_support.h"

namespace openbook::testing {
namespace {

constexpr int kFiles = 300;

// Version v of file i: a few KB of distinct real prose so chunking does real work.
std::string file_text(const std::string& prose, int i, int v) {
    const size_t len = 12000 + static_cast<size_t>(i % 7) * 1500;
    const size_t start = (static_cast<size_t>(i) * 7919 + static_cast<size_t>(v) * 104729) %
                         (prose.size() - len - 1);
    std::string body = prose.substr(start, len);
    // Plain ASCII line breaks only, so the stored text equals the file's bytes.
    for (char& c : body) {
        if (c == '\r' || static_cast<unsigned char>(c) >= 0x80) c = ' ';
    }
    return "File " + std::to_string(i) + " version " + std::to_string(v) + "\n\n" + body + "\n";
}

void write_version(const TempDir& dir, const std::string& prose, int v) {
    for (int i = 0; i < kFiles; ++i) {
        write_file(dir / ("docs/f" + std::to_string(i) + ".txt"), file_text(prose, i, v));
    }
}

// Checks every invariant; returns how many files are at version `newer`.
int check_consistent(const std::filesystem::path& index, const std::string& prose, int older,
                     int newer) {
    auto catalog = store::Catalog::open(index / "catalog.db", store::Catalog::Mode::kReadOnly);
    EXPECT_TRUE(catalog.has_value()) << catalog.error().to_string();
    if (!catalog.has_value()) return -1;
    EXPECT_EQ(*(*catalog)->integrity_check(), "ok");
    auto docs = (*catalog)->list_documents(true);
    EXPECT_TRUE(docs.has_value());
    EXPECT_EQ(docs->size(), static_cast<size_t>(kFiles));
    int at_newer = 0;
    for (const auto& d : *docs) {
        const std::string name = std::filesystem::path(d.uri).stem().string();
        const int i = std::stoi(name.substr(1));
        const std::string old_text = file_text(prose, i, older);
        const std::string new_text = file_text(prose, i, newer);
        const bool is_new = d.text == new_text;
        EXPECT_TRUE(is_new || d.text == old_text) << d.uri << " holds a mix of versions";
        at_newer += is_new;
        // The source row agrees with the document it produced.
        auto src = (*catalog)->find_source(d.uri);
        const bool has_source = src.has_value() && src->has_value();
        EXPECT_TRUE(has_source) << d.uri;
        if (!has_source) continue;
        EXPECT_EQ((*src)->content_hash, core::content_hash(is_new ? new_text : old_text)) << d.uri;
        // Chunks are complete and belong to this text.
        auto chunks = (*catalog)->chunks_of(d.id);
        EXPECT_TRUE(chunks.has_value());
        EXPECT_FALSE(chunks->empty()) << d.uri;
        for (size_t k = 0; k < chunks->size(); ++k) {
            const auto& c = (*chunks)[k];
            EXPECT_EQ(c.ordinal, static_cast<int64_t>(k));
            EXPECT_EQ(d.text.substr(static_cast<size_t>(c.byte_start),
                                    static_cast<size_t>(c.byte_end - c.byte_start)),
                      c.text);
        }
        const size_t tail = static_cast<size_t>(chunks->back().byte_end);
        EXPECT_EQ(d.text.find_first_not_of(" \n", tail), std::string::npos)
            << d.uri << ": chunks stop before the end of the text: '" << d.text.substr(tail) << "'";
    }
    return at_newer;
}

TEST(Crash, KillDuringIngestLeavesEveryDocumentWholeOldOrWholeNew) {
    const std::string prose = read_file(shared_data("ollama-testdata/war-and-peace.txt"));
    ASSERT_GT(prose.size(), 1000000u);
    TempDir dir;
    const std::string index = (dir / "index").string();
    const std::string docs = (dir / "docs").string();

    write_version(dir, prose, 0);
    auto t0 = std::chrono::steady_clock::now();
    auto first = run_openbook({"ingest", docs, "--index", index, "-q", "--commit-every", "10"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const auto full_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - t0)
                             .count();
    EXPECT_EQ(check_consistent(index, prose, 0, 0), kFiles);

    std::mt19937 rng(12345);
    int version = 0;
    int killed_midway = 0;
    for (int round = 0; round < 8; ++round) {
        const int older = version;
        const int newer = version + 1;
        write_version(dir, prose, newer);
        // Spread kill times over the whole run, from "just started" to "nearly done".
        std::uniform_int_distribution<long> delay(0, std::max<long>(1, full_ms));
        // Small transactions, so that most kills land between two commits of one run.
        pid_t pid = spawn_openbook({"ingest", docs, "--index", index, "-q", "--commit-every", "10"});
        ASSERT_GT(pid, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);

        // Files already at `newer` before the kill are fine; the rest must be wholly `older`.
        const int done = check_consistent(index, prose, older, newer);
        if (done > 0 && done < kFiles) ++killed_midway;

        // The lock died with the process: a new ingest runs and finishes the job.
        auto finish = run_openbook({"ingest", docs, "--index", index, "-q", "--json"});
        ASSERT_EQ(finish.exit_code, 0) << finish.err;
        EXPECT_EQ(check_consistent(index, prose, older, newer), kFiles);
        version = newer;
    }
    // The kills must have landed inside the work at least once, or this test proved little.
    EXPECT_GT(killed_midway, 0);
}

}  // namespace
}  // namespace openbook::testing
