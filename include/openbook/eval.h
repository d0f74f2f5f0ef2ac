// Retrieval evaluation on BEIR-layout datasets (and SQuAD-format files converted to them).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "openbook/status.h"
#include "openbook/types.h"

namespace openbook {

struct BeirEvalOptions {
    std::string split = "test";
    // Collection to build (and keep); empty: a temporary one, removed afterwards.
    std::filesystem::path index_dir;
    bool chunk = false;        // chunk documents as ingest does; default: one chunk per document
    ChunkingOptions chunking;  // used with `chunk`
    SearchRequest search;      // k1, b, exhaustive; k is set by the evaluation
};

struct BeirEvalReport {
    std::string dataset;
    std::string split;
    size_t documents = 0;
    size_t chunks = 0;
    size_t queries = 0;
    double ndcg_at_10 = 0;
    double recall_at_1 = 0;
    double recall_at_5 = 0;
    double recall_at_10 = 0;
    double recall_at_100 = 0;
    double mrr_at_10 = 0;
    double latency_p50_ms = 0;
    double latency_p95_ms = 0;
    double queries_per_second = 0;  // one thread, end to end (analysis, search, id lookup)
    double index_seconds = 0;
};

// Ingests DIR/corpus.jsonl, runs every query of the split that has judgments, and scores the
// ranked document ids (the best chunk per document) with the standard metrics (see
// src/rag/metrics.h). `progress`, if set, is called with (queries done, queries total).
Result<BeirEvalReport> evaluate_beir(const std::filesystem::path& dir,
                                     const BeirEvalOptions& options,
                                     const std::function<void(size_t, size_t)>& progress = {});

// Converts a SQuAD-format JSON file (DRCD, CMRC 2018) into a BEIR folder: each paragraph a
// document, each question a query whose relevant document is its paragraph.
struct SquadConversionReport {
    size_t paragraphs = 0;
    size_t questions = 0;
};
Result<SquadConversionReport> convert_squad_to_beir(const std::filesystem::path& squad_json,
                                                    const std::filesystem::path& out_dir);

}  // namespace openbook
