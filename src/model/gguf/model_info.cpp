// inspect_model() (include/openbook/model.h): a summary of a GGUF file from its metadata and
// tensor table.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "model/gguf/gguf_file.h"
#include "openbook/model.h"

namespace openbook {
namespace {

// general.file_type: the quantization a file was made with, by its conventional name.
std::string file_type_name(uint64_t type) {
    static const std::map<uint64_t, std::string_view> kNames = {
        {0, "F32"},      {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},    {7, "Q8_0"},
        {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"}, {12, "Q3_K_M"},
        {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"},  {16, "Q5_K_S"}, {17, "Q5_K_M"},
        {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},  {21, "Q2_K_S"}, {22, "IQ3_XS"},
        {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},  {26, "IQ3_S"},  {27, "IQ3_M"},
        {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},  {31, "IQ1_M"},  {32, "BF16"},
        {36, "TQ1_0"},   {37, "TQ2_0"},
    };
    auto it = kNames.find(type);
    return it == kNames.end() ? fmt::format("type#{}", type) : std::string(it->second);
}

std::string tokenizer_kind(std::string_view model) {
    if (model == "llama") return "SPM";
    if (model == "gpt2") return "BPE";
    if (model == "bert") return "WordPiece";
    if (model == "t5") return "Unigram";
    return std::string(model);
}

}  // namespace

Result<ModelInfo> inspect_model(const std::filesystem::path& path) {
    OPENBOOK_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
    ModelInfo info;
    info.path = path.string();
    info.gguf_version = file.version();
    info.file_bytes = file.file_size();
    info.metadata_count = file.metadata().size();
    info.architecture = std::string(file.get_string("general.architecture").value_or(""));
    info.name = std::string(file.get_string("general.name").value_or(""));
    info.size_label = std::string(file.get_string("general.size_label").value_or(""));
    if (auto t = file.get_uint("general.file_type")) info.file_type = file_type_name(*t);

    const std::string& arch = info.architecture;
    auto arch_uint = [&](std::string_view key) {
        return file.get_uint(fmt::format("{}.{}", arch, key)).value_or(0);
    };
    if (!arch.empty()) {
        info.context_length = arch_uint("context_length");
        info.embedding_length = arch_uint("embedding_length");
        info.block_count = arch_uint("block_count");
        info.head_count = arch_uint("attention.head_count");
        info.head_count_kv = arch_uint("attention.head_count_kv");
        if (info.head_count_kv == 0) info.head_count_kv = info.head_count;
    }

    info.tokenizer_model = std::string(file.get_string("tokenizer.ggml.model").value_or(""));
    info.tokenizer_kind = tokenizer_kind(info.tokenizer_model);
    info.tokenizer_pre = std::string(file.get_string("tokenizer.ggml.pre").value_or(""));
    if (const gguf::Array* tokens = file.get_array("tokenizer.ggml.tokens", gguf::ValueType::kString)) {
        info.vocab_size = tokens->size;
    }
    info.has_chat_template = file.find("tokenizer.chat_template") != nullptr;

    std::map<std::string, uint64_t> per_type;
    for (const gguf::TensorInfo& t : file.tensors()) {
        info.parameters += t.n_elements;
        info.tensor_bytes += t.n_bytes;
        ++per_type[gguf::ggml_type_name(t.type)];
    }
    info.tensor_count = file.tensors().size();
    info.tensor_types.assign(per_type.begin(), per_type.end());
    std::stable_sort(info.tensor_types.begin(), info.tensor_types.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    return info;
}

}  // namespace openbook
