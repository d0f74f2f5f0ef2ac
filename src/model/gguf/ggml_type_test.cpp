#include "model/gguf/ggml_type.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace openbook::gguf {
namespace {

// Every known type, by number.
const uint32_t kKnown[] = {0,  1,  2,  3,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17,
                           18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34, 35};

TEST(GgmlType, PlainTypesHaveOneElementBlocks) {
    struct Case {
        GgmlType type;
        const char* name;
        uint32_t bytes;
    };
    for (auto [type, name, bytes] :
         {Case{GgmlType::kF32, "F32", 4}, Case{GgmlType::kF16, "F16", 2},
          Case{GgmlType::kBF16, "BF16", 2}, Case{GgmlType::kF64, "F64", 8},
          Case{GgmlType::kI8, "I8", 1}, Case{GgmlType::kI16, "I16", 2},
          Case{GgmlType::kI32, "I32", 4}, Case{GgmlType::kI64, "I64", 8}}) {
        auto traits = ggml_type_traits(static_cast<uint32_t>(type));
        ASSERT_TRUE(traits.has_value()) << name;
        EXPECT_EQ(traits->name, name);
        EXPECT_EQ(traits->block_elements, 1u) << name;
        EXPECT_EQ(traits->block_bytes, bytes) << name;
    }
}

// The published bits per weight of each quantized type (block_bytes * 8 / block_elements) pin
// down its block size independently of the struct arithmetic in the table.
TEST(GgmlType, QuantizedTypesMatchTheirBitsPerWeight) {
    struct Case {
        GgmlType type;
        const char* name;
        uint32_t block_elements;
        double bits_per_weight;
    };
    const Case cases[] = {
        {GgmlType::kQ4_0, "Q4_0", 32, 4.5},           {GgmlType::kQ4_1, "Q4_1", 32, 5.0},
        {GgmlType::kQ5_0, "Q5_0", 32, 5.5},           {GgmlType::kQ5_1, "Q5_1", 32, 6.0},
        {GgmlType::kQ8_0, "Q8_0", 32, 8.5},           {GgmlType::kQ8_1, "Q8_1", 32, 9.0},
        {GgmlType::kQ2_K, "Q2_K", 256, 2.625},        {GgmlType::kQ3_K, "Q3_K", 256, 3.4375},
        {GgmlType::kQ4_K, "Q4_K", 256, 4.5},          {GgmlType::kQ5_K, "Q5_K", 256, 5.5},
        {GgmlType::kQ6_K, "Q6_K", 256, 6.5625},       {GgmlType::kQ8_K, "Q8_K", 256, 9.125},
        {GgmlType::kIQ2_XXS, "IQ2_XXS", 256, 2.0625}, {GgmlType::kIQ2_XS, "IQ2_XS", 256, 2.3125},
        {GgmlType::kIQ2_S, "IQ2_S", 256, 2.5625},     {GgmlType::kIQ3_XXS, "IQ3_XXS", 256, 3.0625},
        {GgmlType::kIQ3_S, "IQ3_S", 256, 3.4375},     {GgmlType::kIQ1_S, "IQ1_S", 256, 1.5625},
        {GgmlType::kIQ1_M, "IQ1_M", 256, 1.75},       {GgmlType::kIQ4_NL, "IQ4_NL", 32, 4.5},
        {GgmlType::kIQ4_XS, "IQ4_XS", 256, 4.25},     {GgmlType::kTQ1_0, "TQ1_0", 256, 1.6875},
        {GgmlType::kTQ2_0, "TQ2_0", 256, 2.0625},
    };
    for (const Case& c : cases) {
        auto traits = ggml_type_traits(static_cast<uint32_t>(c.type));
        ASSERT_TRUE(traits.has_value()) << c.name;
        EXPECT_EQ(traits->type, c.type);
        EXPECT_EQ(traits->name, c.name);
        EXPECT_EQ(traits->block_elements, c.block_elements) << c.name;
        EXPECT_DOUBLE_EQ(traits->block_bytes * 8.0 / traits->block_elements, c.bits_per_weight)
            << c.name;
    }
}

TEST(GgmlType, EveryKnownTypeHasAUniqueNameAndItsOwnNumber) {
    std::set<std::string> names;
    for (uint32_t raw : kKnown) {
        auto traits = ggml_type_traits(raw);
        ASSERT_TRUE(traits.has_value()) << raw;
        EXPECT_EQ(static_cast<uint32_t>(traits->type), raw);
        EXPECT_GT(traits->block_bytes, 0u);
        EXPECT_TRUE(names.insert(std::string(traits->name)).second) << traits->name;
        EXPECT_EQ(ggml_type_name(raw), traits->name);
    }
}

TEST(GgmlType, RemovedAndUnknownNumbersHaveNoTraits) {
    // 4 and 5 (Q4_2/Q4_3) and 31-33, 36-38 (repacked layouts) were removed from the format.
    for (uint32_t raw : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 39u, 1000u, 0xffffffffu}) {
        EXPECT_FALSE(ggml_type_traits(raw).has_value()) << raw;
    }
    EXPECT_EQ(ggml_type_name(4), "type#4");
    EXPECT_EQ(ggml_type_name(4294967295u), "type#4294967295");
}

}  // namespace
}  // namespace openbook::gguf
