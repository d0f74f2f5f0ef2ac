// `openbook generate -m FILE -p PROMPT`: continue a prompt with a local GGUF model, streaming.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/generate.h"

namespace openbook::cli {

void register_generate(CLI::App& app, CommandContext& ctx) {
    struct Args {
        ModelArgs model;
        SamplingArgs sampling;
        std::string prompt;
        bool ids = false;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("generate", "Continue a prompt with a local GGUF model");
    add_model_options(cmd, args->model);
    add_sampling_options(cmd, args->sampling);
    cmd->add_option("-p,--prompt", args->prompt, "The text to continue ('-' reads stdin)")
        ->required();
    cmd->add_flag("--ids", args->ids, "Print the generated token ids (space separated) instead of text");
    cmd->add_flag("--json", args->json, "Print text, ids and timings as JSON at the end");
    cmd->callback([&ctx, args] {
        auto model = load_model(args->model);
        if (!model.has_value()) {
            ctx.exit_code = report_error(model.error());
            return;
        }
        std::string prompt = read_prompt(args->prompt);
        const bool stream = !args->ids && !args->json;
        InterruptGuard interrupt;
        auto sink = [&](std::string_view text) {
            if (stream) {
                std::fwrite(text.data(), 1, text.size(), stdout);
                std::fflush(stdout);
            }
            return !interrupt.requested();
        };
        auto result = model->generate(prompt, generation_options(args->sampling), sink);
        if (!result.has_value()) {
            if (stream) std::printf("\n");
            ctx.exit_code = report_error(result.error());
            return;
        }
        if (args->json) {
            print_json(generation_json(*result));
        } else if (args->ids) {
            std::string line;
            for (size_t i = 0; i < result->tokens.size(); ++i) {
                line += (i ? " " : "") + std::to_string(result->tokens[i]);
            }
            std::printf("%s\n", line.c_str());
        } else {
            std::printf("\n");
        }
        print_generation_summary(*result);
        if (result->stop_reason == "cancelled" && interrupt.requested()) {
            ctx.exit_code = kExitInterrupted;
        }
    });
}

}  // namespace openbook::cli
