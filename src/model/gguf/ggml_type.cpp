#include "model/gguf/ggml_type.h"

namespace openbook::gguf {
namespace {

// K-quants and most IQ types work on super-blocks of 256 elements.
constexpr uint32_t kSuperBlock = 256;

// Block sizes follow the block structs of the format: e.g. Q4_0 is an fp16 scale and 32 4-bit
// quants (2 + 16 bytes), Q4_K an fp16 scale and min, 12 bytes of 6-bit sub-block scales and
// 256 4-bit quants (4 + 12 + 128 bytes).
constexpr GgmlTypeTraits kTraits[] = {
    {GgmlType::kF32, "F32", 1, 4},
    {GgmlType::kF16, "F16", 1, 2},
    {GgmlType::kQ4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::kQ4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::kQ5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::kQ5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::kQ8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::kQ8_1, "Q8_1", 32, 2 + 2 + 32},
    {GgmlType::kQ2_K, "Q2_K", kSuperBlock, 16 + 64 + 2 + 2},
    {GgmlType::kQ3_K, "Q3_K", kSuperBlock, 32 + 64 + 12 + 2},
    {GgmlType::kQ4_K, "Q4_K", kSuperBlock, 2 + 2 + 12 + 128},
    {GgmlType::kQ5_K, "Q5_K", kSuperBlock, 2 + 2 + 12 + 32 + 128},
    {GgmlType::kQ6_K, "Q6_K", kSuperBlock, 128 + 64 + 16 + 2},
    {GgmlType::kQ8_K, "Q8_K", kSuperBlock, 4 + 256 + 16 * 2},
    {GgmlType::kIQ2_XXS, "IQ2_XXS", kSuperBlock, 2 + 32 * 2},
    {GgmlType::kIQ2_XS, "IQ2_XS", kSuperBlock, 2 + 32 * 2 + 8},
    {GgmlType::kIQ3_XXS, "IQ3_XXS", kSuperBlock, 2 + 96},
    {GgmlType::kIQ1_S, "IQ1_S", kSuperBlock, 2 + 32 + 8 * 2},
    {GgmlType::kIQ4_NL, "IQ4_NL", 32, 2 + 16},
    {GgmlType::kIQ3_S, "IQ3_S", kSuperBlock, 2 + 64 + 8 + 32 + 4},
    {GgmlType::kIQ2_S, "IQ2_S", kSuperBlock, 2 + 64 + 8 + 8},
    {GgmlType::kIQ4_XS, "IQ4_XS", kSuperBlock, 2 + 2 + 4 + 128},
    {GgmlType::kI8, "I8", 1, 1},
    {GgmlType::kI16, "I16", 1, 2},
    {GgmlType::kI32, "I32", 1, 4},
    {GgmlType::kI64, "I64", 1, 8},
    {GgmlType::kF64, "F64", 1, 8},
    {GgmlType::kIQ1_M, "IQ1_M", kSuperBlock, 32 + 16 + 8},
    {GgmlType::kBF16, "BF16", 1, 2},
    {GgmlType::kTQ1_0, "TQ1_0", kSuperBlock, 48 + 4 + 2},
    {GgmlType::kTQ2_0, "TQ2_0", kSuperBlock, 64 + 2},
};

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t raw_type) {
    for (const auto& traits : kTraits) {
        if (static_cast<uint32_t>(traits.type) == raw_type) return traits;
    }
    return std::nullopt;
}

std::string ggml_type_name(uint32_t raw_type) {
    if (auto traits = ggml_type_traits(raw_type)) return std::string(traits->name);
    return "type#" + std::to_string(raw_type);
}

}  // namespace openbook::gguf
