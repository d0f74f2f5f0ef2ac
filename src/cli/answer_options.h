// The flags of model-written answers shared by `ask` and `chat`, and how they combine with the
// settings files (openbook/settings.h): a flag given on the command line wins, then the
// collection's openbook.toml, then the user's config.toml, then the defaults here.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/model_options.h"
#include "openbook/answer.h"

namespace openbook::cli {

struct GroundingArgs {
    std::string persona;
    std::string examples;
    int64_t budget = 0;  // most prompt tokens; 0: the context minus the answer's room
    int64_t neighbours = 0;
    bool no_prefix_cache = false;
};

// Answers from sources want little randomness and room for a few paragraphs.
inline constexpr float kAnswerTemperature = 0.2f;
inline constexpr int64_t kAnswerMaxTokens = 512;

// --persona, --examples, --budget, --neighbours, --no-prefix-cache.
void add_grounding_options(CLI::App* cmd, GroundingArgs& args);

// Fills every option the command line did not give (cmd->count(flag) == 0) from the settings
// files of the collection at `collection_dir` and the user's config. Errors: a settings file
// that cannot be read or is invalid (named, with the line).
Status apply_answer_settings(const CLI::App& cmd, const std::filesystem::path& collection_dir,
                             ModelArgs& model, SamplingArgs& sampling, GroundingArgs& grounding,
                             size_t& k);

// The model for ask/chat when neither --model nor the settings name one: the default alias
// (openbook/hub.h kDefaultModelAlias) when it is downloaded; otherwise it is pulled on first use
// — after a yes on a terminal, with a notice otherwise — unless HF_HUB_OFFLINE is set. Returns
// the file, or "" when there is none, after one line on stderr saying why and how to get one
// (and, when `can_quote`, that the passages are quoted instead, as ask does).
std::string default_answer_model(bool interactive, bool can_quote);

ModelAskOptions model_ask_options(const AskOptions& retrieval, const SamplingArgs& sampling,
                                  const GroundingArgs& grounding);

}  // namespace openbook::cli
