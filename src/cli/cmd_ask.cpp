// `openbook ask "question"`: the sentences of the best passages that answer it, with sources.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "openbook/answer.h"

namespace openbook::cli {

namespace {

std::string flatten(std::string s) {
    for (char& c : s) {
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    }
    return s;
}

nlohmann::json answer_json(const Answer& a) {
    std::string text;
    nlohmann::json sentences = nlohmann::json::array();
    for (const auto& s : a.sentences) {
        if (!text.empty()) text += " ";
        text += flatten(s.text) + " [" + std::to_string(s.source) + "]";
        sentences.push_back({{"text", s.text},
                             {"source", s.source},
                             {"char_start", s.char_start},
                             {"char_end", s.char_end},
                             {"score", s.score}});
    }
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& src : a.sources) {
        nlohmann::json source = hit_json(src.hit);
        source["n"] = src.number;
        source["coverage"] = src.coverage;
        sources.push_back(std::move(source));
    }
    return {{"question", a.question}, {"found", a.found},     {"message", a.message},
            {"answer", text},         {"sentences", sentences}, {"sources", sources},
            {"notes", a.notes},       {"seconds", a.seconds}};
}

}  // namespace

void register_ask(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string question;
        AskOptions options;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "ask", "Answer a question from the collection: the best matching sentences, cited [n]");
    cmd->add_option("question", args->question, "The question (English or Chinese)")->required();
    cmd->add_option("-k", args->options.k, "Passages to retrieve and list as sources")
        ->capture_default_str();
    cmd->add_option("--sentences", args->options.max_sentences, "Sentences to quote")
        ->capture_default_str();
    cmd->add_option("--filter", args->options.filter, "Only documents whose path matches this glob");
    cmd->add_flag("--json", args->json, "Print as JSON (answer, sentences with spans, sources)");
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        auto answer = answer_extractive(*collection, args->question, args->options);
        if (!answer.has_value()) {
            ctx.exit_code = report_error(answer.error());
            return;
        }
        for (const auto& note : answer->notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
        if (args->json) {
            print_json(answer_json(*answer));
            return;
        }
        const bool color = stdout_is_tty();
        const char* bold = color ? "\033[1m" : "";
        const char* plain = color ? "\033[0m" : "";
        if (!answer->found) {
            std::printf("%s\n", answer->message.c_str());
            if (answer->sources.empty()) return;
            std::printf("\n%sClosest passages%s\n", bold, plain);
        } else {
            for (const auto& s : answer->sentences) {
                std::printf("%s [%d]\n", flatten(s.text).c_str(), s.source);
            }
            std::printf("\n%sSources%s\n", bold, plain);
        }
        for (const auto& src : answer->sources) {
            const auto& h = src.hit;
            std::string name = h.path + (h.external_id.empty() ? "" : "#" + h.external_id);
            std::string where = hit_location(h);
            if (!h.title.empty()) where = h.title + (where.empty() ? "" : " > " + where);
            std::printf("[%d] %s%s%s (chars %lld-%lld)\n", src.number, name.c_str(),
                        where.empty() ? "" : " — ", where.c_str(),
                        static_cast<long long>(h.char_start), static_cast<long long>(h.char_end));
        }
    });
}

}  // namespace openbook::cli
