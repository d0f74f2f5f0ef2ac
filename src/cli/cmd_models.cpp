// `openbook models`: the recommended aliases and every model on this machine (Hugging Face
// cache and Ollama's store). `openbook rm-model MODEL`: deletes a downloaded model from the
// Hugging Face cache (never from Ollama's store).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "openbook/hub.h"

namespace openbook::cli {
namespace {

nlohmann::json installed_json(const InstalledModel& m) {
    return {{"reference", m.reference}, {"source", model_source_name(m.source)},
            {"aliases", m.aliases},     {"repo", m.repo},
            {"commit", m.commit},       {"revisions", m.revisions},
            {"files", m.files},         {"path", m.path.string()},
            {"bytes", m.bytes}};
}

// The installed model an alias resolves to, if any (newest ref "main" preferred).
const InstalledModel* installed_for(const ModelAlias& alias,
                                    const std::vector<InstalledModel>& models) {
    const InstalledModel* found = nullptr;
    for (const auto& m : models) {
        for (const auto& a : m.aliases) {
            if (a != alias.name) continue;
            const bool main = std::find(m.revisions.begin(), m.revisions.end(), "main") !=
                              m.revisions.end();
            if (found == nullptr || main) found = &m;
        }
    }
    return found;
}

void print_models(const HubSettings& settings, const std::vector<InstalledModel>& models) {
    std::printf("Recommended models (openbook pull NAME, or -m NAME):\n");
    size_t width = 0;
    for (const auto& a : model_aliases()) width = std::max(width, a.repo.size() + 1 + a.file.size());
    for (const auto& a : model_aliases()) {
        const InstalledModel* m = installed_for(a, models);
        std::string state = m != nullptr ? "downloaded" : "~" + human_bytes(a.approx_bytes);
        if (a.name == kDefaultModelAlias) state += ", default";
        if (a.gated) state += ", gated: needs HF_TOKEN";
        std::printf("  %-13s %-*s  %s\n", a.name.c_str(), static_cast<int>(width),
                    (a.repo + ":" + a.file).c_str(), state.c_str());
    }

    std::printf("\nDownloaded (%s):\n", settings.cache_dir.c_str());
    bool any = false;
    for (const auto& m : models) {
        if (m.source != ModelSource::kHub) continue;
        any = true;
        std::string extra;
        if (!m.aliases.empty()) extra += "  [" + join(m.aliases, ", ") + "]";
        if (!m.revisions.empty()) extra += "  " + join(m.revisions, ", ");
        else extra += "  commit " + m.commit.substr(0, 12);
        if (m.files.size() > 1) extra += "  " + std::to_string(m.files.size()) + " parts";
        std::printf("  %s  %s%s\n    %s\n", m.reference.c_str(), human_bytes(m.bytes).c_str(),
                    extra.c_str(), m.path.c_str());
    }
    if (!any) std::printf("  (none)\n");

    std::printf("\nOllama (%s):\n", settings.ollama_dir.c_str());
    any = false;
    for (const auto& m : models) {
        if (m.source != ModelSource::kOllama) continue;
        any = true;
        std::printf("  %s  %s\n    %s\n", m.reference.c_str(), human_bytes(m.bytes).c_str(),
                    m.path.c_str());
    }
    if (!any) std::printf("  (none)\n");
}

}  // namespace

void register_models(CLI::App& app, CommandContext& ctx) {
    auto list_json = std::make_shared<bool>(false);
    auto* list = app.add_subcommand(
        "models", "List the recommended models and the models on this machine (Hugging Face "
                  "cache and Ollama)");
    list->add_flag("--json", *list_json, "Print as JSON");
    list->callback([&ctx, list_json] {
        const HubSettings settings = HubSettings::from_environment();
        auto models = list_installed_models(settings);
        if (!models.has_value()) {
            ctx.exit_code = report_error(models.error());
            return;
        }
        if (!*list_json) {
            print_models(settings, *models);
            return;
        }
        nlohmann::json aliases = nlohmann::json::array();
        for (const auto& a : model_aliases()) {
            const InstalledModel* m = installed_for(a, *models);
            aliases.push_back({{"name", a.name},
                               {"repo", a.repo},
                               {"file", a.file},
                               {"description", a.description},
                               {"approx_bytes", a.approx_bytes},
                               {"gated", a.gated},
                               {"default", a.name == kDefaultModelAlias},
                               {"downloaded", m != nullptr},
                               {"path", m != nullptr ? m->path.string() : ""}});
        }
        nlohmann::json installed = nlohmann::json::array();
        for (const auto& m : *models) installed.push_back(installed_json(m));
        print_json({{"cache_dir", settings.cache_dir.string()},
                    {"ollama_dir", settings.ollama_dir.string()},
                    {"default_alias", kDefaultModelAlias},
                    {"aliases", aliases},
                    {"models", installed}});
    });

    struct RmArgs {
        std::string model;
        bool json = false;
    };
    auto rm_args = std::make_shared<RmArgs>();
    auto* rm = app.add_subcommand(
        "rm-model", "Delete a downloaded model from the Hugging Face cache (files other "
                    "snapshots still use are kept; Ollama's models are never touched)");
    rm->add_option("MODEL", rm_args->model, "An alias or ORG/REPO[:FILE-or-QUANT]")->required();
    rm->add_flag("--json", rm_args->json, "Print the result as JSON");
    rm->callback([&ctx, rm_args] {
        const HubSettings settings = HubSettings::from_environment();
        ModelErrorKind kind = ModelErrorKind::kNone;
        auto removed = remove_model(rm_args->model, settings, &kind);
        if (!removed.has_value()) {
            report_error(removed.error());
            ctx.exit_code = kind == ModelErrorKind::kInvalidReference ? kExitUsage : kExitError;
            return;
        }
        if (rm_args->json) {
            nlohmann::json links = nlohmann::json::array();
            for (const auto& l : removed->links) links.push_back(l.string());
            print_json({{"reference", removed->reference},
                        {"links", links},
                        {"blobs_removed", removed->blobs_removed},
                        {"bytes_freed", removed->bytes_freed}});
            return;
        }
        std::printf("removed %s: %zu file%s, %s freed\n", removed->reference.c_str(),
                    removed->links.size(), removed->links.size() == 1 ? "" : "s",
                    human_bytes(removed->bytes_freed).c_str());
    });
}

}  // namespace openbook::cli
