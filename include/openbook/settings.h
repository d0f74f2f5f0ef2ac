// Settings for `openbook ask` and `openbook chat` read from TOML files, so a collection can
// carry its model, persona and retrieval size instead of repeating them as flags.
//
// Files, read in this order; a later one overrides an earlier one key by key:
//   1. the user file: $OPENBOOK_CONFIG when set and non-empty (must exist: it was asked for;
//      OPENBOOK_CONFIG=/dev/null turns the user file off), else user_settings_path():
//      $XDG_CONFIG_HOME/openbook/config.toml or ~/.config/openbook/config.toml (may be missing);
//   2. <collection dir>/openbook.toml, e.g. .openbook/openbook.toml (may be missing).
// Flags given on the command line override both (the CLI calls merge_into()).
//
// Format: TOML. The keys may sit at the top level or under an [answer] table (the same key in
// both places in one file is an error):
//     model = "~/models/qwen2.5-0.5b-instruct-q4_k_m.gguf"
//     persona = "你是台灣人，用繁體中文回答"
//     k = 5
//     budget = 3000
//     temperature = 0.2
// Keys:
//   model        string: a GGUF file or a model reference ("qwen2.5:0.5b"). "~/" is expanded
//                with $HOME; a relative path that names an existing file next to the settings
//                file is resolved against that file's directory, otherwise it is kept as
//                written (it may be an alias or a name resolved elsewhere).
//   persona      string: the system prompt's persona.
//   persona_file string: a UTF-8 text file holding the persona, relative to the settings file
//                ("~/" expanded); read at load (a BOM and trailing white space are dropped).
//                Giving both persona and persona_file in one file is an error.
//   examples     string: few-shot examples (JSONL {"question", "answer"}), relative to the
//                settings file ("~/" expanded); read when an answer is made, not at load.
//   k            positive integer: passages retrieved and given as sources.
//   budget       positive integer: the most tokens the prompt (system message, examples,
//                sources and question together) may take; sources are cut to fit.
//   neighbours   integer >= 0: chunks before and after each retrieved passage added to it.
//   max_tokens   positive integer: the most tokens of the answer.
//   temperature  number >= 0 (an integer is accepted): sampling temperature; 0 is greedy.
//   context      positive integer: the model context length to use, in tokens.
//   threads      positive integer: CPU threads for the model.
// Integers must also fit in 32 bits. An unknown key or table is not an error: it becomes a note
// ("openbook.toml:7: unknown key 'temprature' (ignored)") so that a typo is visible.
//
// Errors: kInvalidArgument naming the file, the line and the problem, for a TOML syntax error
// ("config.toml:4:9: ...") and for a wrong type or value ("openbook.toml:3: 'k' must be a
// positive integer, got string"); a settings file (or persona file) that cannot be read fails
// with the read error naming it. No exception escapes.
//
// Thread-safety: free functions over plain values; they read the environment ($HOME,
// $XDG_CONFIG_HOME, $OPENBOOK_CONFIG), so do not call them while another thread sets it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook {

// Every field is optional: unset means "not configured here", so the next layer (a later file,
// a flag, or the built-in default) decides.
struct AnswerSettings {
    std::optional<std::string> model;    // a path (resolved as above) or a reference
    std::optional<std::string> persona;  // the text, also when read from persona_file
    std::optional<std::filesystem::path> persona_file;  // where `persona` came from, if a file
    std::optional<std::filesystem::path> examples;
    std::optional<int64_t> k;
    std::optional<int64_t> budget;
    std::optional<int64_t> neighbours;
    std::optional<int64_t> max_tokens;
    std::optional<double> temperature;
    std::optional<int64_t> context;
    std::optional<int64_t> threads;

    std::vector<std::filesystem::path> files;  // the settings files that were read, in order
    std::vector<std::string> notes;            // warnings: unknown keys and tables

    // True when no setting is set (files and notes aside).
    bool empty() const;
};

// Parses one file's text. `file_name` is used in messages (as given) and as the base of
// relative paths (its directory, made absolute); the file itself is not read, but a
// persona_file is. The result's `files` holds `file_name`.
Result<AnswerSettings> parse_answer_settings(std::string_view toml_text,
                                             const std::filesystem::path& file_name);

// $XDG_CONFIG_HOME/openbook/config.toml when XDG_CONFIG_HOME is set and non-empty, else
// $HOME/.config/openbook/config.toml; an empty path when neither is set. ($OPENBOOK_CONFIG is
// not consulted here; load_answer_settings() does that.)
std::filesystem::path user_settings_path();

// The user file, then <collection_dir>/openbook.toml, merged (see the top of this file). Missing
// files give empty settings; an empty collection_dir skips the collection file.
Result<AnswerSettings> load_answer_settings(const std::filesystem::path& collection_dir);

// Overrides `base` with every field set in `over`; `files` and `notes` are appended. persona
// and persona_file travel together: a persona in `over` replaces both.
void merge_into(AnswerSettings& base, const AnswerSettings& over);

}  // namespace openbook
