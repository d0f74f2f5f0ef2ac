#include "model/kernels/ref/legacy_ref.h"

#include <cmath>
#include <cstring>

#include "model/kernels/blocks_legacy.h"
#include "model/kernels/fp16.h"

namespace openbook::kernels::ref {
namespace {

constexpr int kQK = kLegacyBlock;

int64_t blocks_of(int64_t n) { return n / kQK; }

// ---- the activation quantizer (Q8_0 / Q8_1), as llama.cpp's AVX2 code rounds ----

// x86 MAXPS: the second operand wins unless the first is strictly greater, so a NaN survives
// or not depending on its position. Only the NaN case depends on this.
float maxps(float a, float b) { return a > b ? a : b; }

// max |x| over a block, reduced lane by lane in the order of the 8-wide vector code, so that even
// a block containing NaN gets the same amax (and hence the same bytes) as the AVX2 kernel.
float block_amax(const float* x) {
    float m8[8];
    for (int j = 0; j < 8; ++j) m8[j] = std::fabs(x[j]);
    for (int r = 1; r < 4; ++r) {
        for (int j = 0; j < 8; ++j) m8[j] = maxps(m8[j], std::fabs(x[8 * r + j]));
    }
    float m4[4];
    for (int j = 0; j < 4; ++j) m4[j] = maxps(m8[4 + j], m8[j]);
    const float m2_0 = maxps(m4[0], m4[2]);
    const float m2_1 = maxps(m4[1], m4[3]);
    return maxps(m2_0, m2_1);
}

// round-half-even(v) as CVTPS2DQ does it: NaN and values outside int32 become INT32_MIN.
int32_t round_to_i32(float v) {
    const float r = std::nearbyint(v);  // the default rounding mode: nearest, ties to even
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return INT32_MIN;
    return static_cast<int32_t>(r);
}

// The two saturating packs (int32 → int16 → int8) of the vector code.
int8_t saturate_i8(int32_t v) {
    if (v < -128) return -128;
    if (v > 127) return 127;
    return static_cast<int8_t>(v);
}

struct Q8Block {
    float d;       // fp32 amax / 127
    uint32_t sum;  // sum of the int32 roundings, wrapping like the vector adds
};

// Quantizes one block of 32 into qs; returns the fp32 scale and the sum of the quants.
Q8Block quantize_q8_block(const float* x, int8_t* qs) {
    const float amax = block_amax(x);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    uint32_t sum = 0;
    for (int j = 0; j < kQK; ++j) {
        const int32_t q = round_to_i32(x[j] * id);
        sum += static_cast<uint32_t>(q);
        qs[j] = saturate_i8(q);
    }
    return {d, sum};
}

// ---- weight quantizers (ggml's simple reference rounding) ----

// Truncates v (already offset by +0.5, so this rounds half up) and clamps it to [0, hi]; NaN → 0,
// which keeps the float → int conversion defined for any input.
uint8_t truncate_clamped(float v, int hi) {
    if (!(v >= 0.0f)) return 0;
    if (v >= static_cast<float>(hi)) return static_cast<uint8_t>(hi);
    return static_cast<uint8_t>(static_cast<int>(v));
}

// The element of largest magnitude, with its sign.
float signed_absmax(const float* x) {
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

void min_max(const float* x, float* min_out, float* max_out) {
    float min = x[0];
    float max = x[0];
    for (int j = 1; j < kQK; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    *min_out = min;
    *max_out = max;
}

// 32 unsigned quants q[j] = trunc((x[j] - offset) * id + bias) in [0, hi], where bias includes
// the 0.5 of rounding half up.
void quantize_unsigned(const float* x, float offset, float id, float bias, int hi, uint8_t* q) {
    for (int j = 0; j < kQK; ++j) q[j] = truncate_clamped((x[j] - offset) * id + bias, hi);
}

void pack_nibbles(const uint8_t* q, uint8_t* qs) {
    for (int j = 0; j < 16; ++j)
        qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
}

void pack_high_bits(const uint8_t* q, uint8_t* qh) {
    uint32_t bits = 0;
    for (int j = 0; j < kQK; ++j) bits |= static_cast<uint32_t>((q[j] >> 4) & 1u) << j;
    for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(bits >> (8 * k));
}

uint32_t load_qh(const uint8_t* qh) {
    return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
           static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

// Element j (0..31) of a nibble-packed block, as an unsigned 4-bit value.
int nibble(const uint8_t* qs, int j) { return j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4); }

// Element j of a Q5 block, as an unsigned 5-bit value.
int five_bit(const uint8_t* qs, uint32_t qh, int j) {
    return nibble(qs, j) | static_cast<int>(((qh >> j) & 1u) << 4);
}

}  // namespace

// ---- F32 ----

void f32_to_float(const void* src, float* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void f32_from_float(const float* src, void* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

float f32_dot(const void* w, const void* x, int64_t n) {
    const auto* a = static_cast<const float*>(w);
    const auto* b = static_cast<const float*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i] * b[i]);
    return static_cast<float>(sum);
}

// ---- F16 ----

void f16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}

void f16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
}

float f16_dot(const void* w, const void* x, int64_t n) {
    const auto* a = static_cast<const uint16_t*>(w);
    const auto* b = static_cast<const uint16_t*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(f16_to_f32(a[i]) * f16_to_f32(b[i]));
    return static_cast<float>(sum);
}

// ---- BF16 ----

void bf16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
}

