// The reader on real GGUF files from ../shared/data, written by other tools (gguf-py,
// llama-quantize, llama.cpp's converters), checked against what their documentation states.
#include "model/gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace openbook::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> gguf_files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".gguf") out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The opened file; a failure throws, which GoogleTest reports as the test's failure.
File open_or_throw(const fs::path& path) {
    auto file = File::open(path);
    if (!file.has_value()) throw std::runtime_error(file.error().to_string());
    return std::move(file).value();
}

// Writers place tensors one after another, each padded to the alignment. So each tensor's size
// as computed from its dims and type must reach exactly to where the next one starts: this
// checks our block sizes against files quantized by other tools.
void expect_tensors_packed(const File& file) {
    std::vector<const TensorInfo*> by_offset;
    for (const auto& t : file.tensors()) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](auto* a, auto* b) { return a->offset < b->offset; });
    auto pad = [&](uint64_t n) {
        return (n + file.alignment() - 1) / file.alignment() * file.alignment();
    };
    uint64_t expected = 0;
    for (const TensorInfo* t : by_offset) {
        EXPECT_EQ(t->offset, expected)
            << file.name() << ": " << t->name << " (" << ggml_type_name(t->type) << ")";
        EXPECT_EQ(file.tensor_data(*t).size(), t->n_bytes);
        expected = pad(t->offset + t->n_bytes);
    }
    // Vocab-only files end right after their metadata, without padding to a data section.
    if (!file.tensors().empty()) {
        EXPECT_EQ(file.data_offset() + expected, file.file_size()) << file.name();
    }
}

TEST(GgufRealFiles, EveryFileOpensWithSaneStructure) {
    std::vector<fs::path> files;
    for (const char* dir : {"llamacpp-vocab-tests", "llamacpp-vocab-tests/historical",
                            "llamacpp-fixtures", "llamacpp-fixtures/vocab", "stories260k-gguf"}) {
        auto found = gguf_files_in(testing::shared_data(dir));
        files.insert(files.end(), found.begin(), found.end());
    }
    ASSERT_GE(files.size(), 67u);
    for (const auto& path : files) {
        SCOPED_TRACE(path.string());
        auto file = File::open(path);
        ASSERT_TRUE(file.has_value()) << file.error().to_string();
        EXPECT_EQ(file->version(), 3u);
        EXPECT_EQ(file->alignment(), 32u);
        EXPECT_EQ(file->file_size(), fs::file_size(path));
        EXPECT_TRUE(file->get_string("general.architecture").has_value());
        const Array* tokens = file->get_array("tokenizer.ggml.tokens", ValueType::kString);
        ASSERT_NE(tokens, nullptr);
        EXPECT_EQ(tokens->strings.size(), tokens->size);
        for (const auto& kv : file->metadata()) EXPECT_EQ(file->find(kv.key), &kv.value);
        for (const auto& t : file->tensors()) EXPECT_EQ(file->find_tensor(t.name), &t);
        expect_tensors_packed(*file);
    }
}

TEST(GgufRealFiles, VocabFilesHoldTheVocabularySizesTheirProvenanceStates) {
    struct Case {
        const char* file;
        const char* arch;
        const char* model;
        uint64_t n_vocab;
    };
    // llamacpp-vocab-tests/PROVENANCE.md, "What is here".
    const Case cases[] = {
        {"ggml-vocab-baichuan.gguf", "baichuan", "llama", 64000},
        {"ggml-vocab-bert-bge.gguf", "bert", "bert", 30522},
        {"ggml-vocab-deepseek-coder.gguf", "llama", "gpt2", 32256},
        {"ggml-vocab-deepseek-llm.gguf", "llama", "gpt2", 102400},
        {"ggml-vocab-falcon.gguf", "falcon", "gpt2", 65024},
        {"ggml-vocab-gpt-2.gguf", "gpt2", "gpt2", 50257},
        {"ggml-vocab-gpt-neox.gguf", "gptneox", "gpt2", 50432},
        {"ggml-vocab-llama-spm.gguf", "llama", "llama", 32000},
        {"ggml-vocab-mpt.gguf", "mpt", "gpt2", 50432},
        {"ggml-vocab-phi-3.gguf", "phi3", "llama", 32064},
        {"ggml-vocab-refact.gguf", "refact", "gpt2", 49216},
        {"ggml-vocab-starcoder.gguf", "starcoder2", "gpt2", 49152},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.file);
        File file =
            open_or_throw(testing::shared_data(std::string("llamacpp-vocab-tests/") + c.file));
        EXPECT_TRUE(file.tensors().empty());
        EXPECT_EQ(file.get_string("general.architecture"), c.arch);
        EXPECT_EQ(file.get_string("tokenizer.ggml.model"), c.model);
        const Array* tokens = file.get_array("tokenizer.ggml.tokens", ValueType::kString);
        ASSERT_NE(tokens, nullptr);
        EXPECT_EQ(tokens->size, c.n_vocab);
        // Per-token arrays, where present, have one entry per token.
        if (const Array* types = file.get_array("tokenizer.ggml.token_type", ValueType::kInt32)) {
            EXPECT_EQ(types->size, c.n_vocab);
            EXPECT_EQ(types->bytes().size(), c.n_vocab * 4);
        }
        if (const Array* scores = file.get_array("tokenizer.ggml.scores", ValueType::kFloat32)) {
            EXPECT_EQ(scores->size, c.n_vocab);
            for (uint64_t i = 0; i < scores->size; ++i) {
                ASSERT_TRUE(std::isfinite(scores->float_at(i))) << i;
            }
        }
        if (std::string_view(c.model) == "gpt2") {
            const Array* merges = file.get_array("tokenizer.ggml.merges", ValueType::kString);
            ASSERT_NE(merges, nullptr);
            EXPECT_GT(merges->size, 1000u);
            // A merge is two pieces joined by one space.
            EXPECT_NE(merges->strings[0].find(' '), std::string_view::npos);
        }
    }
}

