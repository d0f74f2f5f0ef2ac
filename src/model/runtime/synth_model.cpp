#include "model/runtime/synth_model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/gguf/gguf_file.h"
#include "model/gguf/gguf_writer.h"
#include "model/kernels/kernels.h"
#include "model/tokenizer/byte_level.h"

namespace openbook::runtime {
namespace {

using gguf::GgmlType;
using gguf::MetaValue;

// Shapes and hyper-parameters of a real model, as its GGUF conversion states them.
struct Preset {
    std::string name;
    std::string arch;  // llama, qwen2, qwen3, bert
    std::string label;
    int64_t vocab, embd, layers, heads, heads_kv, head_dim, ffn, context;
    double rope_base;
    double norm_eps;
    bool tied;
    bool qkv_bias;     // qwen2
    bool qk_norm;      // qwen3
    bool llama3_rope;  // rope_freqs tensor (Llama 3.1+ scaling)
    std::string pre;   // tokenizer.ggml.pre of the real model
};

const std::vector<Preset>& presets() {
    static const std::vector<Preset> all = {
        {"qwen2.5-0.5b", "qwen2", "0.5B", 151936, 896, 24, 14, 2, 64, 4864, 32768, 1e6, 1e-6,
         true, true, false, false, "qwen2"},
        {"qwen2.5-1.5b", "qwen2", "1.5B", 151936, 1536, 28, 12, 2, 128, 8960, 32768, 1e6, 1e-6,
         true, true, false, false, "qwen2"},
        {"qwen3-0.6b", "qwen3", "0.6B", 151936, 1024, 28, 16, 8, 128, 3072, 40960, 1e6, 1e-6,
         true, false, true, false, "qwen2"},
        {"llama-3.2-1b", "llama", "1B", 128256, 2048, 16, 32, 8, 64, 8192, 131072, 5e5, 1e-5,
         true, false, false, true, "llama-bpe"},
        {"llama-3.2-3b", "llama", "3B", 128256, 3072, 28, 24, 8, 128, 8192, 131072, 5e5, 1e-5,
         true, false, false, true, "llama-bpe"},
        {"bge-small", "bert", "33M", 30522, 384, 12, 12, 12, 32, 1536, 512, 0, 1e-12, true,
         false, false, false, ""},
    };
    return all;
}

struct FileType {
    std::string name;
    uint32_t general_file_type;  // general.file_type (llama.cpp's numbering)
    GgmlType base;
};

const std::vector<FileType>& file_types() {
    static const std::vector<FileType> all = {
        {"F32", 0, GgmlType::kF32},     {"F16", 1, GgmlType::kF16},
        {"BF16", 32, GgmlType::kBF16},  {"Q8_0", 7, GgmlType::kQ8_0},
        {"Q4_0", 2, GgmlType::kQ4_0},   {"Q4_1", 3, GgmlType::kQ4_1},
        {"Q5_0", 8, GgmlType::kQ5_0},   {"Q5_1", 9, GgmlType::kQ5_1},
        {"Q2_K", 10, GgmlType::kQ2_K},  {"Q3_K_M", 12, GgmlType::kQ3_K},
        {"Q4_K_M", 15, GgmlType::kQ4_K}, {"Q5_K_M", 17, GgmlType::kQ5_K},
        {"Q6_K", 18, GgmlType::kQ6_K},
    };
    return all;
}

bool is_float(GgmlType t) {
    return t == GgmlType::kF32 || t == GgmlType::kF16 || t == GgmlType::kBF16;
}

bool use_more_bits(int64_t layer, int64_t n) {
    return layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2;
}

// llama-quantize's fallback for rows that are not a multiple of the block.
GgmlType fit_row(GgmlType t, int64_t row) {
    const auto traits = gguf::ggml_type_traits(static_cast<uint32_t>(t));
    if (row % traits->block_elements == 0) return t;
    switch (t) {
        case GgmlType::kQ2_K:
        case GgmlType::kQ3_K: return GgmlType::kQ4_0;
        case GgmlType::kQ4_K: return GgmlType::kQ5_0;
        case GgmlType::kQ5_K: return GgmlType::kQ5_1;
        case GgmlType::kQ6_K: return GgmlType::kQ8_0;
        default: return GgmlType::kF16;
    }
}

// The type llama-quantize gives one 2-D weight under file type `ft`.
GgmlType mix_type(const FileType& ft, const std::string& role, int64_t layer, int64_t n_layers,
                  int64_t row, bool is_output) {
    GgmlType t = ft.base;
    if (is_float(t)) return t;
    if (is_output) {
        if (row % 256 != 0) return GgmlType::kQ8_0;
        return t == GgmlType::kQ8_0 ? t : GgmlType::kQ6_K;
    }
    const std::string& n = ft.name;
    if (role == "attn_v") {
        if (n == "Q2_K") t = GgmlType::kQ3_K;
        if (n == "Q3_K_M") t = layer < 2 ? GgmlType::kQ5_K : GgmlType::kQ4_K;
        if ((n == "Q4_K_M" || n == "Q5_K_M") && use_more_bits(layer, n_layers)) t = GgmlType::kQ6_K;
    } else if (role == "ffn_down") {
        if (n == "Q2_K") t = GgmlType::kQ3_K;
        if (n == "Q3_K_M") t = layer < n_layers / 16 ? GgmlType::kQ5_K : GgmlType::kQ4_K;
        if ((n == "Q4_K_M" || n == "Q5_K_M") && use_more_bits(layer, n_layers)) t = GgmlType::kQ6_K;
    } else if (role == "attn_output") {
        if (n == "Q2_K") t = GgmlType::kQ3_K;
        if (n == "Q3_K_M") t = GgmlType::kQ4_K;
    }
    return fit_row(t, row);
}

// A small, fast, seeded generator (xorshift64*), and normals by the sum of four uniforms:
// the weights only need the right scale, not a perfect Gaussian.
class Random {
public:
    explicit Random(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    float uniform() {  // [-0.5, 0.5)
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return static_cast<float>((s_ * 0x2545F4914F6CDD1Dull) >> 40) / 16777216.0f - 0.5f;
    }
    float normal() { return (uniform() + uniform() + uniform() + uniform()) * 1.7320508f; }

private:
    uint64_t s_;
};

class Builder {
public:
    Builder(const Preset& p, const FileType& ft, uint64_t seed) : p_(p), ft_(ft), rng_(seed) {}

