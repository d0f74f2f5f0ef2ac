#include "cli/answer_options.h"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "openbook/hub.h"
#include "openbook/settings.h"

namespace openbook::cli {

void add_grounding_options(CLI::App* cmd, GroundingArgs& args) {
    cmd->add_option("--persona", args.persona,
                    "Who the model is: its system prompt's persona (e.g. \"你是台灣人，用繁體中文回答\")");
    cmd->add_option("--examples", args.examples,
                    "Few-shot examples: a JSONL file of {\"question\", \"answer\"}");
    cmd->add_option("--budget", args.budget,
                    "Most prompt tokens (system, sources, question); default: the context less "
                    "the answer's room");
    cmd->add_option("--neighbours", args.neighbours,
                    "Widen each passage with this many chunks before and after it (0: off)")
        ->capture_default_str();
    cmd->add_flag("--no-prefix-cache", args.no_prefix_cache,
                  "Evaluate the whole prompt for every question (no K/V reuse; for measuring)");
}

Status apply_answer_settings(const CLI::App& cmd, const std::filesystem::path& collection_dir,
                             ModelArgs& model, SamplingArgs& sampling, GroundingArgs& grounding,
                             size_t& k) {
    OPENBOOK_ASSIGN_OR_RETURN(AnswerSettings s, load_answer_settings(collection_dir));
    for (const std::string& note : s.notes) std::fprintf(stderr, "openbook: %s\n", note.c_str());
    auto unset = [&cmd](const char* flag) { return cmd.count(flag) == 0; };
    if (s.model && unset("--model")) model.file = *s.model;
    if (s.threads && unset("--threads")) model.threads = static_cast<int>(*s.threads);
    if (s.context && unset("--ctx")) model.context = *s.context;
    if (s.max_tokens && unset("--max-tokens")) sampling.max_tokens = *s.max_tokens;
    if (s.temperature && unset("--temp")) sampling.temperature = static_cast<float>(*s.temperature);
    if (s.persona && unset("--persona")) grounding.persona = *s.persona;
    if (s.examples && unset("--examples")) grounding.examples = s.examples->string();
    if (s.budget && unset("--budget")) grounding.budget = *s.budget;
    if (s.neighbours && unset("--neighbours")) grounding.neighbours = *s.neighbours;
    if (s.k && unset("-k")) k = static_cast<size_t>(*s.k);
    return Status::ok_status();
}

std::string default_answer_model(bool interactive, bool can_quote) {
    const char* instead = can_quote ? "quoting the passages" : "no model";
    const HubSettings hub = HubSettings::from_environment();
    const std::string alias = kDefaultModelAlias;
    ResolveOptions cached_only;
    cached_only.allow_download = false;
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto cached = resolve_model(alias, hub, cached_only, &kind);
    if (cached.has_value()) return cached->path.string();
    const std::string how = fmt::format(
        "`openbook pull {}` (or pass --model FILE.gguf, or set model in config.toml)", alias);
    if (kind != ModelErrorKind::kNotDownloaded) {
        std::fprintf(stderr, "openbook: the default model %s cannot be used (%s); %s\n",
                     alias.c_str(), cached.error().message().c_str(), how.c_str());
        return "";
    }
    if (hub.offline) {
        std::fprintf(stderr,
                     "openbook: %s: no model is downloaded and HF_HUB_OFFLINE is set; for answers "
                     "written by a local model, %s\n",
                     instead, how.c_str());
        return "";
    }
    uint64_t bytes = 0;
    for (const ModelAlias& a : model_aliases()) {
        if (a.name == alias) bytes = a.approx_bytes;
    }
    const std::string size = fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9);
    if (interactive) {
        std::fprintf(stderr,
                     "openbook: answers are written by a local model; download the default "
                     "model %s (%s) now? [Y/n] ",
                     alias.c_str(), size.c_str());
        std::string reply;
        if (!std::getline(std::cin, reply) || (!reply.empty() && (reply[0] == 'n' || reply[0] == 'N'))) {
            std::fprintf(stderr, "openbook: %s; later: %s\n", instead, how.c_str());
            return "";
        }
    } else {
        std::fprintf(stderr,
                     "openbook: no model configured: downloading the default model %s (%s) "
                     "for written answers (HF_HUB_OFFLINE=1 never downloads%s)\n",
                     alias.c_str(), size.c_str(), can_quote ? "; --extractive quotes the passages" : "");
    }
    auto pulled = resolve_model_file(alias);
    if (!pulled.has_value()) {
        std::fprintf(stderr, "openbook: %s: %s; for written answers: %s\n", instead,
                     pulled.error().message().c_str(), how.c_str());
        return "";
    }
    return *pulled;
}

ModelAskOptions model_ask_options(const AskOptions& retrieval, const SamplingArgs& sampling,
                                  const GroundingArgs& grounding) {
    ModelAskOptions o;
    o.retrieval = retrieval;
    o.persona = grounding.persona;
    o.examples_file = grounding.examples;
    o.generation = generation_options(sampling);
    o.prompt_budget = grounding.budget;
    o.neighbours = grounding.neighbours;
    o.keep_prefix = !grounding.no_prefix_cache;
    o.generation.reuse_cache = !grounding.no_prefix_cache;
    return o;
}

}  // namespace openbook::cli
