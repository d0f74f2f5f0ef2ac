// BEIR datasets on disk: DIR/corpus.jsonl, DIR/queries.jsonl, DIR/qrels/<split>.tsv; and the
// converter that turns a SQuAD-format file (DRCD, CMRC 2018) into that layout, so "question →
// its paragraph" retrieval is evaluated with the same tool.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "openbook/status.h"
#include "rag/metrics.h"

namespace openbook::rag {

struct BeirQuery {
    std::string id;
    std::string text;
};

struct BeirDataset {
    std::filesystem::path corpus;  // DIR/corpus.jsonl
    std::vector<BeirQuery> queries;  // only those with qrels in the split, in file order
    std::map<std::string, Qrels> qrels;  // query id → judgments
};

// Reads queries.jsonl and qrels/<split>.tsv (header line "query-id corpus-id score" optional).
// Errors name the file and line.
Result<BeirDataset> load_beir(const std::filesystem::path& dir, const std::string& split);

struct SquadConversion {
    size_t paragraphs = 0;
    size_t questions = 0;
};

// SQuAD JSON (data → paragraphs → context, qas) → BEIR: each paragraph becomes a corpus document
// (id: the paragraph's "id" if present, else "<article index>-<paragraph index>"; title: the
// article's title), each question a query whose one relevant document is its paragraph. Writes
// corpus.jsonl, queries.jsonl and qrels/test.tsv under out_dir (created).
Result<SquadConversion> convert_squad_to_beir(const std::filesystem::path& squad_json,
                                              const std::filesystem::path& out_dir);

}  // namespace openbook::rag
