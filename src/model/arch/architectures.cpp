#include "model/arch/architectures.h"

#include <array>

namespace openbook::arch {
namespace {

constexpr std::array<std::string_view, 4> kSupported = {"llama", "qwen2", "qwen3", "bert"};

std::string supported_list() {
    std::string out;
    for (std::string_view name : kSupported) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

}  // namespace

std::span<const std::string_view> supported_architectures() { return kSupported; }

Result<std::string> architecture_of(const gguf::File& file) {
    const auto arch = file.get_string("general.architecture");
    if (!arch) {
        return Status::corrupt(file.name() + ": metadata key 'general.architecture' is missing");
    }
    for (std::string_view name : kSupported) {
        if (*arch == name) return std::string(name);
    }
    return Status::unsupported(file.name() + ": architecture '" + std::string(*arch) +
                               "' is not supported (supported: " + supported_list() + ")");
}

Result<std::unique_ptr<CausalLm>> load_causal_lm(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(const std::string arch, architecture_of(file));
    if (arch == "llama") return load_llama(file);
    if (arch == "qwen2") return load_qwen2(file);
    if (arch == "qwen3") return load_qwen3(file);
    return Status::invalid_argument(file.name() + ": architecture '" + arch +
                                    "' is an embedding encoder, not a language model");
}

Result<std::unique_ptr<BertModel>> load_encoder(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(const std::string arch, architecture_of(file));
    if (arch == "bert") return load_bert(file);
    return Status::invalid_argument(file.name() + ": architecture '" + arch +
                                    "' is a language model, not an embedding encoder");
}

}  // namespace openbook::arch
