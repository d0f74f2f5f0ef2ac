#include "rag/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace openbook::rag {
namespace {

TEST(Metrics, NdcgMatchesAHandComputation) {
    Qrels q = {{"a", 1}, {"b", 2}, {"z", 1}};
    // Ranked: b (rel 2) at 1, x at 2, a (rel 1) at 3; z never retrieved.
    std::vector<std::string> ranked = {"b", "x", "a"};
    const double dcg = 2 / std::log2(2.0) + 1 / std::log2(4.0);
    const double idcg = 2 / std::log2(2.0) + 1 / std::log2(3.0) + 1 / std::log2(4.0);
    EXPECT_NEAR(ndcg_at_k(ranked, q, 10), dcg / idcg, 1e-12);
    // Cut at 1: only b counts, ideal at 1 is also 2.
    EXPECT_NEAR(ndcg_at_k(ranked, q, 1), 1.0, 1e-12);
    EXPECT_EQ(ndcg_at_k({"x", "y"}, q, 10), 0.0);
    EXPECT_EQ(ndcg_at_k(ranked, {}, 10), 0.0);
    EXPECT_EQ(ndcg_at_k(ranked, {{"a", 0}}, 10), 0.0);  // rel 0 is not relevant
}

TEST(Metrics, RecallAndMrr) {
    Qrels q = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 0}};
    std::vector<std::string> ranked = {"x", "d", "b", "a"};
    EXPECT_NEAR(recall_at_k(ranked, q, 10), 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(recall_at_k(ranked, q, 3), 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(mrr_at_k(ranked, q, 10), 1.0 / 3.0, 1e-12);
    EXPECT_EQ(mrr_at_k(ranked, q, 2), 0.0);
    EXPECT_EQ(recall_at_k({}, q, 10), 0.0);
}

TEST(Metrics, PercentileInterpolatesLikeNumpy) {
    EXPECT_EQ(percentile({}, 50), 0.0);
    EXPECT_EQ(percentile({7}, 95), 7.0);
    EXPECT_NEAR(percentile({1, 2, 3, 4}, 50), 2.5, 1e-12);
    EXPECT_NEAR(percentile({10, 1, 3, 2, 4}, 95), 8.8, 1e-12);  // numpy.percentile → 8.8
}

}  // namespace
}  // namespace openbook::rag
