// AVX2 + FMA + F16C kernels for F32, F16, BF16 and the legacy quantized types. Same signatures
// and contract as the scalar references in ref/legacy_ref.h, which define the results:
// - from_float (F16, BF16, Q8_0, Q8_1) and to_float are bit-identical to the reference;
// - dot products sum in a different order (8 lanes, two or four accumulators) and so agree with
//   the reference to fp32 rounding, not bit for bit.
//
// Only call these after the CPU check in kernels.cpp (they are compiled with -mavx2 -mfma -mf16c);
// legacy_type_ops(Isa::kAvx2) is the one place that refers to them. Types without an entry here
// (F32 to_float/from_float, Q4_0..Q5_1 from_float) use the reference.
#pragma once

#include <cstdint>

namespace openbook::kernels::avx2 {

float f32_dot(const void* w, const void* x, int64_t n);

void f16_to_float(const void* src, float* dst, int64_t n);
void f16_from_float(const float* src, void* dst, int64_t n);
float f16_dot(const void* w, const void* x, int64_t n);

void bf16_to_float(const void* src, float* dst, int64_t n);
void bf16_from_float(const float* src, void* dst, int64_t n);
float bf16_dot(const void* w, const void* x, int64_t n);

void q4_0_to_float(const void* src, float* dst, int64_t n);
float q4_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q4_1_to_float(const void* src, float* dst, int64_t n);
float q4_1_dot(const void* w, const void* x_q8_1, int64_t n);

void q5_0_to_float(const void* src, float* dst, int64_t n);
float q5_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q5_1_to_float(const void* src, float* dst, int64_t n);
float q5_1_dot(const void* w, const void* x_q8_1, int64_t n);

void q8_0_to_float(const void* src, float* dst, int64_t n);
void q8_0_from_float(const float* src, void* dst, int64_t n);
float q8_0_dot(const void* w, const void* x_q8_0, int64_t n);

void q8_1_to_float(const void* src, float* dst, int64_t n);
void q8_1_from_float(const float* src, void* dst, int64_t n);

}  // namespace openbook::kernels::avx2
