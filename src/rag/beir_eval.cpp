// evaluate_beir: build a collection from a BEIR corpus, run the queries, score them.
#include <chrono>
#include <random>
#include <unordered_set>

#include "openbook/collection.h"
#include "openbook/eval.h"
#include "rag/beir_dataset.h"
#include "rag/metrics.h"

namespace openbook {

namespace {

constexpr size_t kRankDepth = 100;

// A temporary directory removed on scope exit.
struct ScopedTempDir {
    std::filesystem::path path;
    ~ScopedTempDir() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

Result<BeirEvalReport> evaluate_beir(const std::filesystem::path& dir,
                                     const BeirEvalOptions& options,
                                     const std::function<void(size_t, size_t)>& progress) {
    OPENBOOK_ASSIGN_OR_RETURN(auto dataset, rag::load_beir(dir, options.split));
    BeirEvalReport report;
    report.dataset = dir.string();
    report.split = options.split;

    ScopedTempDir temp;
    std::filesystem::path index_dir = options.index_dir;
    if (index_dir.empty()) {
        std::random_device rd;
        temp.path = std::filesystem::temp_directory_path() /
                    ("openbook-eval-" + std::to_string(rd()) + std::to_string(rd()));
        index_dir = temp.path;
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto collection, Collection::open(index_dir, Collection::Mode::kWrite));
    IngestOptions ingest;
    if (options.chunk) {
        ingest.chunking = options.chunking;
    } else {
        // One chunk per corpus document, as BEIR evaluates: sizes larger than any document.
        ingest.chunking.target_tokens = ingest.chunking.max_tokens = 1u << 30;
        ingest.chunking.overlap_tokens = 0;
        ingest.chunking.min_tokens = 1;
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto ingested,
                              collection->ingest({dataset.corpus.string()}, ingest));
    if (ingested.failed > 0) {
        return Status::corrupt(dataset.corpus.string() + ": could not be ingested: " +
                               (ingested.notes.empty() ? "" : ingested.notes.front().reason));
    }
    report.index_seconds = ingested.seconds;
    OPENBOOK_ASSIGN_OR_RETURN(auto stats, collection->stats());
    report.documents = static_cast<size_t>(stats.documents);
    report.chunks = static_cast<size_t>(stats.chunks);

    SearchRequest request = options.search;
    request.with_text = false;
    // With several chunks per document, look deeper so that 100 distinct documents remain.
    request.k = options.chunk ? kRankDepth * 10 : kRankDepth;

    std::vector<double> latencies_ms;
    double sum_ndcg10 = 0, sum_r1 = 0, sum_r5 = 0, sum_r10 = 0, sum_r100 = 0, sum_mrr10 = 0;
    const auto t_all = std::chrono::steady_clock::now();
    for (size_t i = 0; i < dataset.queries.size(); ++i) {
        const auto& query = dataset.queries[i];
        const auto t0 = std::chrono::steady_clock::now();
        OPENBOOK_ASSIGN_OR_RETURN(auto result, collection->search(query.text, request));
        std::vector<std::string> ranked;
        std::unordered_set<std::string> seen;
        for (const auto& hit : result.hits) {
            // BEIR ignores a hit whose id equals the query's own id (corpora that hold queries).
            if (hit.external_id == query.id) continue;
            if (seen.insert(hit.external_id).second) ranked.push_back(hit.external_id);
            if (ranked.size() == kRankDepth) break;
        }
        latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        const rag::Qrels& qrels = dataset.qrels.at(query.id);
        sum_ndcg10 += rag::ndcg_at_k(ranked, qrels, 10);
        sum_r1 += rag::recall_at_k(ranked, qrels, 1);
        sum_r5 += rag::recall_at_k(ranked, qrels, 5);
        sum_r10 += rag::recall_at_k(ranked, qrels, 10);
        sum_r100 += rag::recall_at_k(ranked, qrels, 100);
        sum_mrr10 += rag::mrr_at_k(ranked, qrels, 10);
        if (progress) progress(i + 1, dataset.queries.size());
    }
    const double total_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
    const double n = static_cast<double>(dataset.queries.size());
    report.queries = dataset.queries.size();
    report.ndcg_at_10 = sum_ndcg10 / n;
    report.recall_at_1 = sum_r1 / n;
    report.recall_at_5 = sum_r5 / n;
    report.recall_at_10 = sum_r10 / n;
    report.recall_at_100 = sum_r100 / n;
    report.mrr_at_10 = sum_mrr10 / n;
    report.latency_p50_ms = rag::percentile(latencies_ms, 50);
    report.latency_p95_ms = rag::percentile(latencies_ms, 95);
    report.queries_per_second = total_s > 0 ? n / total_s : 0;
    return report;
}

Result<SquadConversionReport> convert_squad_to_beir(const std::filesystem::path& squad_json,
                                                    const std::filesystem::path& out_dir) {
    OPENBOOK_ASSIGN_OR_RETURN(auto n, rag::convert_squad_to_beir(squad_json, out_dir));
    return SquadConversionReport{n.paragraphs, n.questions};
}

}  // namespace openbook
