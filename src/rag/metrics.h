// Retrieval metrics with the standard definitions, as BEIR's evaluator computes them (through
// pytrec_eval / trec_eval): graded relevance from qrels, linear gain, log2 discount.
//
//   nDCG@k  = DCG@k / IDCG@k, DCG@k = Σ_{i=1..k} rel_i / log2(i + 1), IDCG from the qrels'
//             relevance values sorted descending (0 when the query has no relevant document)
//   Recall@k = |relevant ∩ top k| / |relevant|        (relevant: qrels value > 0)
//   MRR@k   = 1 / rank of the first relevant document within the top k, else 0
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace openbook::rag {

using Qrels = std::map<std::string, int>;  // document id → relevance for one query

double ndcg_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k);
double recall_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k);
double mrr_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k);

// The p-th percentile (0..100) of values by linear interpolation between closest ranks
// (numpy's default); 0 for an empty list.
double percentile(std::vector<double> values, double p);

}  // namespace openbook::rag
