// ggml tensor element types as GGUF stores them, with their block layout (elements per block,
// bytes per block). The numbering is the file format's and must never change.
// Thread-safety: constant tables, safe everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openbook::gguf {

enum class GgmlType : uint32_t {
    kF32 = 0,
    kF16 = 1,
    kQ4_0 = 2,
    kQ4_1 = 3,
    // 4 and 5 (Q4_2, Q4_3) were removed from the format long ago.
    kQ5_0 = 6,
    kQ5_1 = 7,
    kQ8_0 = 8,
    kQ8_1 = 9,
    kQ2_K = 10,
    kQ3_K = 11,
    kQ4_K = 12,
    kQ5_K = 13,
    kQ6_K = 14,
    kQ8_K = 15,
    kIQ2_XXS = 16,
    kIQ2_XS = 17,
    kIQ3_XXS = 18,
    kIQ1_S = 19,
    kIQ4_NL = 20,
    kIQ3_S = 21,
    kIQ2_S = 22,
    kIQ4_XS = 23,
    kI8 = 24,
    kI16 = 25,
    kI32 = 26,
    kI64 = 27,
    kF64 = 28,
    kIQ1_M = 29,
    kBF16 = 30,
    kTQ1_0 = 34,
    kTQ2_0 = 35,
};

struct GgmlTypeTraits {
    GgmlType type;
    std::string_view name;    // "F32", "Q4_K", … as llama.cpp prints them
    uint32_t block_elements;  // elements per block (1 for plain types)
    uint32_t block_bytes;     // bytes per block
};

// Traits of a raw type number; nullopt for a number that is not a known type.
std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t raw_type);

// "Q4_K" etc., or "type#N" for an unknown number.
std::string ggml_type_name(uint32_t raw_type);

}  // namespace openbook::gguf