void bf16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
}

float bf16_dot(const void* w, const void* x, int64_t n) {
    const auto* a = static_cast<const uint16_t*>(w);
    const auto* b = static_cast<const uint16_t*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        sum += static_cast<double>(bf16_to_f32(a[i]) * bf16_to_f32(b[i]));
    }
    return static_cast<float>(sum);
}

// ---- Q4_0 ----

void q4_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ4_0*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        for (int j = 0; j < kQK; ++j) {
            dst[b * kQK + j] = static_cast<float>(nibble(blocks[b].qs, j) - 8) * d;
        }
    }
}

void q4_0_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ4_0*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float* x = src + b * kQK;
        const float d = signed_absmax(x) / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        blocks[b].d = f32_to_f16(d);
        uint8_t q[kQK];
        quantize_unsigned(x, 0.0f, id, 8.5f, 15, q);
        pack_nibbles(q, blocks[b].qs);
    }
}

float q4_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    const auto* wb = static_cast<const BlockQ4_0*>(w);
    const auto* xb = static_cast<const BlockQ8_0*>(x_q8_0);
    double sum = 0.0;
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += (nibble(wb[b].qs, j) - 8) * xb[b].qs[j];
        const float d = f16_to_f32(wb[b].d) * f16_to_f32(xb[b].d);
        sum += static_cast<double>(d * static_cast<float>(isum));
    }
    return static_cast<float>(sum);
}

// ---- Q4_1 ----

void q4_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ4_1*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        const float m = f16_to_f32(blocks[b].m);
        for (int j = 0; j < kQK; ++j) {
            dst[b * kQK + j] = static_cast<float>(nibble(blocks[b].qs, j)) * d + m;
        }
    }
}

void q4_1_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ4_1*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float* x = src + b * kQK;
        float min, max;
        min_max(x, &min, &max);
        const float d = (max - min) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        blocks[b].d = f32_to_f16(d);
        blocks[b].m = f32_to_f16(min);
        uint8_t q[kQK];
        quantize_unsigned(x, min, id, 0.5f, 15, q);
        pack_nibbles(q, blocks[b].qs);
    }
}

float q4_1_dot(const void* w, const void* x_q8_1, int64_t n) {
    const auto* wb = static_cast<const BlockQ4_1*>(w);
    const auto* xb = static_cast<const BlockQ8_1*>(x_q8_1);
    double sum = 0.0;
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += nibble(wb[b].qs, j) * xb[b].qs[j];
        const float d = f16_to_f32(wb[b].d) * f16_to_f32(xb[b].d);
        sum += static_cast<double>(d * static_cast<float>(isum));
        sum += static_cast<double>(f16_to_f32(wb[b].m) * f16_to_f32(xb[b].s));
    }
    return static_cast<float>(sum);
}

// ---- Q5_0 ----

