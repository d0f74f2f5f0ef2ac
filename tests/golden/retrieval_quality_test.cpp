// The retrieval quality bars, on real data nobody here wrote: BEIR SciFact (English), DRCD dev
// (Traditional Chinese) and CMRC 2018 dev (Simplified Chinese), question → its paragraph.
// Numbers and the commands that produce them: docs/BENCHMARKS.md.
#include <gtest/gtest.h>

#include "openbook/eval.h"
#include "support/test_support.h"

namespace openbook {
namespace {

using openbook::testing::shared_data;
using openbook::testing::TempDir;

BeirEvalReport evaluate(const std::filesystem::path& dir) {
    auto r = evaluate_beir(dir, {});
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return r.has_value() ? *r : BeirEvalReport{};
}

BeirEvalReport evaluate_squad(const std::string& squad) {
    TempDir tmp;
    auto converted = convert_squad_to_beir(shared_data(squad), tmp / "beir");
    EXPECT_TRUE(converted.has_value()) << converted.error().to_string();
    return evaluate(tmp / "beir");
}

TEST(RetrievalQuality, SciFactNdcgAtTen) {
    BeirEvalReport r = evaluate(shared_data("scifact/beir"));
    EXPECT_EQ(r.queries, 300u);
    EXPECT_GE(r.ndcg_at_10, 0.68);  // BEIR's BM25: .665, Pyserini's: .679
}

TEST(RetrievalQuality, DrcdQuestionFindsItsParagraph) {
    BeirEvalReport r = evaluate_squad("drcd/DRCD_dev.json");
    EXPECT_EQ(r.documents, 1000u);
    EXPECT_EQ(r.queries, 3524u);
    EXPECT_GE(r.recall_at_1, 0.94);
    EXPECT_GE(r.recall_at_5, 0.985);
}

TEST(RetrievalQuality, Cmrc2018QuestionFindsItsParagraph) {
    BeirEvalReport r = evaluate_squad("cmrc2018/cmrc2018_dev.squad.json");
    EXPECT_EQ(r.queries, 3219u);
    EXPECT_GE(r.recall_at_1, 0.94);
    EXPECT_GE(r.recall_at_5, 0.985);
}

}  // namespace
}  // namespace openbook
