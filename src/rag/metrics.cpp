#include "rag/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace openbook::rag {

double ndcg_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k) {
    double dcg = 0;
    for (size_t i = 0; i < ranked.size() && i < k; ++i) {
        auto it = qrels.find(ranked[i]);
        if (it != qrels.end() && it->second > 0) dcg += it->second / std::log2(i + 2.0);
    }
    std::vector<int> ideal;
    for (const auto& [doc, rel] : qrels) {
        if (rel > 0) ideal.push_back(rel);
    }
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    double idcg = 0;
    for (size_t i = 0; i < ideal.size() && i < k; ++i) idcg += ideal[i] / std::log2(i + 2.0);
    return idcg > 0 ? dcg / idcg : 0;
}

double recall_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k) {
    size_t relevant = 0;
    for (const auto& [doc, rel] : qrels) relevant += rel > 0;
    if (relevant == 0) return 0;
    size_t found = 0;
    for (size_t i = 0; i < ranked.size() && i < k; ++i) {
        auto it = qrels.find(ranked[i]);
        found += it != qrels.end() && it->second > 0;
    }
    return static_cast<double>(found) / static_cast<double>(relevant);
}

double mrr_at_k(const std::vector<std::string>& ranked, const Qrels& qrels, size_t k) {
    for (size_t i = 0; i < ranked.size() && i < k; ++i) {
        auto it = qrels.find(ranked[i]);
        if (it != qrels.end() && it->second > 0) return 1.0 / static_cast<double>(i + 1);
    }
    return 0;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double pos = (p / 100.0) * static_cast<double>(values.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return values[lo] + (values[hi] - values[lo]) * frac;
}

}  // namespace openbook::rag
