// `openbook ask "question"`: the sentences of the best passages that answer it, with sources.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
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

void print_sources(const std::vector<AnswerSource>& sources) {
    for (const auto& src : sources) {
        const auto& h = src.hit;
        std::string name = h.path + (h.external_id.empty() ? "" : "#" + h.external_id);
        std::string where = hit_location(h);
        if (!h.title.empty()) where = h.title + (where.empty() ? "" : " > " + where);
        std::printf("[%d] %s%s%s (chars %lld-%lld)\n", src.number, name.c_str(),
                    where.empty() ? "" : " — ", where.c_str(),
                    static_cast<long long>(h.char_start), static_cast<long long>(h.char_end));
    }
}

nlohmann::json model_answer_json(const ModelAnswer& a) {
    nlohmann::json citations = nlohmann::json::array();
    for (const auto& c : a.citations) {
        citations.push_back({{"source", c.source}, {"char_start", c.char_start}, {"char_end", c.char_end}});
    }
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& src : a.sources) {
        nlohmann::json source = hit_json(src.hit);
        source["n"] = src.number;
        source["coverage"] = src.coverage;
        sources.push_back(std::move(source));
    }
    return {{"question", a.question},
            {"found", a.found},
            {"message", a.message},
            {"answer", a.text},
            {"language", a.language},
            {"citations", citations},
            {"removed_citations", a.removed_citations},
            {"sources", sources},
            {"notes", a.notes},
            {"retrieval_ms", a.retrieval_ms},
            {"generation", generation_json(a.generation)}};
}

// `ask --model`: the answer written by the model, streamed, then its sources.
int ask_with_model(Collection& collection, const std::string& question, const ModelArgs& model_args,
                   const ModelAskOptions& options, bool json) {
    auto model = load_model(model_args);
    if (!model.has_value()) return report_error(model.error());
    InterruptGuard interrupt;
    const bool stream = !json;
    auto answer = answer_with_model(collection, *model, question, options,
                                    [&](std::string_view text) {
                                        if (stream) {
                                            std::fwrite(text.data(), 1, text.size(), stdout);
                                            std::fflush(stdout);
                                        }
                                        return !interrupt.requested();
                                    });
    if (!answer.has_value()) {
        if (stream) std::printf("\n");
        return report_error(answer.error());
    }
    for (const auto& note : answer->notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
    if (json) {
        print_json(model_answer_json(*answer));
        return kExitOk;
    }
    if (!answer->found) {
        std::printf("%s\n", answer->message.c_str());
        return kExitOk;
    }
    std::printf("\n\nSources\n");
    print_sources(answer->sources);
    std::fflush(stdout);
    if (!answer->removed_citations.empty()) {
        std::fprintf(stderr, "openbook: removed %zu citation(s) of sources that were not given\n",
                     answer->removed_citations.size());
    }
    print_generation_summary(answer->generation);
    return kExitOk;
}

}  // namespace

void register_ask(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string question;
        AskOptions options;
        bool json = false;
        ModelArgs model;
        SamplingArgs sampling;
        std::string persona;
        std::string examples;
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
    cmd->add_option("-m,--model", args->model.file,
                    "A GGUF model that writes the answer from the passages (default: quote them)");
    cmd->add_option("-t,--threads", args->model.threads, "Threads for the model");
    cmd->add_option("-c,--ctx", args->model.context, "The model's context length in tokens");
    cmd->add_option("--persona", args->persona, "Who the model is (its system prompt)");
    cmd->add_option("--examples", args->examples,
                    "Few-shot examples: a JSONL file of {\"question\", \"answer\"}");
    args->sampling.temperature = 0.2f;  // answers from sources: little randomness
    args->sampling.max_tokens = 512;
    cmd->add_option("-n,--max-tokens", args->sampling.max_tokens, "Most answer tokens")
        ->capture_default_str();
    cmd->add_option("--temp", args->sampling.temperature, "Temperature; 0 = greedy")
        ->capture_default_str();
    cmd->add_option("--seed", args->sampling.seed, "Random seed")->capture_default_str();
    cmd->callback([&ctx, args] {
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        if (!args->model.file.empty()) {
            ModelAskOptions options;
            options.retrieval = args->options;
            options.persona = args->persona;
            options.examples_file = args->examples;
            options.generation = generation_options(args->sampling);
            ctx.exit_code =
                ask_with_model(*collection, args->question, args->model, options, args->json);
            return;
        }
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
        // No model given: say once how to get an answer written by one (stderr: stdout stays
        // the answer for scripts).
        std::fprintf(stderr,
                     "openbook: quoting the passages; for an answer written by a local model, "
                     "add --model FILE.gguf (any instruction-tuned GGUF, e.g. Qwen2.5-Instruct)\n");
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
        print_sources(answer->sources);
    });
}

}  // namespace openbook::cli
