#include "rag/beir_dataset.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "core/fs.h"

namespace openbook::rag {

namespace {

std::string id_string(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return {};
}

}  // namespace

Result<BeirDataset> load_beir(const std::filesystem::path& dir, const std::string& split) {
    BeirDataset ds;
    ds.corpus = dir / "corpus.jsonl";
    if (!std::filesystem::exists(ds.corpus)) {
        return Status::not_found(ds.corpus.string() + ": missing (not a BEIR dataset folder?)");
    }
    const auto qrels_path = dir / "qrels" / (split + ".tsv");
    OPENBOOK_ASSIGN_OR_RETURN(std::string qrels_text, core::read_file(qrels_path));
    std::istringstream qin(qrels_text);
    std::string line;
    size_t line_no = 0;
    while (std::getline(qin, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::string qid, did, score;
        if (!std::getline(fields, qid, '\t') || !std::getline(fields, did, '\t') ||
            !std::getline(fields, score, '\t')) {
            return Status::corrupt(qrels_path.string() + ":" + std::to_string(line_no) +
                                   ": expected query-id<TAB>corpus-id<TAB>score");
        }
        if (line_no == 1 && qid == "query-id") continue;  // header
        char* end = nullptr;
        long rel = std::strtol(score.c_str(), &end, 10);
        if (end == score.c_str()) {
            return Status::corrupt(qrels_path.string() + ":" + std::to_string(line_no) +
                                   ": score is not a number: " + score);
        }
        ds.qrels[qid][did] = static_cast<int>(rel);
    }

    const auto queries_path = dir / "queries.jsonl";
    OPENBOOK_ASSIGN_OR_RETURN(std::string queries_text, core::read_file(queries_path));
    std::istringstream in(queries_text);
    line_no = 0;
    std::set<std::string> seen;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("_id") || !j.contains("text") ||
            !j["text"].is_string()) {
            return Status::corrupt(queries_path.string() + ":" + std::to_string(line_no) +
                                   ": expected a JSON object with \"_id\" and \"text\"");
        }
        std::string id = id_string(j["_id"]);
        if (!ds.qrels.count(id) || !seen.insert(id).second) continue;
        ds.queries.push_back({id, j["text"].get<std::string>()});
    }
    if (ds.queries.empty()) {
        return Status::corrupt(queries_path.string() + ": no query has judgments in " +
                               qrels_path.string());
    }
    return ds;
}

Result<SquadConversion> convert_squad_to_beir(const std::filesystem::path& squad_json,
                                              const std::filesystem::path& out_dir) {
    OPENBOOK_ASSIGN_OR_RETURN(std::string text, core::read_file(squad_json));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("data") || !j["data"].is_array()) {
        return Status::corrupt(squad_json.string() +
                               ": not SQuAD JSON (expected an object with a \"data\" array)");
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir / "qrels", ec);
    if (ec) return Status::io_error(out_dir.string() + ": " + ec.message());

    std::string corpus, queries, qrels = "query-id\tcorpus-id\tscore\n";
    SquadConversion n;
    const auto dump = [](const nlohmann::json& v) {
        return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    size_t article_index = 0;
    for (const auto& article : j["data"]) {
        const std::string title =
            article.contains("title") && article["title"].is_string() ? article["title"].get<std::string>() : "";
        size_t paragraph_index = 0;
        if (!article.contains("paragraphs") || !article["paragraphs"].is_array()) continue;
        for (const auto& p : article["paragraphs"]) {
            if (!p.contains("context") || !p["context"].is_string()) continue;
            std::string pid = p.contains("id") ? id_string(p["id"]) : "";
            if (pid.empty()) pid = std::to_string(article_index) + "-" + std::to_string(paragraph_index);
            corpus += dump({{"_id", pid}, {"title", title}, {"text", p["context"]}}) + "\n";
            ++n.paragraphs;
            if (p.contains("qas") && p["qas"].is_array()) {
                for (const auto& qa : p["qas"]) {
                    if (!qa.contains("question") || !qa["question"].is_string()) continue;
                    std::string qid = qa.contains("id") ? id_string(qa["id"]) : "";
                    if (qid.empty()) qid = pid + "-q" + std::to_string(n.questions);
                    queries += dump({{"_id", qid}, {"text", qa["question"]}}) + "\n";
                    qrels += qid + "\t" + pid + "\t1\n";
                    ++n.questions;
                }
            }
            ++paragraph_index;
        }
        ++article_index;
    }
    if (n.paragraphs == 0) return Status::corrupt(squad_json.string() + ": no paragraphs");
    OPENBOOK_RETURN_IF_ERROR(core::write_file_atomic(out_dir / "corpus.jsonl", corpus));
    OPENBOOK_RETURN_IF_ERROR(core::write_file_atomic(out_dir / "queries.jsonl", queries));
    OPENBOOK_RETURN_IF_ERROR(core::write_file_atomic(out_dir / "qrels" / "test.tsv", qrels));
    return n;
}

}  // namespace openbook::rag