    Status weight(const std::string& name, int64_t cols, int64_t rows, GgmlType type) {
        std::vector<float> values(static_cast<size_t>(cols * rows));
        const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
        for (float& v : values) v = rng_.normal() * scale;
        return add(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, type, values);
    }
    Status vector(const std::string& name, int64_t n, float center, float spread) {
        std::vector<float> values(static_cast<size_t>(n));
        for (float& v : values) v = center + rng_.normal() * spread;
        return add(name, {static_cast<uint64_t>(n)}, GgmlType::kF32, values);
    }
    Status rope_freqs(int64_t head_dim) {
        // Llama 3.1+ long-context scaling (factor 32, low 1, high 4, original context 8192),
        // the factors convert_hf_to_gguf.py computes for Llama 3.2.
        std::vector<float> f(static_cast<size_t>(head_dim / 2));
        const double factor = 32, low = 1, high = 4, old_ctx = 8192;
        for (size_t i = 0; i < f.size(); ++i) {
            const double freq = 1.0 / std::pow(p_.rope_base, 2.0 * i / head_dim);
            const double wavelen = 2 * M_PI / freq;
            if (wavelen < old_ctx / high) {
                f[i] = 1.0f;
            } else if (wavelen > old_ctx / low) {
                f[i] = static_cast<float>(factor);
            } else {
                const double smooth = (old_ctx / wavelen - low) / (high - low);
                f[i] = static_cast<float>(1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return add("rope_freqs.weight", {f.size()}, GgmlType::kF32, f);
    }

    gguf::Writer& writer() { return writer_; }
    SynthReport& report() { return report_; }

private:
    Status add(const std::string& name, std::vector<uint64_t> dims, GgmlType type,
               const std::vector<float>& values) {
        const kernels::TypeOps* ops = kernels::ops(type);
        if (ops == nullptr || ops->from_float == nullptr) {
            return Status::unsupported(fmt::format("no quantizer for {}", gguf::ggml_type_name(
                                                                           static_cast<uint32_t>(type))));
        }
        std::string bytes(kernels::row_bytes(type, static_cast<int64_t>(dims[0])) *
                              (dims.size() > 1 ? dims[1] : 1),
                          '\0');
        const size_t row_bytes = kernels::row_bytes(type, static_cast<int64_t>(dims[0]));
        const int64_t rows = dims.size() > 1 ? static_cast<int64_t>(dims[1]) : 1;
        for (int64_t r = 0; r < rows; ++r) {
            ops->from_float(values.data() + r * static_cast<int64_t>(dims[0]),
                            bytes.data() + r * row_bytes, static_cast<int64_t>(dims[0]));
        }
        report_.parameters += values.size();
        ++types_[gguf::ggml_type_name(static_cast<uint32_t>(type))];
        report_.tensor_types.assign(types_.begin(), types_.end());
        return writer_.add_tensor(name, std::move(dims), type, bytes);
    }

    const Preset& p_;
    const FileType& ft_;
    Random rng_;
    gguf::Writer writer_;
    SynthReport report_;
    std::map<std::string, uint64_t> types_;
};

// A metadata value read from one file, as a value to write into another.
MetaValue to_meta_value(const gguf::Value& v) {
    using gguf::ValueType;
    switch (v.type) {
        case ValueType::kString: return MetaValue::string(std::string(v.str));
        case ValueType::kFloat32: return MetaValue::float32(static_cast<float>(v.f));
        case ValueType::kFloat64: return MetaValue::float64(v.f);
        case ValueType::kBool: return MetaValue::boolean(v.u != 0);
        case ValueType::kUint8: return MetaValue::uint8(static_cast<uint8_t>(v.u));
        case ValueType::kUint16: return MetaValue::uint16(static_cast<uint16_t>(v.u));
        case ValueType::kUint32: return MetaValue::uint32(static_cast<uint32_t>(v.u));
        case ValueType::kUint64: return MetaValue::uint64(v.u);
        case ValueType::kInt8: return MetaValue::int8(static_cast<int8_t>(v.i));
        case ValueType::kInt16: return MetaValue::int16(static_cast<int16_t>(v.i));
        case ValueType::kInt32: return MetaValue::int32(static_cast<int32_t>(v.i));
        case ValueType::kInt64: return MetaValue::int64(v.i);
        case ValueType::kArray: break;
    }
    const gguf::Array& a = *v.array;
    std::vector<MetaValue> elements;
    elements.reserve(a.size);
    for (uint64_t i = 0; i < a.size; ++i) {
        gguf::Value e;
        e.type = a.element_type;
        switch (a.element_type) {
            case ValueType::kString: e.str = a.strings[i]; break;
            case ValueType::kArray: e = a.arrays[i]; break;
            case ValueType::kFloat32:
            case ValueType::kFloat64: e.f = a.float_at(i); break;
            case ValueType::kInt8:
            case ValueType::kInt16:
            case ValueType::kInt32:
            case ValueType::kInt64: e.i = a.int_at(i); break;
            default: e.u = static_cast<uint64_t>(a.int_at(i)); break;
        }
        elements.push_back(to_meta_value(e));
    }
    return MetaValue::array(a.element_type, std::move(elements));
}

Status add_metadata(const Preset& p, const FileType& ft, gguf::Writer& w) {
    auto key = [&](const std::string& k) { return p.arch + "." + k; };
    OPENBOOK_RETURN_IF_ERROR(w.add("general.architecture", MetaValue::string(p.arch)));
    OPENBOOK_RETURN_IF_ERROR(w.add("general.name", MetaValue::string("synthetic " + p.name)));
    OPENBOOK_RETURN_IF_ERROR(w.add("general.size_label", MetaValue::string(p.label)));
    OPENBOOK_RETURN_IF_ERROR(w.add("general.file_type", MetaValue::uint32(ft.general_file_type)));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("context_length"), MetaValue::uint32(static_cast<uint32_t>(p.context))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("embedding_length"), MetaValue::uint32(static_cast<uint32_t>(p.embd))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("block_count"), MetaValue::uint32(static_cast<uint32_t>(p.layers))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("feed_forward_length"), MetaValue::uint32(static_cast<uint32_t>(p.ffn))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.head_count"), MetaValue::uint32(static_cast<uint32_t>(p.heads))));
    if (p.arch == "bert") {
        OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.layer_norm_epsilon"), MetaValue::float32(static_cast<float>(p.norm_eps))));
        OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.causal"), MetaValue::boolean(false)));
        OPENBOOK_RETURN_IF_ERROR(w.add(key("pooling_type"), MetaValue::uint32(2)));  // CLS
        return Status::ok_status();
    }
    OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.head_count_kv"), MetaValue::uint32(static_cast<uint32_t>(p.heads_kv))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.layer_norm_rms_epsilon"), MetaValue::float32(static_cast<float>(p.norm_eps))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("rope.freq_base"), MetaValue::float32(static_cast<float>(p.rope_base))));
    OPENBOOK_RETURN_IF_ERROR(w.add(key("rope.dimension_count"), MetaValue::uint32(static_cast<uint32_t>(p.head_dim))));
    if (p.head_dim * p.heads != p.embd) {
        OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.key_length"), MetaValue::uint32(static_cast<uint32_t>(p.head_dim))));
        OPENBOOK_RETURN_IF_ERROR(w.add(key("attention.value_length"), MetaValue::uint32(static_cast<uint32_t>(p.head_dim))));
    }
    return Status::ok_status();
}

// tokenizer.* keys: copied from a real vocabulary file, or a synthetic vocabulary of the size
// the embedding matrix has.
Status add_vocab(const Preset& p, const std::filesystem::path& vocab_from, gguf::Writer& w) {
    if (!vocab_from.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(gguf::File src, gguf::File::open(vocab_from));
        const gguf::Array* tokens = src.get_array("tokenizer.ggml.tokens", gguf::ValueType::kString);
        if (tokens == nullptr || static_cast<int64_t>(tokens->size) > p.vocab) {
            return Status::invalid_argument(fmt::format(
                "{}: its vocabulary ({} tokens) does not fit {}'s embedding matrix ({} rows)",
                vocab_from.string(), tokens ? tokens->size : 0, p.name, p.vocab));
        }
        for (const gguf::KeyValue& kv : src.metadata()) {
            if (kv.key.substr(0, 10) != "tokenizer.") continue;
            OPENBOOK_RETURN_IF_ERROR(w.add(std::string(kv.key), to_meta_value(kv.value)));
        }
        return Status::ok_status();
    }
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    if (p.arch == "bert") {
        for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
            tokens.emplace_back(s);
            types.push_back(3);
        }
        while (static_cast<int64_t>(tokens.size()) < p.vocab) {
            tokens.push_back(fmt::format("\xE2\x96\x81w{}", tokens.size()));
            types.push_back(1);
        }
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.model", MetaValue::string("bert")));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.cls_token_id", MetaValue::uint32(2)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.bos_token_id", MetaValue::uint32(2)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.seperator_token_id", MetaValue::uint32(3)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.unknown_token_id", MetaValue::uint32(1)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.padding_token_id", MetaValue::uint32(0)));
    } else {
        // Byte-level BPE: the 256 byte symbols, filler words, and an end-of-text token last.
        for (int b = 0; b < 256; ++b) {
            std::string text;
            tokenizer::bytes_to_byte_level(std::string(1, static_cast<char>(b)), text);
            tokens.push_back(text);
            types.push_back(1);
        }
        while (static_cast<int64_t>(tokens.size()) < p.vocab - 1) {
            tokens.push_back(fmt::format("w{}", tokens.size()));
            types.push_back(1);
        }
        tokens.emplace_back("<|endoftext|>");
        types.push_back(3);
        const auto eos = static_cast<uint32_t>(tokens.size() - 1);
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.model", MetaValue::string("gpt2")));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.pre", MetaValue::string(p.pre)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.merges", MetaValue::strings({})));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.eos_token_id", MetaValue::uint32(eos)));
        OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.bos_token_id", MetaValue::uint32(eos)));
    }
    OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.tokens", MetaValue::strings(tokens)));
    OPENBOOK_RETURN_IF_ERROR(w.add("tokenizer.ggml.token_type", MetaValue::numbers(types)));
    return Status::ok_status();
}

