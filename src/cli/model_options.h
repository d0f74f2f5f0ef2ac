// Flags and helpers shared by the commands that run a local model (generate, chat, bench), and
// the resolution of model references for every command that takes one (-m/--model).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <string>

#include <nlohmann/json.hpp>

#include "openbook/generate.h"
#include "openbook/hub.h"

namespace openbook::cli {

struct ModelArgs {
    std::string file;
    int threads = 0;
    int64_t context = 0;
    bool kv_f32 = false;
};

struct SamplingArgs {
    int64_t max_tokens = 256;
    float temperature = 0.8f;
    int top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    float repeat_penalty = 1.0f;
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    uint64_t seed = 0;
    std::vector<std::string> stop;
    bool ignore_eos = false;
};

// The help text of a -m/--model option: what a model reference may be.
inline constexpr const char* kModelReferenceHelp =
    "A GGUF file, an alias (see `openbook models`), a Hub reference ORG/REPO[:FILE-or-QUANT] or "
    "an Ollama name ollama:NAME[:TAG]; downloaded on first use";

// A download's progress on stderr: on a terminal a bar redrawn in place (size, rate, ETA) at most
// ten times a second; otherwise one plain line when a file starts and one when it is done.
class DownloadProgressPrinter {
public:
    explicit DownloadProgressPrinter(bool terminal);
    void operator()(const DownloadProgress& p);

private:
    bool terminal_;
    bool drawn_ = false;
    std::string current_;  // the file whose start line was printed
    std::chrono::steady_clock::time_point last_draw_{};
};

// Resolves a model reference (file, alias, Hub reference, ollama:NAME) to the file to open:
// from the cache, or downloaded with a progress display when missing and the network is
// allowed (not HF_HUB_OFFLINE). Resolver notes go to stderr.
Result<std::string> resolve_model_file(const std::string& reference);

void add_model_options(CLI::App* cmd, ModelArgs& args);
void add_sampling_options(CLI::App* cmd, SamplingArgs& args);
// Resolves args.file (resolve_model_file), then loads the model.
Result<LanguageModel> load_model(const ModelArgs& args);
GenerationOptions generation_options(const SamplingArgs& args);

// The prompt argument, or standard input when it is "-".
std::string read_prompt(const std::string& arg);
nlohmann::json generation_json(const GenerationResult& r);
// One line on stderr: tokens, times, speeds, why it stopped.
void print_generation_summary(const GenerationResult& r);

// While alive, Ctrl-C sets a flag (generation stops cleanly at the next token) instead of
// killing the process; a second Ctrl-C exits at once.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    bool requested() const;
    void clear();

private:
    struct sigaction previous_ {};
};

}  // namespace openbook::cli
