// Model files: what a GGUF file holds (inspect_model) and its tokenizer (ModelTokenizer).
//
// Errors: a missing file is kNotFound/kIoError; a file that is not valid GGUF, or lies about
// its sizes, is kCorrupt; a valid file with a tokenizer this build does not know is
// kUnsupported. Messages name the file.
//
// Thread-safety: ModelInfo is plain data; a ModelTokenizer is immutable after open() and may be
// used from several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openbook/status.h"

namespace openbook {

struct ModelInfo {
    std::string path;
    uint32_t gguf_version = 0;
    std::string architecture;  // general.architecture ("llama", "qwen2", "bert", …)
    std::string name;          // general.name ("" when absent)
    std::string size_label;    // general.size_label ("0.5B"; "" when absent)
    std::string file_type;     // general.file_type by name ("Q4_K_M"; "" when absent)
    uint64_t parameters = 0;   // elements in all tensors
    uint64_t context_length = 0;    // <arch>.context_length (0 when absent)
    uint64_t embedding_length = 0;  // <arch>.embedding_length
    uint64_t block_count = 0;       // <arch>.block_count (layers)
    uint64_t head_count = 0;        // <arch>.attention.head_count
    uint64_t head_count_kv = 0;     // <arch>.attention.head_count_kv (= head_count when absent)

    std::string tokenizer_model;  // tokenizer.ggml.model ("llama", "gpt2", "bert", "t5"; "" none)
    std::string tokenizer_kind;   // "SPM", "BPE", "WordPiece", "Unigram" (or the raw name)
    std::string tokenizer_pre;    // tokenizer.ggml.pre ("" when absent)
    uint64_t vocab_size = 0;      // entries in tokenizer.ggml.tokens
    bool has_chat_template = false;  // tokenizer.chat_template present

    uint64_t metadata_count = 0;
    uint64_t tensor_count = 0;
    std::vector<std::pair<std::string, uint64_t>> tensor_types;  // "Q4_K" → tensors, most first
    uint64_t tensor_bytes = 0;  // the data section's tensors
    uint64_t file_bytes = 0;
};

// Reads and validates a GGUF file's header, metadata and tensor table (no weights are loaded).
Result<ModelInfo> inspect_model(const std::filesystem::path& path);

struct TokenizeOptions {
    bool add_special = true;     // BOS/EOS (or [CLS]/[SEP]) as the model's metadata asks
    bool parse_special = false;  // "<|im_start|>" in the text becomes the control token
};

class ModelTokenizer {
public:
    static Result<ModelTokenizer> open(const std::filesystem::path& gguf_path);

    ModelTokenizer(ModelTokenizer&&) noexcept;
    ModelTokenizer& operator=(ModelTokenizer&&) noexcept;
    ~ModelTokenizer();

    std::vector<int32_t> encode(std::string_view text, const TokenizeOptions& options = {}) const;
    // The token's text as the vocabulary renders it, control tokens included; bytes of a
    // partial UTF-8 character are returned as they are.
    std::string piece(int32_t id) const;
    // Text of ids; control tokens are left out, so decode(encode(x)) == x whenever the
    // vocabulary can represent x.
    std::string decode(std::span<const int32_t> ids) const;
    size_t vocab_size() const;

private:
    struct Impl;
    explicit ModelTokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Synthetic models for benchmarks: real shapes and quantization mix, random weights.
struct SynthOptions {
    std::string preset;                // e.g. "qwen2.5-0.5b", "llama-3.2-1b", "bge-small"
    std::string file_type = "Q4_K_M";  // "F16", "Q8_0", "Q4_0", "Q4_K_M", …
    std::filesystem::path output;
    std::filesystem::path vocab_from;  // optional GGUF whose tokenizer is copied
    uint64_t seed = 1;
};

struct SynthSummary {
    uint64_t parameters = 0;
    uint64_t file_bytes = 0;
    std::vector<std::pair<std::string, uint64_t>> tensor_types;  // type → tensors
};

Result<SynthSummary> synthesize_model(const SynthOptions& options);
std::vector<std::string> synthetic_model_presets();
std::vector<std::string> synthetic_model_file_types();

}  // namespace openbook