Status add_decoder_tensors(const Preset& p, const FileType& ft, Builder& b) {
    const int64_t q = p.heads * p.head_dim, kv = p.heads_kv * p.head_dim;
    const bool has_output = !p.tied;
    OPENBOOK_RETURN_IF_ERROR(
        b.weight("token_embd.weight", p.embd, p.vocab,
                 mix_type(ft, "token_embd", 0, p.layers, p.embd, !has_output)));
    if (p.llama3_rope) OPENBOOK_RETURN_IF_ERROR(b.rope_freqs(p.head_dim));
    for (int64_t i = 0; i < p.layers; ++i) {
        const std::string blk = fmt::format("blk.{}.", i);
        auto mat = [&](const std::string& role, int64_t cols, int64_t rows) {
            return b.weight(blk + role + ".weight", cols, rows,
                            mix_type(ft, role, i, p.layers, cols, false));
        };
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_norm.weight", p.embd, 1.0f, 0.1f));
        OPENBOOK_RETURN_IF_ERROR(mat("attn_q", p.embd, q));
        OPENBOOK_RETURN_IF_ERROR(mat("attn_k", p.embd, kv));
        OPENBOOK_RETURN_IF_ERROR(mat("attn_v", p.embd, kv));
        if (p.qkv_bias) {
            OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_q.bias", q, 0.0f, 0.1f));
            OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_k.bias", kv, 0.0f, 0.1f));
            OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_v.bias", kv, 0.0f, 0.1f));
        }
        if (p.qk_norm) {
            OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_q_norm.weight", p.head_dim, 1.0f, 0.1f));
            OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_k_norm.weight", p.head_dim, 1.0f, 0.1f));
        }
        OPENBOOK_RETURN_IF_ERROR(mat("attn_output", q, p.embd));
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "ffn_norm.weight", p.embd, 1.0f, 0.1f));
        OPENBOOK_RETURN_IF_ERROR(mat("ffn_gate", p.embd, p.ffn));
        OPENBOOK_RETURN_IF_ERROR(mat("ffn_up", p.embd, p.ffn));
        OPENBOOK_RETURN_IF_ERROR(mat("ffn_down", p.ffn, p.embd));
    }
    OPENBOOK_RETURN_IF_ERROR(b.vector("output_norm.weight", p.embd, 1.0f, 0.1f));
    if (has_output) {
        OPENBOOK_RETURN_IF_ERROR(b.weight("output.weight", p.embd, p.vocab,
                                          mix_type(ft, "output", 0, p.layers, p.embd, true)));
    }
    return Status::ok_status();
}

