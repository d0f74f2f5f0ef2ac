// Block layouts of ggml's "legacy" quantization types, byte for byte as GGUF files store them.
//
// Every block holds 32 consecutive elements of a row. fp16 fields are raw IEEE half bits
// (little-endian, as the file stores them; see fp16.h). Structs are packed by construction (every
// field is 1 or 2 bytes wide, so no padding), which the static_asserts pin down; a row of n
// elements is exactly n/32 blocks, and blocks need only 2-byte alignment.
//
//   Q4_0: x[j] = d * (q[j] - 8),      q 4 bits
//   Q4_1: x[j] = d * q[j] + m,        q 4 bits
//   Q5_0: x[j] = d * (q[j] - 16),     q 5 bits
//   Q5_1: x[j] = d * q[j] + m,        q 5 bits
//   Q8_0: x[j] = d * q[j],            q int8
//   Q8_1: x[j] = d * q[j], plus s = d * sum(q) (an activation-only type)
//
// Nibble order (Q4_*, Q5_*): byte qs[j] holds element j in its low nibble and element j + 16 in
// its high nibble. 5th bits (Q5_*): bit j of the little-endian 32-bit word qh is element j's.
//
// Thread-safety: plain data.
#pragma once

#include <cstdint>
#include <type_traits>

namespace openbook::kernels {

inline constexpr int kLegacyBlock = 32;  // elements per block, every legacy type

struct BlockQ4_0 {
    uint16_t d;      // fp16 scale
    uint8_t qs[16];  // 32 nibbles
};

struct BlockQ4_1 {
    uint16_t d;  // fp16 scale
    uint16_t m;  // fp16 minimum
    uint8_t qs[16];
};

struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];  // 5th bits, one per element
    uint8_t qs[16];
};

struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[16];
};

struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[32];
};

struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;  // fp16 of (fp32 d) * sum(qs): lets Q4_1/Q5_1 dots add m * sum(x) at once
    int8_t qs[32];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(std::is_trivially_copyable_v<BlockQ4_0> && std::is_standard_layout_v<BlockQ4_0>);
static_assert(std::is_trivially_copyable_v<BlockQ4_1> && std::is_standard_layout_v<BlockQ4_1>);
static_assert(std::is_trivially_copyable_v<BlockQ5_0> && std::is_standard_layout_v<BlockQ5_0>);
static_assert(std::is_trivially_copyable_v<BlockQ5_1> && std::is_standard_layout_v<BlockQ5_1>);
static_assert(std::is_trivially_copyable_v<BlockQ8_0> && std::is_standard_layout_v<BlockQ8_0>);
static_assert(std::is_trivially_copyable_v<BlockQ8_1> && std::is_standard_layout_v<BlockQ8_1>);

}  // namespace openbook::kernels
