// `openbook chat -m FILE`: talk with a local model; its chat template is applied and answers
// stream as they are generated. /reset starts over, /exit (or Ctrl-D) leaves; Ctrl-C stops the
// current answer.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/generate.h"

namespace openbook::cli {

void register_chat(CLI::App& app, CommandContext& ctx) {
    struct Args {
        ModelArgs model;
        SamplingArgs sampling;
        std::string system;
        std::string template_family;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "chat", "Chat with a local GGUF model (its chat template applied, answers streamed)");
    add_model_options(cmd, args->model);
    add_sampling_options(cmd, args->sampling);
    cmd->add_option("--system", args->system, "A system prompt");
    cmd->add_option("--template", args->template_family,
                    "Chat format when the model has no template (e.g. chatml, llama3, mistral)");
    cmd->callback([&ctx, args] {
        auto model = load_model(args->model);
        if (!model.has_value()) {
            ctx.exit_code = report_error(model.error());
            return;
        }
        if (!args->template_family.empty()) model->set_chat_template_fallback(args->template_family);
        const bool tty = stdout_is_tty();
        std::vector<ChatTurn> turns;
        if (!args->system.empty()) turns.push_back({"system", args->system});
        const size_t base = turns.size();
        InterruptGuard interrupt;
        std::string line;
        while (true) {
            if (tty) std::printf("> ");
            std::fflush(stdout);
            if (!std::getline(std::cin, line)) break;
            if (line == "/exit" || line == "/quit") break;
            if (line == "/reset") {
                turns.resize(base);
                if (tty) std::printf("(conversation cleared)\n");
                continue;
            }
            if (line.empty()) continue;
            turns.push_back({"user", line});
            interrupt.clear();
            auto result = model->chat(turns, generation_options(args->sampling),
                                      [&](std::string_view text) {
                                          std::fwrite(text.data(), 1, text.size(), stdout);
                                          std::fflush(stdout);
                                          return !interrupt.requested();
                                      });
            std::printf("\n");
            if (!result.has_value()) {
                ctx.exit_code = report_error(result.error());
                turns.pop_back();
                if (result.error().code() != StatusCode::kInvalidArgument) return;
                continue;  // e.g. the conversation outgrew the context: the user may /reset
            }
            turns.push_back({"assistant", result->text});
        }
    });
}

}  // namespace openbook::cli
