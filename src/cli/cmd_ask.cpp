// `openbook ask "question"`: the sentences of the best passages that answer it, with sources.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/answer_options.h"
#include "cli/answer_output.h"
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

// The quoted answer: its sentences with [n], then the sources. With several questions each
// starts with "Q: ..." (JSON: one object per line).
void print_extractive(const Answer& answer, bool json, bool many) {
    for (const auto& note : answer.notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
    if (json) {
        many ? print_json_line(answer_json(answer)) : print_json(answer_json(answer));
        return;
    }
    if (many) std::printf("Q: %s\n", answer.question.c_str());
    const bool color = stdout_is_tty();
    const char* bold = color ? "\033[1m" : "";
    const char* plain = color ? "\033[0m" : "";
    if (!answer.found) {
        std::printf("%s\n", answer.message.c_str());
        if (!answer.sources.empty()) {
            std::printf("\n%sClosest passages%s\n", bold, plain);
            print_sources(answer.sources);
        }
    } else {
        for (const auto& s : answer.sentences) {
            std::printf("%s [%d]\n", flatten(s.text).c_str(), s.source);
        }
        std::printf("\n%sSources%s\n", bold, plain);
        print_sources(answer.sources);
    }
    if (many) std::printf("\n");
}

// `ask --model`: the answer written by the model, streamed, then its sources. With several
// questions (--questions), each is answered in turn by the same loaded model; JSON output is
// then one object per line.
int ask_with_model(Collection& collection, const std::vector<std::string>& questions,
                   const ModelArgs& model_args, const ModelAskOptions& options, bool json) {
    auto model = load_model(model_args);
    if (!model.has_value()) return report_error(model.error());
    InterruptGuard interrupt;
    const bool stream = !json;
    const bool many = questions.size() > 1;
    for (const std::string& question : questions) {
        if (interrupt.requested()) break;
        if (stream && many) std::printf("Q: %s\n", question.c_str());
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
        if (json) {
            const nlohmann::json j = model_answer_json(*answer);
            many ? print_json_line(j) : print_json(j);
            for (const auto& note : answer->notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
            continue;
        }
        if (!answer->found) {
            std::printf("%s\n", answer->message.c_str());
        } else {
            std::printf("\n\nSources\n");
            print_sources(answer->sources);
        }
        if (many) std::printf("\n");
        std::fflush(stdout);
        print_answer_summary(*answer);
        if (answer->generation.stop_reason == "cancelled") break;
    }
    if (interrupt.requested()) {
        std::fprintf(stderr, "openbook: stopped (Ctrl-C)\n");
        return kExitInterrupted;
    }
    return kExitOk;
}

// The questions of --questions FILE: one per line, blank lines skipped ("-": standard input).
Result<std::vector<std::string>> read_questions(const std::string& file) {
    std::ifstream in_file;
    std::istream* in = &std::cin;
    if (file != "-") {
        in_file.open(file);
        if (!in_file) return Status::not_found("cannot read questions file " + file);
        in = &in_file;
    }
    std::vector<std::string> out;
    std::string line;
    while (std::getline(*in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        out.push_back(line);
    }
    if (out.empty()) return Status::invalid_argument("no questions in " + file);
    return out;
}

}  // namespace

void register_ask(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string question;
        std::string questions_file;
        AskOptions options;
        bool json = false;
        bool extractive = false;
        ModelArgs model;
        SamplingArgs sampling;
        GroundingArgs grounding;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "ask",
        "Answer a question from the collection: written by a local model (--model, or `model` in "
        "the settings) from the best passages, else those passages' best sentences; cited [n]");
    cmd->add_option("question", args->question, "The question (English or Chinese)");
    cmd->add_option("--questions", args->questions_file,
                    "Answer each line of this file in turn (one model load; \"-\": stdin); with "
                    "--json, one JSON object per line");
    cmd->add_option("-k", args->options.k, "Passages to retrieve and list as sources")
        ->capture_default_str();
    cmd->add_option("--sentences", args->options.max_sentences, "Sentences to quote")
        ->capture_default_str();
    cmd->add_option("--filter", args->options.filter, "Only documents whose path matches this glob");
    cmd->add_flag("--json", args->json, "Print as JSON (answer, sentences with spans, sources)");
    cmd->add_flag("--extractive", args->extractive,
                  "Quote the best sentences; no model (and no download of the default one)");
    cmd->add_option("-m,--model", args->model.file,
                    "The model that writes the answer from the passages: a GGUF file, an alias, "
                    "ORG/REPO[:QUANT] or ollama:NAME (default: `model` in openbook.toml or "
                    "config.toml, else the default alias, downloaded on first use)");
    cmd->add_option("-t,--threads", args->model.threads, "Threads for the model");
    cmd->add_option("-c,--ctx", args->model.context, "The model's context length in tokens");
    add_grounding_options(cmd, args->grounding);
    args->sampling.temperature = kAnswerTemperature;
    args->sampling.max_tokens = kAnswerMaxTokens;
    cmd->add_option("-n,--max-tokens", args->sampling.max_tokens, "Most answer tokens")
        ->capture_default_str();
    cmd->add_option("--temp", args->sampling.temperature, "Temperature; 0 = greedy")
        ->capture_default_str();
    cmd->add_option("--seed", args->sampling.seed, "Random seed")->capture_default_str();
    cmd->callback([&ctx, args, cmd] {
        if (args->question.empty() == args->questions_file.empty()) {
            ctx.exit_code = report_error(Status::invalid_argument(
                "give one question, or --questions FILE (not both)"));
            return;
        }
        auto collection = open_collection(ctx, Collection::Mode::kRead);
        if (!collection) return;
        Status settings = apply_answer_settings(*cmd, collection->directory(), args->model,
                                                args->sampling, args->grounding, args->options.k);
        if (!settings.ok()) {
            ctx.exit_code = report_error(settings);
            return;
        }
        std::vector<std::string> questions = {args->question};
        if (!args->questions_file.empty()) {
            auto read = read_questions(args->questions_file);
            if (!read.has_value()) {
                ctx.exit_code = report_error(read.error());
                return;
            }
            questions = std::move(read).value();
        }
        if (args->model.file.empty() && !args->extractive) {
            args->model.file =
                default_answer_model(stdin_is_tty() && stderr_is_tty(), /*can_quote=*/true);
        }
        if (!args->model.file.empty() && !args->extractive) {
            ctx.exit_code = ask_with_model(
                *collection, questions, args->model,
                model_ask_options(args->options, args->sampling, args->grounding), args->json);
            return;
        }
        const bool many = questions.size() > 1;
        for (const std::string& question : questions) {
            auto answer = answer_extractive(*collection, question, args->options);
            if (!answer.has_value()) {
                ctx.exit_code = report_error(answer.error());
                return;
            }
            print_extractive(*answer, args->json, many);
        }
    });
}


}  // namespace openbook::cli