Status add_bert_tensors(const Preset& p, const FileType& ft, Builder& b) {
    OPENBOOK_RETURN_IF_ERROR(b.weight("token_embd.weight", p.embd, p.vocab,
                                      mix_type(ft, "token_embd", 0, p.layers, p.embd, false)));
    // llama-quantize leaves the position and token-type tables in F32.
    OPENBOOK_RETURN_IF_ERROR(b.weight("token_types.weight", p.embd, 2, GgmlType::kF32));
    OPENBOOK_RETURN_IF_ERROR(b.weight("position_embd.weight", p.embd, p.context, GgmlType::kF32));
    OPENBOOK_RETURN_IF_ERROR(b.vector("token_embd_norm.weight", p.embd, 1.0f, 0.1f));
    OPENBOOK_RETURN_IF_ERROR(b.vector("token_embd_norm.bias", p.embd, 0.0f, 0.1f));
    for (int64_t i = 0; i < p.layers; ++i) {
        const std::string blk = fmt::format("blk.{}.", i);
        auto linear = [&](const std::string& role, int64_t cols, int64_t rows) -> Status {
            OPENBOOK_RETURN_IF_ERROR(b.weight(blk + role + ".weight", cols, rows,
                                              mix_type(ft, role, i, p.layers, cols, false)));
            return b.vector(blk + role + ".bias", rows, 0.0f, 0.1f);
        };
        OPENBOOK_RETURN_IF_ERROR(linear("attn_q", p.embd, p.embd));
        OPENBOOK_RETURN_IF_ERROR(linear("attn_k", p.embd, p.embd));
        OPENBOOK_RETURN_IF_ERROR(linear("attn_v", p.embd, p.embd));
        OPENBOOK_RETURN_IF_ERROR(linear("attn_output", p.embd, p.embd));
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_output_norm.weight", p.embd, 1.0f, 0.1f));
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "attn_output_norm.bias", p.embd, 0.0f, 0.1f));
        OPENBOOK_RETURN_IF_ERROR(linear("ffn_up", p.embd, p.ffn));
        OPENBOOK_RETURN_IF_ERROR(linear("ffn_down", p.ffn, p.embd));
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "layer_output_norm.weight", p.embd, 1.0f, 0.1f));
        OPENBOOK_RETURN_IF_ERROR(b.vector(blk + "layer_output_norm.bias", p.embd, 0.0f, 0.1f));
    }
    return Status::ok_status();
}

}  // namespace