TEST(GgufRealFiles, SpmVocabHasItsSpecialTokens) {
    File file =
        open_or_throw(testing::shared_data("llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf"));
    const Array* tokens = file.get_array("tokenizer.ggml.tokens", ValueType::kString);
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->strings[0], "<unk>");
    EXPECT_EQ(tokens->strings[1], "<s>");
    EXPECT_EQ(tokens->strings[2], "</s>");
    EXPECT_EQ(tokens->strings[3], "<0x00>");
    EXPECT_EQ(file.get_uint("tokenizer.ggml.bos_token_id"), 1u);
    EXPECT_EQ(file.get_uint("tokenizer.ggml.eos_token_id"), 2u);
}

// A file from llama.cpp's history whose converter wrote general.file_type twice, identically.
TEST(GgufRealFiles, DbrxVocabWithARepeatedKeyOpens) {
    File file =
        open_or_throw(testing::shared_data("llamacpp-vocab-tests/historical/ggml-vocab-dbrx.gguf"));
    EXPECT_EQ(file.metadata().size(), 24u);  // 25 pairs in the file, one a repeat
    EXPECT_EQ(file.get_uint("general.file_type"), 1u);
    EXPECT_EQ(file.get_string("tokenizer.ggml.pre"), "dbrx");
    EXPECT_EQ(file.get_array("tokenizer.ggml.tokens", ValueType::kString)->size, 100352u);
}

