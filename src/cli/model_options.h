// Flags and helpers shared by the commands that run a local model (generate, chat, bench).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <string>

#include <nlohmann/json.hpp>

#include "openbook/generate.h"

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

void add_model_options(CLI::App* cmd, ModelArgs& args);
void add_sampling_options(CLI::App* cmd, SamplingArgs& args);
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
