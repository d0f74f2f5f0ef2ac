// Scalar reference kernels for F32, F16, BF16 and the legacy quantized types (Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, and Q8_1 as an activation type). They define what every optimized kernel must
// compute, run on any x86-64 (or other) CPU, and are what the AVX2 kernels are tested against.
//
// Signatures are TypeOps's (kernels.h): n elements, n a multiple of the block size (32 for the
// quantized types, 1 for F32/F16/BF16), no overlap, no allocation, thread-safe. Rows are aligned
// to their element type (4 bytes for F32, 2 for everything else), as GGUF tensor rows always are.
//
// from_float:
// - F16 and BF16 round to nearest even (fp16.h). These are the activation conversions llama.cpp
//   applies before F16/BF16 dot products.
// - Q8_0 and Q8_1 reproduce llama.cpp's AVX2 activation quantizer bit for bit: per block of 32,
//   amax = max|x| (reduced in the same order as the vector code, which only matters for NaN),
//   d = amax / 127 stored as fp16, q = round_half_even(x * (127 / amax)) saturated to int8
//   (NaN → -128, as the vector conversion does); Q8_1 adds s = fp16(d * sum(q)) with d the fp32
//   value before its fp16 rounding. Q8_0 from_float is also what makes synthetic Q8_0 weights.
// - Q4_0, Q4_1, Q5_0, Q5_1 (weight-only types) use ggml's simple reference quantizers: the
//   element of largest magnitude maps to -8 (Q4_0) or -16 (Q5_0); Q4_1/Q5_1 map [min, max]
//   onto [0, 15] / [0, 31]; values are rounded half up. Good for tests and synthetic models, not
//   meant to equal llama-quantize's output for the same floats.
//
// dot (weight row · activation row of the type's activation type):
// - F32 · F32, F16 · F16, BF16 · BF16: products in fp32, summed in double.
// - Q4_0/Q5_0/Q8_0 · Q8_0: per block d_w * d_x * sum(q_w * q_x) (integer sum, exact).
// - Q4_1/Q5_1 · Q8_1: per block d_w * d_x * sum(q_w * q_x) + m_w * s_x — note m_w * s_x, not
//   m_w * d_x * sum(q_x): that is llama.cpp's arithmetic, and the two differ by more than
//   rounding noise.
//   The block terms are computed in fp32 as llama.cpp does and summed in double.
//
// to_float is exact for F16/BF16/Q8_0/Q4_0/Q5_0 (one rounding: d * q); Q4_1/Q5_1 compute
// d * q + m with two fp32 roundings (no fused multiply-add), as ggml's dequantizers do.
#pragma once

#include <cstdint>

namespace openbook::kernels::ref {

void f32_to_float(const void* src, float* dst, int64_t n);
void f32_from_float(const float* src, void* dst, int64_t n);
float f32_dot(const void* w, const void* x, int64_t n);

void f16_to_float(const void* src, float* dst, int64_t n);
void f16_from_float(const float* src, void* dst, int64_t n);
float f16_dot(const void* w, const void* x, int64_t n);

void bf16_to_float(const void* src, float* dst, int64_t n);
void bf16_from_float(const float* src, void* dst, int64_t n);
float bf16_dot(const void* w, const void* x, int64_t n);

void q4_0_to_float(const void* src, float* dst, int64_t n);
void q4_0_from_float(const float* src, void* dst, int64_t n);
float q4_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q4_1_to_float(const void* src, float* dst, int64_t n);
void q4_1_from_float(const float* src, void* dst, int64_t n);
float q4_1_dot(const void* w, const void* x_q8_1, int64_t n);

void q5_0_to_float(const void* src, float* dst, int64_t n);
void q5_0_from_float(const float* src, void* dst, int64_t n);
float q5_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q5_1_to_float(const void* src, float* dst, int64_t n);
void q5_1_from_float(const float* src, void* dst, int64_t n);
float q5_1_dot(const void* w, const void* x_q8_1, int64_t n);

void q8_0_to_float(const void* src, float* dst, int64_t n);
void q8_0_from_float(const float* src, void* dst, int64_t n);
float q8_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q8_1_to_float(const void* src, float* dst, int64_t n);
void q8_1_from_float(const float* src, void* dst, int64_t n);

}  // namespace openbook::kernels::ref