// tiny-llama (llamacpp-fixtures/README.md): vocab 512, hidden 64, 2 layers, 4 heads of 16,
// 2 KV heads, FFN 192, untied output.
TEST(GgufRealFiles, TinyLlamaF32HasTheDocumentedShapes) {
    File file = open_or_throw(testing::shared_data("llamacpp-fixtures/tiny-llama-f32.gguf"));
    EXPECT_EQ(file.get_string("general.architecture"), "llama");
    EXPECT_EQ(file.get_uint("llama.embedding_length"), 64u);
    EXPECT_EQ(file.get_uint("llama.block_count"), 2u);
    EXPECT_EQ(file.get_uint("llama.attention.head_count"), 4u);
    EXPECT_EQ(file.get_uint("llama.attention.head_count_kv"), 2u);
    EXPECT_EQ(file.get_uint("llama.feed_forward_length"), 192u);
    auto eps = file.get_float("llama.attention.layer_norm_rms_epsilon");
    ASSERT_TRUE(eps.has_value());
    EXPECT_NEAR(*eps, 1e-5, 1e-12);
    EXPECT_NEAR(file.get_float("llama.rope.freq_base").value_or(0), 1e4, 1e-3);
    EXPECT_EQ(file.get_array("tokenizer.ggml.tokens", ValueType::kString)->size, 512u);

    const std::map<std::string, std::vector<uint64_t>> expected = {
        {"token_embd.weight", {64, 512}},   {"output.weight", {64, 512}},
        {"output_norm.weight", {64}},       {"blk.0.attn_norm.weight", {64}},
        {"blk.0.attn_q.weight", {64, 64}},  {"blk.0.attn_k.weight", {64, 32}},
        {"blk.0.attn_v.weight", {64, 32}},  {"blk.0.attn_output.weight", {64, 64}},
        {"blk.0.ffn_norm.weight", {64}},    {"blk.0.ffn_gate.weight", {64, 192}},
        {"blk.0.ffn_up.weight", {64, 192}}, {"blk.0.ffn_down.weight", {192, 64}},
        {"blk.1.attn_k.weight", {64, 32}},  {"blk.1.ffn_down.weight", {192, 64}},
    };
    EXPECT_EQ(file.tensors().size(), 21u);  // 3 + 9 per layer
    for (const auto& [name, dims] : expected) {
        const TensorInfo* t = file.find_tensor(name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_EQ(t->dims, dims) << name;
        EXPECT_EQ(t->type, static_cast<uint32_t>(GgmlType::kF32));
        uint64_t n = 1;
        for (uint64_t d : dims) n *= d;
        EXPECT_EQ(t->n_elements, n);
        EXPECT_EQ(t->n_bytes, 4 * n);
    }
    EXPECT_EQ(file.find_tensor("blk.2.attn_q.weight"), nullptr);

    // Norm weights were drawn as 1 + N(0, 0.1): all finite and near 1.
    auto norm = file.tensor_data(*file.find_tensor("output_norm.weight"));
    ASSERT_EQ(norm.size(), 64u * 4);
    for (size_t i = 0; i < 64; ++i) {
        float v;
        std::memcpy(&v, norm.data() + 4 * i, 4);
        EXPECT_GT(v, 0.3f);
        EXPECT_LT(v, 1.7f);
    }
}

// The per-tensor types each fixture's JSON records (written by the tool that made the file),
// read with a small pattern match: "tensor_types" is a flat object of strings.
std::map<std::string, std::string> tensor_types_of(const fs::path& json_path) {
    std::string json = testing::read_file(json_path);
    std::map<std::string, std::string> out;
    size_t start = json.find("\"tensor_types\"");
    if (start == std::string::npos) return out;
    size_t open = json.find('{', start);
    size_t close = json.find('}', open);
    std::string body = json.substr(open, close - open);
    std::regex pair("\"([^\"]+)\"\\s*:\\s*\"([^\"]+)\"");
    for (std::sregex_iterator it(body.begin(), body.end(), pair), end; it != end; ++it) {
        out[(*it)[1]] = (*it)[2];
    }
    return out;
}

TEST(GgufRealFiles, FixtureTensorTypesMatchTheirJson) {
    int checked = 0;
    for (const auto& path : gguf_files_in(testing::shared_data("llamacpp-fixtures"))) {
        SCOPED_TRACE(path.filename().string());
        auto types = tensor_types_of(fs::path(path).replace_extension(".json"));
        ASSERT_FALSE(types.empty());
        File file = open_or_throw(path);
        EXPECT_EQ(file.tensors().size(), types.size());
        for (const auto& [name, type] : types) {
            const TensorInfo* t = file.find_tensor(name);
            ASSERT_NE(t, nullptr) << name;
            EXPECT_EQ(ggml_type_name(t->type), type) << name;
        }
        ++checked;
    }
    EXPECT_GE(checked, 48);
}

// tiny-llama-k: hidden 256, FFN 256, 2 KV heads of 64, tied; --pure Q4_K for 2-D weights, so
// every row is one 256-element super-block of 144 bytes.
TEST(GgufRealFiles, Q4KTensorSizesFollowTheBlockLayout) {
    File file = open_or_throw(testing::shared_data("llamacpp-fixtures/tiny-llama-k-q4_k.gguf"));
    EXPECT_EQ(file.find_tensor("output.weight"), nullptr);  // tied
    struct Case {
        const char* name;
        std::vector<uint64_t> dims;
        uint64_t n_bytes;
    };
    const Case cases[] = {
        {"token_embd.weight", {256, 512}, 512 * 144},
        {"blk.0.attn_q.weight", {256, 256}, 256 * 144},
        {"blk.0.attn_k.weight", {256, 128}, 128 * 144},
        {"blk.1.ffn_down.weight", {256, 256}, 256 * 144},
    };
    for (const Case& c : cases) {
        const TensorInfo* t = file.find_tensor(c.name);
        ASSERT_NE(t, nullptr) << c.name;
        EXPECT_EQ(ggml_type_name(t->type), "Q4_K");
        EXPECT_EQ(t->dims, c.dims);
        EXPECT_EQ(t->n_bytes, c.n_bytes);
        EXPECT_EQ(file.tensor_data(*t).size(), c.n_bytes);
    }
    const TensorInfo* norm = file.find_tensor("output_norm.weight");
    ASSERT_NE(norm, nullptr);
    EXPECT_EQ(ggml_type_name(norm->type), "F32");
    EXPECT_EQ(norm->n_bytes, 256u * 4);
    const TensorInfo* freqs = file.find_tensor("rope_freqs.weight");
    ASSERT_NE(freqs, nullptr);
    EXPECT_EQ(freqs->dims, std::vector<uint64_t>{32});  // head_dim / 2
}

// stories260k-gguf/README.md: dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads, vocab 512.
TEST(GgufRealFiles, Stories260KMatchesItsReadme) {
    File f32 = open_or_throw(testing::shared_data("stories260k-gguf/stories260K-f32.gguf"));
    EXPECT_EQ(f32.tensors().size(), 48u);
    EXPECT_EQ(f32.get_string("general.name"), "stories260K");
    EXPECT_EQ(f32.get_uint("llama.context_length"), 512u);
    EXPECT_EQ(f32.get_uint("llama.embedding_length"), 64u);
    EXPECT_EQ(f32.get_uint("llama.feed_forward_length"), 172u);
    EXPECT_EQ(f32.get_uint("llama.block_count"), 5u);
    EXPECT_EQ(f32.get_uint("llama.attention.head_count"), 8u);
    EXPECT_EQ(f32.get_uint("llama.attention.head_count_kv"), 4u);
    EXPECT_EQ(f32.get_bool("tokenizer.ggml.add_bos_token"), true);
    EXPECT_EQ(f32.get_bool("tokenizer.ggml.add_eos_token"), false);
    EXPECT_EQ(f32.get_uint("tokenizer.ggml.unknown_token_id"), 0u);
    EXPECT_EQ(f32.get_uint("tokenizer.ggml.bos_token_id"), 1u);
    EXPECT_EQ(f32.get_uint("tokenizer.ggml.eos_token_id"), 2u);
    const Array* tokens = f32.get_array("tokenizer.ggml.tokens", ValueType::kString);
    ASSERT_NE(tokens, nullptr);
    ASSERT_EQ(tokens->size, 512u);
    EXPECT_EQ(tokens->strings[0], "<unk>");
    EXPECT_EQ(tokens->strings[1], "<s>");
    EXPECT_EQ(tokens->strings[3], "<0x00>");
    EXPECT_EQ(tokens->strings[258], "<0xFF>");
    EXPECT_EQ(f32.find_tensor("blk.0.attn_k.weight")->dims, (std::vector<uint64_t>{64, 32}));
    EXPECT_EQ(f32.find_tensor("blk.4.ffn_down.weight")->dims, (std::vector<uint64_t>{172, 64}));

    File tied = open_or_throw(testing::shared_data("stories260k-gguf/stories260K-tied-f32.gguf"));
    EXPECT_EQ(tied.tensors().size(), 47u);
    EXPECT_EQ(tied.find_tensor("output.weight"), nullptr);
    // Same weights as the main file, byte for byte.
    auto a = f32.tensor_data(*f32.find_tensor("token_embd.weight"));
    auto b = tied.tensor_data(*tied.find_tensor("token_embd.weight"));
    ASSERT_EQ(a.size(), 64u * 512 * 4);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));

    // Q8_0 for every 2-D weight except ffn_down, whose 172-element rows are not a multiple of 32.
    File q8 = open_or_throw(testing::shared_data("stories260k-gguf/stories260K-q8_0.gguf"));
    const TensorInfo* wq = q8.find_tensor("blk.0.attn_q.weight");
    ASSERT_NE(wq, nullptr);
    EXPECT_EQ(ggml_type_name(wq->type), "Q8_0");
    EXPECT_EQ(wq->n_bytes, 64u / 32 * 34 * 64);
    EXPECT_EQ(ggml_type_name(q8.find_tensor("blk.0.ffn_down.weight")->type), "F32");
}

TEST(GgufRealFiles, MovedFileKeepsItsViewsValid) {
    auto opened = File::open(testing::shared_data("stories260k-gguf/stories260K-q8_0.gguf"));
    ASSERT_TRUE(opened.has_value());
    std::string_view name = *opened->get_string("general.name");
    File moved = std::move(opened).value();
    File target = open_or_throw(testing::shared_data("llamacpp-fixtures/tiny-llama-q4_0.gguf"));
    target = std::move(moved);
    EXPECT_EQ(name, "stories260K");
    EXPECT_EQ(target.get_string("general.name"), "stories260K");
}

}  // namespace
}  // namespace openbook::gguf
