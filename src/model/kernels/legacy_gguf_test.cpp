// The block layouts on files written by other tools: tensors that llama-quantize made from the
// -f32 fixtures (../shared/data/llamacpp-fixtures) dequantize to within one quantization step of
// the original floats, and re-quantizing those floats with our reference quantizers reproduces
// llama-quantize's bytes. F16/BF16 files hold the f32 draw rounded to nearest even.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/gguf/gguf_file.h"
#include "model/kernels/fp16.h"
#include "model/kernels/kernels.h"
#include "support/test_support.h"

namespace openbook::kernels {
namespace {

using T = GgmlType;

gguf::File open_fixture(const std::string& name) {
    auto file = gguf::File::open(testing::shared_data("llamacpp-fixtures/" + name));
    if (!file.has_value()) throw std::runtime_error(file.error().to_string());
    return std::move(file).value();
}

std::vector<float> f32_tensor(const gguf::File& file, const gguf::TensorInfo& info) {
    const auto data = file.tensor_data(info);
    std::vector<float> out(info.n_elements);
    std::memcpy(out.data(), data.data(), out.size() * sizeof(float));
    return out;
}

uint16_t u16_at(const unsigned char* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

struct Family {
    const char* prefix;  // "tiny-llama" → tiny-llama-f32.gguf, tiny-llama-q4_0.gguf, …
    std::vector<const char*> variants;
};

const Family kFamilies[] = {
    {"tiny-llama", {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1"}},
    {"tiny-qwen2", {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1"}},
    {"tiny-bert", {"q8_0", "q4_0"}},
};

// One quantization step of the block holding element j (the fp16 d), plus the fp16 rounding
// of the scale and min, as in legacy_ref_test.cpp's bound.
double step_bound(T type, const unsigned char* row_bytes_ptr, size_t block_size, int64_t j,
                  float x) {
    const unsigned char* block = row_bytes_ptr + static_cast<size_t>(j / 32) * block_size;
    const double d = std::fabs(f16_to_f32(u16_at(block)));
    const bool with_min = type == T::kQ4_1 || type == T::kQ5_1;
    const double m = with_min ? std::fabs(f16_to_f32(u16_at(block + 2))) : 0.0;
    const auto fp16_error = [](double v) {
        return v * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
    };
    const double q_max = type == T::kQ8_0 ? 127 : type == T::kQ4_0 || type == T::kQ4_1 ? 15 : 31;
    return d + q_max * fp16_error(d) + (with_min ? fp16_error(m) : 0.0) + std::fabs(x) * 1e-6;
}

TEST(LegacyGgufTest, QuantizedTensorsDecodeToTheirF32Source) {
    int tensors_checked = 0;
    for (const Family& family : kFamilies) {
        const gguf::File f32 = open_fixture(std::string(family.prefix) + "-f32.gguf");
        for (const char* variant : family.variants) {
            const std::string name = std::string(family.prefix) + "-" + variant + ".gguf";
            const gguf::File quantized = open_fixture(name);
            for (const gguf::TensorInfo& info : quantized.tensors()) {
                const auto type = static_cast<T>(info.type);
                if (type == T::kF32) continue;  // norms, biases, embeddings llama-quantize keeps
                const gguf::TensorInfo* source = f32.find_tensor(info.name);
                ASSERT_NE(source, nullptr) << info.name;
                ASSERT_EQ(source->dims, info.dims);
                const std::vector<float> want = f32_tensor(f32, *source);
                const auto bytes = quantized.tensor_data(info);
                const auto n = static_cast<int64_t>(info.n_elements);
                const size_t block_size = gguf::ggml_type_traits(info.type)->block_bytes;
                for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
                    const TypeOps* op = ops(type, isa);
                    ASSERT_NE(op, nullptr) << name << " " << info.name;
                    std::vector<float> got(static_cast<size_t>(n));
                    op->to_float(bytes.data(), got.data(), n);
                    for (int64_t j = 0; j < n; ++j) {
                        const double err = std::fabs(static_cast<double>(got[j]) - want[j]);
                        ASSERT_LE(err, step_bound(type, bytes.data(), block_size, j, want[j]))
                            << name << " " << info.name << " element " << j;
                    }
                }
                ++tensors_checked;
            }
        }
    }
    EXPECT_GE(tensors_checked, 80);
}

// llama-quantize without an importance matrix uses ggml's reference quantizers, and ours for the
// weight-only types follow the same arithmetic, so the bytes must match exactly. Q8_0's
// from_float is llama.cpp's *activation* rounding (round half to even of x * 127/amax) instead of
// the weight quantizer's (round half away from zero of x / d), so there a few quants may differ,
// each by one.
TEST(LegacyGgufTest, RequantizingTheF32SourceReproducesLlamaQuantize) {
    for (const Family& family : kFamilies) {
        const gguf::File f32 = open_fixture(std::string(family.prefix) + "-f32.gguf");
        for (const char* variant : family.variants) {
            const std::string name = std::string(family.prefix) + "-" + variant + ".gguf";
            const gguf::File quantized = open_fixture(name);
            int64_t differing_bytes = 0;
            int64_t total_bytes = 0;
            for (const gguf::TensorInfo& info : quantized.tensors()) {
                const auto type = static_cast<T>(info.type);
                if (type == T::kF32) continue;
                const std::vector<float> source = f32_tensor(f32, *f32.find_tensor(info.name));
                const auto file_bytes = quantized.tensor_data(info);
                std::vector<unsigned char> ours(file_bytes.size());
                ops(type, Isa::kScalar)
                    ->from_float(source.data(), ours.data(), static_cast<int64_t>(source.size()));
                for (size_t i = 0; i < ours.size(); ++i) {
                    if (ours[i] == file_bytes[i]) continue;
                    ++differing_bytes;
                    if (type != T::kQ8_0) {
                        ADD_FAILURE() << name << " " << info.name << " byte " << i;
                        break;
                    }
                    // A differing Q8_0 byte is a quant (never the scale), off by one.
                    const size_t in_block = i % 34;
                    EXPECT_GE(in_block, 2u) << name << " " << info.name << " byte " << i;
                    const int diff =
                        static_cast<int8_t>(ours[i]) - static_cast<int8_t>(file_bytes[i]);
                    EXPECT_EQ(std::abs(diff), 1) << name << " " << info.name << " byte " << i;
                }
                total_bytes += static_cast<int64_t>(ours.size());
            }
            EXPECT_GT(total_bytes, 0) << name;
            if (std::string(variant) == "q8_0") {
                EXPECT_LT(differing_bytes * 1000, total_bytes) << name;  // < 0.1 %
                std::printf("%s: %lld of %lld bytes differ (activation vs weight rounding)\n",
                            name.c_str(), static_cast<long long>(differing_bytes),
                            static_cast<long long>(total_bytes));
            }
        }
    }
}

// -f16/-bf16 fixtures are the -f32 draw rounded to nearest even.
TEST(LegacyGgufTest, HalfPrecisionFilesAreTheF32DrawRounded) {
    const std::pair<const char*, T> files[] = {{"tiny-llama-f16.gguf", T::kF16},
                                               {"tiny-qwen2-f16.gguf", T::kF16},
                                               {"tiny-bert-f16.gguf", T::kF16},
                                               {"tiny-llama-bf16.gguf", T::kBF16},
                                               {"tiny-qwen2-bf16.gguf", T::kBF16}};
    for (const auto& [file_name, type] : files) {
        const std::string name = file_name;
        const std::string f32_name = name.substr(0, name.rfind('-')) + "-f32.gguf";
        const gguf::File half = open_fixture(name);
        const gguf::File f32 = open_fixture(f32_name);
        int tensors = 0;
        for (const gguf::TensorInfo& info : half.tensors()) {
            if (static_cast<T>(info.type) != type) continue;
            const std::vector<float> source = f32_tensor(f32, *f32.find_tensor(info.name));
            const auto file_bytes = half.tensor_data(info);
            for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
                std::vector<unsigned char> ours(file_bytes.size());
                ops(type, isa)->from_float(source.data(), ours.data(),
                                           static_cast<int64_t>(source.size()));
                EXPECT_EQ(std::memcmp(ours.data(), file_bytes.data(), ours.size()), 0)
                    << name << " " << info.name;
            }
            ++tensors;
        }
        EXPECT_GT(tensors, 5) << name;
    }
}

}  // namespace
}  // namespace openbook::kernels
