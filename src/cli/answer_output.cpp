#include "cli/answer_output.h"

#include <cstdio>

#include "cli/cli_common.h"
#include "cli/model_options.h"

namespace openbook::cli {

void print_sources(const std::vector<AnswerSource>& sources, bool passages) {
    for (const auto& src : sources) {
        const auto& h = src.hit;
        std::string name = h.path + (h.external_id.empty() ? "" : "#" + h.external_id);
        std::string where = hit_location(h);
        if (!h.title.empty()) where = h.title + (where.empty() ? "" : " > " + where);
        std::printf("[%d] %s%s%s (chars %lld-%lld)\n", src.number, name.c_str(),
                    where.empty() ? "" : " — ", where.c_str(),
                    static_cast<long long>(h.char_start), static_cast<long long>(h.char_end));
        if (!passages) continue;
        std::string indented = "    ";
        for (char c : h.text) {
            indented += c;
            if (c == '\n') indented += "    ";
        }
        std::printf("%s\n", indented.c_str());
    }
}

nlohmann::json model_answer_json(const ModelAnswer& a) {
    nlohmann::json citations = nlohmann::json::array();
    for (const auto& c : a.citations) {
        citations.push_back(
            {{"source", c.source}, {"char_start", c.char_start}, {"char_end", c.char_end}});
    }
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& src : a.sources) {
        nlohmann::json source = hit_json(src.hit);
        source["n"] = src.number;
        source["coverage"] = src.coverage;
        sources.push_back(std::move(source));
    }
    const GenerationResult& g = a.generation;
    const double tokens_per_s =
        g.decode_ms > 0 && g.tokens.size() > 1 ? (g.tokens.size() - 1) * 1000.0 / g.decode_ms : 0;
    return {{"question", a.question},
            {"found", a.found},
            {"message", a.message},
            {"answer", a.text},
            {"language", a.language},
            {"citations", citations},
            {"removed_citations", a.removed_citations},
            {"sources", sources},
            {"notes", a.notes},
            {"search_query", a.search_query},
            {"history_turns", a.history_turns},
            {"retrieval_ms", a.retrieval_ms},
            {"timings",
             {{"rewrite_ms", a.rewrite_ms},
              {"retrieval_ms", a.retrieval_ms},
              {"prompt_ms", a.prompt_ms},
              {"prefill_ms", g.prefill_ms},
              {"first_token_ms", a.first_token_ms},
              {"decode_ms", g.decode_ms},
              {"tokens_per_s", tokens_per_s}}},
            {"generation", generation_json(g)}};
}

void print_answer_summary(const ModelAnswer& a) {
    for (const auto& note : a.notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
    if (!a.found) return;
    if (!a.removed_citations.empty()) {
        std::fprintf(stderr, "openbook: removed %zu citation(s) of sources that were not given\n",
                     a.removed_citations.size());
    }
    print_generation_summary(a.generation);
}

}  // namespace openbook::cli
