// `openbook chat`: a conversation answered from the collection by a local model — each message
// retrieved for (follow-ups rewritten into self-contained questions first), answered with
// citations, streamed. /sources shows the passages behind the last answer, /reset starts over,
// /exit (or Ctrl-D) leaves; Ctrl-C stops the current answer.
//
// With --plain, or when there is no collection, it is a plain chat with the model (its chat
// template applied; --system sets the system prompt).
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/answer_options.h"
#include "cli/answer_output.h"
#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/answer.h"
#include "openbook/generate.h"

namespace openbook::cli {
namespace {

constexpr const char* kGroundedHelp =
    "Ask about your documents; follow-up questions may refer to earlier ones.\n"
    "  /sources  the passages behind the last answer\n"
    "  /reset    forget the conversation\n"
    "  /exit     leave (or Ctrl-D); Ctrl-C stops an answer\n";

struct ChatArgs {
    ModelArgs model;
    SamplingArgs sampling;
    GroundingArgs grounding;
    AskOptions retrieval;
    std::string system;
    std::string template_family;
    bool plain = false;
    bool json = false;
};

// Reads the next message; false at the end of input.
bool read_message(bool tty, std::string& line) {
    if (tty) std::printf("> ");
    std::fflush(stdout);
    return static_cast<bool>(std::getline(std::cin, line));
}

// Ctrl-C at the prompt ends the chat (reading the line is interrupted): finish the line.
bool ended_by_interrupt(const InterruptGuard& interrupt) {
    if (!interrupt.requested()) return false;
    std::printf("\n");
    std::fflush(stdout);
    return true;
}

int grounded_chat(Collection& collection, LanguageModel& model, const ChatArgs& args) {
    ModelAskOptions options = model_ask_options(args.retrieval, args.sampling, args.grounding);
    if (!args.system.empty() && options.persona.empty()) options.persona = args.system;
    GroundedChat chat(collection, model, options);
    const bool tty = stdout_is_tty();
    if (tty && !args.json) std::printf("%s", kGroundedHelp);
    InterruptGuard interrupt;
    int exit_code = kExitOk;
    std::string line;
    while (read_message(tty && !args.json, line)) {
        if (line == "/exit" || line == "/quit") break;
        if (line == "/help") {
            std::printf("%s", kGroundedHelp);
            continue;
        }
        if (line == "/reset") {
            chat.reset();
            if (!args.json) std::printf("(conversation cleared)\n");
            continue;
        }
        if (line == "/sources") {
            const ModelAnswer* last = chat.last();
            if (args.json) {
                nlohmann::json sources = nlohmann::json::array();
                if (last != nullptr) sources = model_answer_json(*last)["sources"];
                print_json_line({{"sources", sources}});
            } else if (last == nullptr || last->sources.empty()) {
                std::printf("(no sources yet)\n");
            } else {
                print_sources(last->sources, /*passages=*/true);
            }
            continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        interrupt.clear();
        auto answer = chat.ask(line, [&](std::string_view text) {
            if (!args.json) {
                std::fwrite(text.data(), 1, text.size(), stdout);
                std::fflush(stdout);
            }
            return !interrupt.requested();
        });
        if (!answer.has_value()) {
            if (!args.json) std::printf("\n");
            exit_code = report_error(answer.error());
            if (answer.error().code() != StatusCode::kInvalidArgument) return exit_code;
            continue;  // e.g. a message too long for the context: the user may go on
        }
        if (args.json) {
            print_json_line(model_answer_json(*answer));
        } else if (!answer->found) {
            std::printf("%s\n", answer->message.c_str());
        } else {
            std::printf("\n\nSources\n");
            print_sources(answer->sources);
        }
        std::fflush(stdout);
        if (!args.json) print_answer_summary(*answer);
        interrupt.clear();  // that Ctrl-C stopped this answer; the next one may end the chat
    }
    return ended_by_interrupt(interrupt) ? kExitInterrupted : exit_code;
}

int plain_chat(LanguageModel& model, const ChatArgs& args) {
    const bool tty = stdout_is_tty();
    std::vector<ChatTurn> turns;
    if (!args.system.empty()) turns.push_back({"system", args.system});
    const size_t base = turns.size();
    InterruptGuard interrupt;
    int exit_code = kExitOk;
    std::string line;
    while (read_message(tty, line)) {
        if (line == "/exit" || line == "/quit") break;
        if (line == "/reset") {
            turns.resize(base);
            if (tty) std::printf("(conversation cleared)\n");
            continue;
        }
        if (line.empty()) continue;
        turns.push_back({"user", line});
        interrupt.clear();
        auto result = model.chat(turns, generation_options(args.sampling),
                                 [&](std::string_view text) {
                                     std::fwrite(text.data(), 1, text.size(), stdout);
                                     std::fflush(stdout);
                                     return !interrupt.requested();
                                 });
        std::printf("\n");
        if (!result.has_value()) {
            exit_code = report_error(result.error());
            turns.pop_back();
            if (result.error().code() != StatusCode::kInvalidArgument) return exit_code;
            continue;  // e.g. the conversation outgrew the context: the user may /reset
        }
        turns.push_back({"assistant", result->text});
        interrupt.clear();
    }
    return ended_by_interrupt(interrupt) ? kExitInterrupted : exit_code;
}

}  // namespace

void register_chat(CLI::App& app, CommandContext& ctx) {
    auto args = std::make_shared<ChatArgs>();
    auto* cmd = app.add_subcommand(
        "chat",
        "Chat about the collection with a local model (answers cited [n], follow-ups understood); "
        "--plain for the model alone");
    add_model_options(cmd, args->model);
    // The model may come from the settings files instead.
    cmd->get_option("--model")->required(false)->description(
        std::string(kModelReferenceHelp) +
        " (default: `model` in openbook.toml or config.toml, else the default alias)");
    add_sampling_options(cmd, args->sampling);
    add_grounding_options(cmd, args->grounding);
    cmd->add_option("-k", args->retrieval.k, "Passages to retrieve per question")
        ->capture_default_str();
    cmd->add_option("--filter", args->retrieval.filter,
                    "Only documents whose path matches this glob");
    cmd->add_flag("--plain", args->plain, "Chat with the model alone, without the documents");
    cmd->add_flag("--json", args->json,
                  "One JSON object per answer (as `ask --json`), for scripts; no prompt or colors");
    cmd->add_option("--system", args->system,
                    "A system prompt (plain chat); about the documents: the persona");
    cmd->add_option("--template", args->template_family,
                    "Chat format when the model has no template (e.g. chatml, llama3, mistral)");
    cmd->callback([&ctx, args, cmd] {
        const auto dir = collection_dir(ctx.global);
        std::unique_ptr<Collection> collection;
        if (!args->plain) {
            auto opened = Collection::open(dir, Collection::Mode::kRead);
            if (opened.has_value()) {
                collection = std::move(opened).value();
            } else if (opened.error().code() == StatusCode::kNotFound) {
                std::fprintf(stderr,
                             "openbook: no collection at %s: chatting with the model alone "
                             "(ingest documents to chat about them; --plain hides this note)\n",
                             dir.string().c_str());
            } else {
                ctx.exit_code = report_error(opened.error());
                return;
            }
        }
        if (collection) {
            if (cmd->count("--temp") == 0) args->sampling.temperature = kAnswerTemperature;
            if (cmd->count("--max-tokens") == 0) args->sampling.max_tokens = kAnswerMaxTokens;
        }
        Status settings = apply_answer_settings(*cmd, dir, args->model, args->sampling,
                                                args->grounding, args->retrieval.k);
        if (!settings.ok()) {
            ctx.exit_code = report_error(settings);
            return;
        }
        if (args->model.file.empty()) {
            args->model.file =
                default_answer_model(stdin_is_tty() && stderr_is_tty(), /*can_quote=*/false);
        }
        if (args->model.file.empty()) {
            ctx.exit_code = report_error(Status::invalid_argument(
                "no model: give -m MODEL, or set model = \"...\" in openbook.toml or "
                "~/.config/openbook/config.toml"));
            return;
        }
        auto model = load_model(args->model);
        if (!model.has_value()) {
            ctx.exit_code = report_error(model.error());
            return;
        }
        if (!args->template_family.empty()) model->set_chat_template_fallback(args->template_family);
        ctx.exit_code = collection ? grounded_chat(*collection, *model, *args)
                                   : plain_chat(*model, *args);
    });
}

}  // namespace openbook::cli
