#include "cli/model_options.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/cli_common.h"

namespace openbook::cli {
namespace {

std::atomic<int> g_interrupts{0};

void on_interrupt(int) {
    if (g_interrupts.fetch_add(1) >= 1) {
        static const char kBye[] = "\n";
        [[maybe_unused]] auto n = ::write(STDOUT_FILENO, kBye, 1);
        std::_Exit(130);
    }
}

}  // namespace

void add_model_options(CLI::App* cmd, ModelArgs& args) {
    cmd->add_option("-m,--model", args.file, kModelReferenceHelp)->required();
    cmd->add_option("-t,--threads", args.threads, "Threads (default: physical cores)");
    cmd->add_option("-c,--ctx", args.context,
                    "Context length in tokens (default: the model's, at most 4096)");
    cmd->add_flag("--kv-f32", args.kv_f32, "Keep the KV cache in F32 instead of F16");
}

void add_sampling_options(CLI::App* cmd, SamplingArgs& args) {
    cmd->add_option("-n,--max-tokens", args.max_tokens, "Most tokens to generate")
        ->capture_default_str();
    cmd->add_option("--temp", args.temperature, "Temperature; 0 = greedy")->capture_default_str();
    cmd->add_option("--top-k", args.top_k, "Keep the k most likely tokens; 0 = off")
        ->capture_default_str();
    cmd->add_option("--top-p", args.top_p, "Nucleus sampling mass; 1 = off")->capture_default_str();
    cmd->add_option("--min-p", args.min_p, "Drop tokens below min-p × the best; 0 = off")
        ->capture_default_str();
    cmd->add_option("--repeat-penalty", args.repeat_penalty, "Penalty for repeated tokens; 1 = off")
        ->capture_default_str();
    cmd->add_option("--frequency-penalty", args.frequency_penalty,
                    "Subtracted per earlier occurrence of a token; 0 = off")
        ->capture_default_str();
    cmd->add_option("--presence-penalty", args.presence_penalty,
                    "Subtracted once from tokens that occurred; 0 = off")
        ->capture_default_str();
    cmd->add_option("--seed", args.seed, "Random seed (same seed, same output)")
        ->capture_default_str();
    cmd->add_option("--stop", args.stop, "Stop before this text (repeatable)");
    cmd->add_flag("--ignore-eos", args.ignore_eos,
                  "Do not stop at the model's end-of-generation tokens");
}

DownloadProgressPrinter::DownloadProgressPrinter(bool terminal) : terminal_(terminal) {}

void DownloadProgressPrinter::operator()(const DownloadProgress& p) {
    if (!p.note.empty()) {  // e.g. waiting for another process's download of the same file
        if (drawn_) std::fprintf(stderr, "\n");
        drawn_ = false;
        std::fprintf(stderr, "openbook: %s\n", p.note.c_str());
        return;
    }
    const std::string part = p.file_count > 1 ? " (part " + std::to_string(p.file_index + 1) +
                                                    "/" + std::to_string(p.file_count) + ")"
                                              : "";
    const double fetched = static_cast<double>(p.bytes_done - std::min(p.bytes_done, p.resumed_from));
    const double rate = p.seconds > 0 ? fetched / p.seconds : 0;
    if (!terminal_) {
        // Logs and pipes get whole lines, not carriage returns.
        if (current_ != p.file) {
            current_ = p.file;
            std::fprintf(stderr, "openbook: downloading %s%s from %s (%s%s)\n", p.file.c_str(),
                         part.c_str(), p.repo.c_str(),
                         p.bytes_total > 0 ? human_bytes(p.bytes_total).c_str() : "size unknown",
                         p.resumed_from > 0
                             ? (", resuming at " + human_bytes(p.resumed_from)).c_str()
                             : "");
        }
        if (p.finished) {
            std::fprintf(stderr, "openbook: downloaded %s: %s in %.1f s (%s/s)\n", p.file.c_str(),
                         human_bytes(p.bytes_done).c_str(), p.seconds,
                         human_bytes(static_cast<uint64_t>(rate)).c_str());
        }
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && !p.finished && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double fraction =
        p.bytes_total > 0 ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total)
                          : 0.0;
    constexpr int kBarWidth = 20;
    const int filled = static_cast<int>(fraction * kBarWidth);
    std::string bar(static_cast<size_t>(std::min(filled, kBarWidth)), '=');
    if (filled < kBarWidth) bar += '>';
    bar.resize(kBarWidth, ' ');
    char eta[32] = "";
    if (rate > 0 && p.bytes_total > p.bytes_done) {
        std::snprintf(eta, sizeof eta, "  eta %.0fs",
                      static_cast<double>(p.bytes_total - p.bytes_done) / rate);
    }
    std::fprintf(stderr, "\r\033[K[%s] %s%s  %s/%s  %s/s%s", bar.c_str(), p.file.c_str(),
                 part.c_str(), human_bytes(p.bytes_done).c_str(),
                 p.bytes_total > 0 ? human_bytes(p.bytes_total).c_str() : "?",
                 human_bytes(static_cast<uint64_t>(rate)).c_str(), eta);
    if (p.finished) {
        std::fprintf(stderr, "\r\033[Kdownloaded %s%s: %s in %.1f s\n", p.file.c_str(),
                     part.c_str(), human_bytes(p.bytes_done).c_str(), p.seconds);
        drawn_ = false;
    } else {
        drawn_ = true;
    }
    std::fflush(stderr);
}

Result<std::string> resolve_model_file(const std::string& reference) {
    const HubSettings settings = HubSettings::from_environment();
    ResolveOptions options;
    auto printer = std::make_shared<DownloadProgressPrinter>(stderr_is_tty());
    options.progress = [printer](const DownloadProgress& p) { (*printer)(p); };
    OPENBOOK_ASSIGN_OR_RETURN(ResolvedModel model, resolve_model(reference, settings, options));
    if (!model.note.empty()) std::fprintf(stderr, "openbook: %s\n", model.note.c_str());
    return model.path.string();
}

Result<LanguageModel> load_model(const ModelArgs& args) {
    ModelLoadOptions options;
    options.threads = args.threads;
    options.context = args.context;
    options.kv_cache_f32 = args.kv_f32;
    OPENBOOK_ASSIGN_OR_RETURN(const std::string path, resolve_model_file(args.file));
    return LanguageModel::load(path, options);
}

GenerationOptions generation_options(const SamplingArgs& args) {
    GenerationOptions o;
    o.max_tokens = args.max_tokens;
    o.temperature = args.temperature;
    o.top_k = args.top_k;
    o.top_p = args.top_p;
    o.min_p = args.min_p;
    o.repeat_penalty = args.repeat_penalty;
    o.frequency_penalty = args.frequency_penalty;
    o.presence_penalty = args.presence_penalty;
    o.seed = args.seed;
    o.stop = args.stop;
    o.ignore_eos = args.ignore_eos;
    return o;
}

std::string read_prompt(const std::string& arg) {
    if (arg != "-") return arg;
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

nlohmann::json generation_json(const GenerationResult& r) {
    return {{"text", r.text},
            {"tokens", r.tokens},
            {"prompt_tokens", r.prompt_tokens},
            {"reused_prompt_tokens", r.reused_prompt_tokens},
            {"generated_tokens", r.tokens.size()},
            {"prefill_ms", r.prefill_ms},
            {"first_token_ms", r.first_token_ms},
            {"decode_ms", r.decode_ms},
            {"stop_reason", r.stop_reason}};
}

void print_generation_summary(const GenerationResult& r) {
    const double prefill_rate =
        r.prefill_ms > 0 ? (r.prompt_tokens - r.reused_prompt_tokens) * 1000.0 / r.prefill_ms : 0;
    const double decode_rate =
        r.decode_ms > 0 && r.tokens.size() > 1 ? (r.tokens.size() - 1) * 1000.0 / r.decode_ms : 0;
    std::fprintf(stderr,
                 "prompt %lld tokens (%lld reused) in %.0f ms (%.1f t/s); generated %zu tokens "
                 "(%.1f t/s); first token after %.0f ms; stop: %s\n",
                 static_cast<long long>(r.prompt_tokens),
                 static_cast<long long>(r.reused_prompt_tokens), r.prefill_ms, prefill_rate,
                 r.tokens.size(), decode_rate, r.first_token_ms, r.stop_reason.c_str());
}

InterruptGuard::InterruptGuard() {
    g_interrupts = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_);
}

InterruptGuard::~InterruptGuard() { sigaction(SIGINT, &previous_, nullptr); }

bool InterruptGuard::requested() const { return g_interrupts.load() > 0; }

void InterruptGuard::clear() { g_interrupts = 0; }

}  // namespace openbook::cli