void q5_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ5_0*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        const uint32_t qh = load_qh(blocks[b].qh);
        for (int j = 0; j < kQK; ++j) {
            dst[b * kQK + j] = static_cast<float>(five_bit(blocks[b].qs, qh, j) - 16) * d;
        }
    }
}

void q5_0_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ5_0*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float* x = src + b * kQK;
        const float d = signed_absmax(x) / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        blocks[b].d = f32_to_f16(d);
        uint8_t q[kQK];
        quantize_unsigned(x, 0.0f, id, 16.5f, 31, q);
        pack_nibbles(q, blocks[b].qs);
        pack_high_bits(q, blocks[b].qh);
    }
}

float q5_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    const auto* wb = static_cast<const BlockQ5_0*>(w);
    const auto* xb = static_cast<const BlockQ8_0*>(x_q8_0);
    double sum = 0.0;
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const uint32_t qh = load_qh(wb[b].qh);
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += (five_bit(wb[b].qs, qh, j) - 16) * xb[b].qs[j];
        const float d = f16_to_f32(wb[b].d) * f16_to_f32(xb[b].d);
        sum += static_cast<double>(d * static_cast<float>(isum));
    }
    return static_cast<float>(sum);
}

// ---- Q5_1 ----

void q5_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ5_1*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        const float m = f16_to_f32(blocks[b].m);
        const uint32_t qh = load_qh(blocks[b].qh);
        for (int j = 0; j < kQK; ++j) {
            dst[b * kQK + j] = static_cast<float>(five_bit(blocks[b].qs, qh, j)) * d + m;
        }
    }
}

void q5_1_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ5_1*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float* x = src + b * kQK;
        float min, max;
        min_max(x, &min, &max);
        const float d = (max - min) / 31.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        blocks[b].d = f32_to_f16(d);
        blocks[b].m = f32_to_f16(min);
        uint8_t q[kQK];
        quantize_unsigned(x, min, id, 0.5f, 31, q);
        pack_nibbles(q, blocks[b].qs);
        pack_high_bits(q, blocks[b].qh);
    }
}

float q5_1_dot(const void* w, const void* x_q8_1, int64_t n) {
    const auto* wb = static_cast<const BlockQ5_1*>(w);
    const auto* xb = static_cast<const BlockQ8_1*>(x_q8_1);
    double sum = 0.0;
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const uint32_t qh = load_qh(wb[b].qh);
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += five_bit(wb[b].qs, qh, j) * xb[b].qs[j];
        const float d = f16_to_f32(wb[b].d) * f16_to_f32(xb[b].d);
        sum += static_cast<double>(d * static_cast<float>(isum));
        sum += static_cast<double>(f16_to_f32(wb[b].m) * f16_to_f32(xb[b].s));
    }
    return static_cast<float>(sum);
}

// ---- Q8_0 ----

void q8_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ8_0*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = static_cast<float>(blocks[b].qs[j]) * d;
    }
}

void q8_0_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_0*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const Q8Block q = quantize_q8_block(src + b * kQK, blocks[b].qs);
        blocks[b].d = f32_to_f16(q.d);
    }
}

float q8_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    const auto* wb = static_cast<const BlockQ8_0*>(w);
    const auto* xb = static_cast<const BlockQ8_0*>(x_q8_0);
    double sum = 0.0;
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += wb[b].qs[j] * xb[b].qs[j];
        const float d = f16_to_f32(wb[b].d) * f16_to_f32(xb[b].d);
        sum += static_cast<double>(d * static_cast<float>(isum));
    }
    return static_cast<float>(sum);
}

// ---- Q8_1 (activations only) ----

void q8_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ8_1*>(src);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const float d = f16_to_f32(blocks[b].d);
        for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = static_cast<float>(blocks[b].qs[j]) * d;
    }
}

void q8_1_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_1*>(dst);
    for (int64_t b = 0; b < blocks_of(n); ++b) {
        const Q8Block q = quantize_q8_block(src + b * kQK, blocks[b].qs);
        blocks[b].d = f32_to_f16(q.d);
        // The sum is an int32 in the vector code; it is converted to float before the multiply.
        blocks[b].s = f32_to_f16(q.d * static_cast<float>(static_cast<int32_t>(q.sum)));
    }
}

}  // namespace openbook::kernels::ref
