// Block layouts of the K-quants ("super-blocks" of 256 elements) exactly as GGUF files store
// them, and of Q8_K, the activation type their dot products take.
//
// A super-block splits into sub-blocks of 16 (Q2_K, Q3_K, Q6_K) or 32 (Q4_K, Q5_K) elements,
// each with its own small integer scale (and, for the asymmetric types, min); the sub-block
// scales are themselves quantized against one or two fp16 super-block scales. Element e of a
// super-block is found as follows (l runs over 0..31):
//   Q2_K  e = 128c + 32s + l: 2 bits at qs[32c + l] >> 2s; sub-block e/16 has
//         scale = d * (scales[e/16] & 15) and min = dmin * (scales[e/16] >> 4);
//         value = scale * q - min.
//   Q3_K  e = 128c + 32s + l: 2 low bits at qs[32c + l] >> 2s, high bit at hmask[l] bit e/32;
//         q = low | high << 2, value = d * (sub-block scale - 32) * (q - 4), the 16 6-bit
//         sub-block scales packed in `scales` (see ref::q3_k_unpack_scales).
//   Q4_K  e = 64c + 32h + l: 4 bits at qs[32c + l] >> 4h; sub-block e/32 has a 6-bit scale and
//         min packed in `scales` (see ref::k4_unpack_scales); value = d*sc * q - dmin*m.
//   Q5_K  as Q4_K, plus the fifth bit at qh[l] bit e/32.
//   Q6_K  e = 128c + 32s + l: 4 low bits at ql[64c + 32(s&1) + l] >> 4(s>>1), 2 high bits at
//         qh[32c + l] >> 2s; value = d * scales[e/16] * (q - 32).
//   Q8_K  value = d * qs[e]; bsums[g] = sum of qs[16g .. 16g+15].
//
// Plain structs of bytes (fp16 fields as raw uint16_t) so that a tensor's data can be read in
// place from a memory-mapped file; no function lives here, so scalar and AVX2 translation units
// can share this header without ODR hazards.
#pragma once

#include <cstdint>
#include <type_traits>

namespace openbook::kernels {

inline constexpr int kQK_K = 256;  // elements per K-quant super-block (and per Q8_K block)

struct BlockQ2_K {
    uint8_t scales[kQK_K / 16];  // low nibble: sub-block scale, high nibble: sub-block min
    uint8_t qs[kQK_K / 4];       // 2-bit quants
    uint16_t d;                  // fp16: super-block scale of the scales
    uint16_t dmin;               // fp16: super-block scale of the mins
};

struct BlockQ3_K {
    uint8_t hmask[kQK_K / 8];  // high bit of each quant
    uint8_t qs[kQK_K / 4];     // low 2 bits of each quant
    uint8_t scales[12];        // 16 sub-block scales of 6 bits, stored with +32
    uint16_t d;                // fp16 super-block scale
};

struct BlockQ4_K {
    uint16_t d;          // fp16: super-block scale of the scales
    uint16_t dmin;       // fp16: super-block scale of the mins
    uint8_t scales[12];  // 8 scales and 8 mins of 6 bits
    uint8_t qs[kQK_K / 2];
};

struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];     // as Q4_K
    uint8_t qh[kQK_K / 8];  // fifth bit of each quant
    uint8_t qs[kQK_K / 2];  // low 4 bits of each quant
};

struct BlockQ6_K {
    uint8_t ql[kQK_K / 2];      // low 4 bits
    uint8_t qh[kQK_K / 4];      // high 2 bits
    int8_t scales[kQK_K / 16];  // signed 8-bit sub-block scales
    uint16_t d;                 // fp16 super-block scale
};

struct BlockQ8_K {
    float d;                    // fp32 (not fp16): the activation scale
    int8_t qs[kQK_K];           // quants in [-127, 127]
    int16_t bsums[kQK_K / 16];  // sums of 16 consecutive quants (make min terms exact)
};

static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);
static_assert(std::is_trivially_copyable_v<BlockQ2_K> && std::is_standard_layout_v<BlockQ2_K>);
static_assert(std::is_trivially_copyable_v<BlockQ3_K> && std::is_standard_layout_v<BlockQ3_K>);
static_assert(std::is_trivially_copyable_v<BlockQ4_K> && std::is_standard_layout_v<BlockQ4_K>);
static_assert(std::is_trivially_copyable_v<BlockQ5_K> && std::is_standard_layout_v<BlockQ5_K>);
static_assert(std::is_trivially_copyable_v<BlockQ6_K> && std::is_standard_layout_v<BlockQ6_K>);
static_assert(std::is_trivially_copyable_v<BlockQ8_K> && std::is_standard_layout_v<BlockQ8_K>);

}  // namespace openbook::kernels