std::vector<std::string> synth_presets() {
    std::vector<std::string> out;
    for (const Preset& p : presets()) out.push_back(p.name);
    return out;
}

std::vector<std::string> synth_file_types() {
    std::vector<std::string> out;
    for (const FileType& f : file_types()) out.push_back(f.name);
    return out;
}

Result<SynthReport> synthesize_model(const SynthSpec& spec) {
    auto preset = std::find_if(presets().begin(), presets().end(),
                               [&](const Preset& p) { return p.name == spec.preset; });
    if (preset == presets().end()) {
        return Status::invalid_argument(fmt::format("unknown model '{}' (known: {})", spec.preset,
                                                    fmt::join(synth_presets(), ", ")));
    }
    auto ft = std::find_if(file_types().begin(), file_types().end(),
                           [&](const FileType& f) { return f.name == spec.file_type; });
    if (ft == file_types().end()) {
        return Status::invalid_argument(fmt::format("unknown file type '{}' (known: {})",
                                                    spec.file_type,
                                                    fmt::join(synth_file_types(), ", ")));
    }
    Builder b(*preset, *ft, spec.seed);
    OPENBOOK_RETURN_IF_ERROR(add_metadata(*preset, *ft, b.writer()));
    OPENBOOK_RETURN_IF_ERROR(add_vocab(*preset, spec.vocab_from, b.writer()));
    if (preset->arch == "bert") {
        OPENBOOK_RETURN_IF_ERROR(add_bert_tensors(*preset, *ft, b));
    } else {
        OPENBOOK_RETURN_IF_ERROR(add_decoder_tensors(*preset, *ft, b));
    }
    OPENBOOK_RETURN_IF_ERROR(b.writer().write(spec.output));
    SynthReport report = b.report();
    std::error_code ec;
    report.file_bytes = std::filesystem::file_size(spec.output, ec);
    return report;
}

}  // namespace openbook::runtime
