// Scalar reference kernels of the K-quants (Q2_K … Q6_K) and of their activation type Q8_K.
// They define the numerics the AVX2 kernels are tested against (blocks_k.h has the layouts).
//
// - *_to_float: decode exactly as llama.cpp's dequantize_row_q*_K (same float operations).
// - q8_k_from_float: llama.cpp's activation rounding, bit for bit: per block of 256 the element
//   of largest magnitude `max` (the first one on ties, sign kept), iscale = -127/max,
//   q = round-half-even(x * iscale) clamped to [-128, 127] (finite input never leaves
//   [-127, 127]), d = 1/iscale in fp32, bsums = sums of 16 quants. An all-zero block gets
//   d = 0 and zero quants and sums.
// - q*_k_from_float (weights): a least-squares quantizer in the spirit of ggml's reference one
//   (search of the sub-block scale, then quantized sub-block scales against fp16 super-block
//   scales). Good enough for synthetic models and tests; not bit-identical to llama-quantize.
// - q*_k_dot_q8_k: integer dot per super-block (bsums make the min terms exact), one fp32
//   multiply-add per super-block, as llama.cpp does.
//
// Contract (kernels.h): n is a multiple of 256; src/dst do not overlap; no allocation;
// thread-safe.
#pragma once

#include <cstdint>

namespace openbook::kernels::ref {

void q2_k_to_float(const void* src, float* dst, int64_t n);
void q3_k_to_float(const void* src, float* dst, int64_t n);
void q4_k_to_float(const void* src, float* dst, int64_t n);
void q5_k_to_float(const void* src, float* dst, int64_t n);
void q6_k_to_float(const void* src, float* dst, int64_t n);
void q8_k_to_float(const void* src, float* dst, int64_t n);

void q2_k_from_float(const float* src, void* dst, int64_t n);
void q3_k_from_float(const float* src, void* dst, int64_t n);
void q4_k_from_float(const float* src, void* dst, int64_t n);
void q5_k_from_float(const float* src, void* dst, int64_t n);
void q6_k_from_float(const float* src, void* dst, int64_t n);
void q8_k_from_float(const float* src, void* dst, int64_t n);

// weight: n elements of the weight type; activation: n elements of Q8_K.
float q2_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q3_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q4_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q5_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q6_k_dot_q8_k(const void* weight, const void* activation, int64_t n);

// The packed sub-block scales, decoded (for the kernels and for tests that need the step size).
// Q4_K/Q5_K: 8 scales and 8 mins of 6 bits from 12 bytes.
void k4_unpack_scales(const uint8_t packed[12], uint8_t scales[8], uint8_t mins[8]);
// Q3_K: 16 scales of 6 bits from 12 bytes, returned with the +32 removed (-32 … 31).
void q3_k_unpack_scales(const uint8_t packed[12], int8_t scales[16]);

}  // namespace openbook::kernels::ref
