#include "cli/answer_options.h"

#include <cstdio>

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
