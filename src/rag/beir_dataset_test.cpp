#include "rag/beir_dataset.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace openbook::rag {
namespace {

using openbook::testing::shared_data;
using openbook::testing::TempDir;

TEST(BeirDataset, LoadsSciFactTestSplit) {
    auto ds = load_beir(shared_data("scifact/beir"), "test");
    ASSERT_TRUE(ds.has_value()) << ds.error().to_string();
    EXPECT_EQ(ds->queries.size(), 300u);  // SciFact's 300 test claims
    size_t judgments = 0;
    for (const auto& [q, rels] : ds->qrels) judgments += rels.size();
    EXPECT_EQ(judgments, 339u);
    EXPECT_EQ(ds->qrels.at("1").at("31715818"), 1);
}

TEST(BeirDataset, MissingOrBrokenFilesAreNamed) {
    TempDir dir;
    auto none = load_beir(dir.path(), "test");
    ASSERT_FALSE(none.has_value());
    EXPECT_NE(none.error().message().find("corpus.jsonl"), std::string::npos);
    openbook::testing::write_file(dir / "corpus.jsonl", "{}\n");
    openbook::testing::write_file(dir / "queries.jsonl", "{\"_id\":\"1\",\"text\":\"q\"}\n");
    openbook::testing::write_file(dir / "qrels/test.tsv", "query-id\tcorpus-id\tscore\n1\td1\n");
    auto bad = load_beir(dir.path(), "test");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message().find("test.tsv:2"), std::string::npos) << bad.error().message();
}

TEST(SquadToBeir, ConvertsDrcdWithEveryParagraphAndQuestion) {
    TempDir out;
    auto n = convert_squad_to_beir(shared_data("drcd/DRCD_dev.json"), out.path());
    ASSERT_TRUE(n.has_value()) << n.error().to_string();
    EXPECT_EQ(n->paragraphs, 1000u);
    EXPECT_EQ(n->questions, 3524u);
    auto ds = load_beir(out.path(), "test");
    ASSERT_TRUE(ds.has_value()) << ds.error().to_string();
    EXPECT_EQ(ds->queries.size(), 3524u);
    EXPECT_EQ(ds->qrels.at("1147-5-1").begin()->first, "1147-5");
}

TEST(SquadToBeir, ConvertsCmrc) {
    TempDir out;
    auto n = convert_squad_to_beir(shared_data("cmrc2018/cmrc2018_dev.squad.json"), out.path());
    ASSERT_TRUE(n.has_value()) << n.error().to_string();
    EXPECT_EQ(n->paragraphs, 848u);
    EXPECT_EQ(n->questions, 3219u);
}

TEST(SquadToBeir, RejectsNonSquadJson) {
    TempDir dir;
    openbook::testing::write_file(dir / "x.json", "[1,2,3]");
    auto r = convert_squad_to_beir(dir / "x.json", dir / "out");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message().find("x.json"), std::string::npos);
}

}  // namespace
}  // namespace openbook::rag
