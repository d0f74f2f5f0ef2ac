// `openbook pull MODEL [--revision REV]`: downloads a model into the Hugging Face cache (shared
// with huggingface_hub), or checks that the cached copy is the revision's current commit.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/hub.h"

namespace openbook::cli {
namespace {

nlohmann::json resolved_json(const ResolvedModel& m) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : m.parts) parts.push_back(p.string());
    return {{"reference", m.reference}, {"alias", m.alias},
            {"source", model_source_name(m.source)}, {"repo", m.repo},
            {"revision", m.revision}, {"commit", m.commit},
            {"files", m.files}, {"path", m.path.string()},
            {"parts", parts}, {"bytes", m.bytes},
            {"downloaded", m.downloaded}, {"note", m.note}};
}

// Usage mistakes (a malformed reference) exit 2, everything else 1.
int exit_code_for(ModelErrorKind kind, const Status& status) {
    report_error(status);
    return kind == ModelErrorKind::kInvalidReference ? kExitUsage : kExitError;
}

}  // namespace

void register_pull(CLI::App& app, CommandContext& ctx) {
    struct Args {
        std::string model;
        std::string revision;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "pull", "Download a model from the Hugging Face Hub into the shared Hugging Face cache");
    cmd->add_option("MODEL", args->model,
                    "An alias (see `openbook models`) or a Hub reference ORG/REPO[:FILE-or-QUANT], "
                    "e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m")
        ->required();
    cmd->add_option("--revision", args->revision, "Branch, tag or commit (default: main)");
    cmd->add_flag("--json", args->json, "Print the result as JSON");
    cmd->callback([&ctx, args] {
        const HubSettings settings = HubSettings::from_environment();
        ResolveOptions options;
        options.refresh = true;  // a pull asks the Hub for the revision's current commit
        options.revision = args->revision;
        auto printer = std::make_shared<DownloadProgressPrinter>(stderr_is_tty());
        options.progress = [printer](const DownloadProgress& p) { (*printer)(p); };
        ModelErrorKind kind = ModelErrorKind::kNone;
        auto model = resolve_model(args->model, settings, options, &kind);
        if (!model.has_value()) {
            ctx.exit_code = exit_code_for(kind, model.error());
            return;
        }
        if (settings.offline && model->source == ModelSource::kHub && model->note.empty()) {
            model->note = "HF_HUB_OFFLINE is set: the cached copy was not checked for updates";
        }
        if (!model->note.empty()) std::fprintf(stderr, "openbook: %s\n", model->note.c_str());
        if (args->json) {
            print_json(resolved_json(*model));
            return;
        }
        const std::string name = model->alias.empty() ? model->reference
                                                      : model->alias + " (" + model->reference + ")";
        switch (model->source) {
            case ModelSource::kFile:
                std::printf("%s is a local file: nothing to pull\n", model->path.c_str());
                break;
            case ModelSource::kOllama:
                std::printf("%s is in Ollama's store, used in place: %s\n", model->reference.c_str(),
                            model->path.c_str());
                break;
            case ModelSource::kHub:
                std::printf("%s %s, %s%s\n  %s\n", model->downloaded ? "pulled" : "up to date:",
                            name.c_str(), human_bytes(model->bytes).c_str(),
                            model->parts.size() > 1
                                ? (" in " + std::to_string(model->parts.size()) + " parts").c_str()
                                : "",
                            model->path.c_str());
                break;
        }
    });
}

}  // namespace openbook::cli
