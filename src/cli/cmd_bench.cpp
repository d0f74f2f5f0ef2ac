// `openbook bench -m FILE -p 512 -n 128 -t 2`: prompt-processing and generation speed, reported
// the way llama-bench reports it (mean ± standard deviation of tokens/s over repetitions).
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/generate.h"
#include "openbook/model.h"

namespace openbook::cli {
namespace {

std::pair<double, double> mean_sd(const std::vector<double>& v) {
    if (v.empty()) return {0, 0};
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    return {mean, v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0};
}

}  // namespace

void register_bench(CLI::App& app, CommandContext& ctx) {
    struct Args {
        ModelArgs model;
        int64_t n_prompt = 512;
        int64_t n_gen = 128;
        int repetitions = 5;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "bench", "Measure prompt processing (pp) and generation (tg) speed of a GGUF model");
    add_model_options(cmd, args->model);
    cmd->add_option("-p,--n-prompt", args->n_prompt, "Prompt tokens (one batch)")
        ->capture_default_str();
    cmd->add_option("-n,--n-gen", args->n_gen, "Generated tokens")->capture_default_str();
    cmd->add_option("-r,--repetitions", args->repetitions, "Repetitions")->capture_default_str();
    cmd->add_flag("--json", args->json, "Print as JSON");
    cmd->callback([&ctx, args] {
        auto info = inspect_model(args->model.file);
        if (!info.has_value()) {
            ctx.exit_code = report_error(info.error());
            return;
        }
        ModelArgs model_args = args->model;
        if (model_args.context == 0) model_args.context = args->n_prompt + args->n_gen + 1;
        auto model = load_model(model_args);
        if (!model.has_value()) {
            ctx.exit_code = report_error(model.error());
            return;
        }
        auto r = model->bench(args->n_prompt, args->n_gen, std::max(1, args->repetitions));
        if (!r.has_value()) {
            ctx.exit_code = report_error(r.error());
            return;
        }
        const auto [pp, pp_sd] = mean_sd(r->prompt_tokens_per_s);
        const auto [tg, tg_sd] = mean_sd(r->generation_tokens_per_s);
        if (args->json) {
            print_json({{"model", info->path},
                        {"architecture", info->architecture},
                        {"file_type", info->file_type},
                        {"file_bytes", info->file_bytes},
                        {"parameters", info->parameters},
                        {"threads", r->threads},
                        {"n_prompt", r->prompt_tokens},
                        {"n_gen", r->generated_tokens},
                        {"pp_tokens_per_s", pp},
                        {"pp_sd", pp_sd},
                        {"tg_tokens_per_s", tg},
                        {"tg_sd", tg_sd},
                        {"pp_samples", r->prompt_tokens_per_s},
                        {"tg_samples", r->generation_tokens_per_s}});
            return;
        }
        const std::string name = info->architecture + " " + info->file_type;
        std::printf("| model | size | params | threads | test | t/s |\n");
        std::printf("|---|---:|---:|---:|---:|---:|\n");
        std::printf("| %s | %s | %.2f M | %d | pp%lld | %.2f ± %.2f |\n", name.c_str(),
                    human_bytes(info->file_bytes).c_str(), info->parameters / 1e6, r->threads,
                    static_cast<long long>(r->prompt_tokens), pp, pp_sd);
        std::printf("| %s | %s | %.2f M | %d | tg%lld | %.2f ± %.2f |\n", name.c_str(),
                    human_bytes(info->file_bytes).c_str(), info->parameters / 1e6, r->threads,
                    static_cast<long long>(r->generated_tokens), tg, tg_sd);
    });
}

}  // namespace openbook::cli
