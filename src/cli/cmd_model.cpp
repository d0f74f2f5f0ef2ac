// `openbook model info MODEL`: what a GGUF model file holds, before anyone runs it. MODEL is a
// file or any model reference (alias, Hub reference, ollama:NAME).
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/model_options.h"
#include "openbook/model.h"

namespace openbook::cli {
namespace {

// "494,032,768" and "494M" for parameter counts.
std::string short_count(uint64_t n) {
    const char* units[] = {"", "K", "M", "B", "T"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.2f%s", v, units[u]);
    return buf;
}

void print_info(const ModelInfo& m) {
    auto line = [](const char* label, const std::string& value) {
        if (!value.empty()) std::printf("%-15s %s\n", label, value.c_str());
    };
    auto number = [&](const char* label, uint64_t value) {
        if (value != 0) line(label, std::to_string(value));
    };
    line("file", m.path);
    line("format", "GGUF v" + std::to_string(m.gguf_version) + ", " + human_bytes(m.file_bytes));
    line("name", m.name);
    line("architecture", m.architecture.empty() ? "(none)" : m.architecture);
    line("parameters", short_count(m.parameters) +
                           (m.size_label.empty() ? "" : " (labelled " + m.size_label + ")"));
    line("quantization", m.file_type);
    number("context length", m.context_length);
    number("embedding", m.embedding_length);
    number("layers", m.block_count);
    if (m.head_count != 0) {
        line("heads", std::to_string(m.head_count) + " (KV " + std::to_string(m.head_count_kv) + ")");
    }
    if (m.tokenizer_model.empty()) {
        line("tokenizer", "(none)");
    } else {
        line("tokenizer", m.tokenizer_kind + " (" + m.tokenizer_model +
                              (m.tokenizer_pre.empty() ? "" : ", pre " + m.tokenizer_pre) +
                              "), " + std::to_string(m.vocab_size) + " tokens");
    }
    line("chat template", m.has_chat_template ? "yes" : "no");
    std::string types;
    for (const auto& [type, n] : m.tensor_types) {
        types += (types.empty() ? "" : ", ") + type + " " + std::to_string(n);
    }
    line("tensors", std::to_string(m.tensor_count) + (types.empty() ? "" : " (" + types + ")") +
                        ", " + human_bytes(m.tensor_bytes));
    line("metadata", std::to_string(m.metadata_count) + " keys");
}

nlohmann::json info_json(const ModelInfo& m) {
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [type, n] : m.tensor_types) types[type] = n;
    return {{"path", m.path},
            {"gguf_version", m.gguf_version},
            {"name", m.name},
            {"architecture", m.architecture},
            {"parameters", m.parameters},
            {"size_label", m.size_label},
            {"file_type", m.file_type},
            {"context_length", m.context_length},
            {"embedding_length", m.embedding_length},
            {"block_count", m.block_count},
            {"head_count", m.head_count},
            {"head_count_kv", m.head_count_kv},
            {"tokenizer", {{"model", m.tokenizer_model},
                           {"kind", m.tokenizer_kind},
                           {"pre", m.tokenizer_pre},
                           {"vocab_size", m.vocab_size}}},
            {"chat_template", m.has_chat_template},
            {"metadata_count", m.metadata_count},
            {"tensor_count", m.tensor_count},
            {"tensor_types", types},
            {"tensor_bytes", m.tensor_bytes},
            {"file_bytes", m.file_bytes}};
}

}  // namespace

void register_model(CLI::App& app, CommandContext& ctx) {
    auto* model = app.add_subcommand("model", "Inspect model files");
    model->require_subcommand(1);

    struct InfoArgs {
        std::string file;
        bool json = false;
    };
    auto args = std::make_shared<InfoArgs>();
    auto* info = model->add_subcommand(
        "info", "Architecture, size, context length, tokenizer and tensors of a GGUF file");
    info->add_option("MODEL", args->file, kModelReferenceHelp)->required();
    info->add_flag("--json", args->json, "Print as JSON");
    info->callback([&ctx, args] {
        auto path = resolve_model_file(args->file);
        if (!path.has_value()) {
            ctx.exit_code = report_error(path.error());
            return;
        }
        auto m = inspect_model(*path);
        if (!m.has_value()) {
            ctx.exit_code = report_error(m.error());
            return;
        }
        if (args->json) {
            print_json(info_json(*m));
        } else {
            print_info(*m);
        }
    });

    auto synth = std::make_shared<SynthOptions>();
    auto* synth_cmd = model->add_subcommand(
        "synth", "Write a GGUF with a real model's shapes and quantization mix but random "
                 "weights (for benchmarks)");
    synth_cmd->add_option("PRESET", synth->preset, join(synthetic_model_presets(), ", "))
        ->required();
    synth_cmd->add_option("-o,--output", synth->output, "The GGUF file to write")->required();
    synth_cmd->add_option("--type", synth->file_type, join(synthetic_model_file_types(), ", "))
        ->capture_default_str();
    synth_cmd->add_option("--vocab-from", synth->vocab_from,
                          "Copy the tokenizer of this GGUF (default: a synthetic vocabulary)");
    synth_cmd->add_option("--seed", synth->seed, "Random seed")->capture_default_str();
    synth_cmd->callback([&ctx, synth] {
        auto r = synthesize_model(*synth);
        if (!r.has_value()) {
            ctx.exit_code = report_error(r.error());
            return;
        }
        std::string types;
        for (const auto& [type, n] : r->tensor_types) {
            types += (types.empty() ? "" : ", ") + type + " " + std::to_string(n);
        }
        std::printf("wrote %s: %s, %s parameters (%s)\n", synth->output.string().c_str(),
                    human_bytes(r->file_bytes).c_str(), short_count(r->parameters).c_str(),
                    types.c_str());
    });
}

}  // namespace openbook::cli
