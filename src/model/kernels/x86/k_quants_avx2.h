// AVX2+FMA kernels of the K-quants: the dot products of Q2_K … Q6_K with Q8_K, and the Q8_K
// activation quantizer. Same contract and results as kernels/ref/k_quants_ref.h: the quantizer
// is bit-identical to ref::q8_k_from_float; a dot differs from the reference only by the order
// of its fp32 additions (the integer part is exact in both).
//
// Compiled with -mavx2 -mfma -mf16c: call only after the runtime CPU check, i.e. through
// k_quant_type_ops(Isa::kAvx2). Declarations only, so no AVX2 code can leak into scalar
// translation units through inline functions.
#pragma once

#include <cstdint>

namespace openbook::kernels::avx2 {

void q8_k_from_float(const float* src, void* dst, int64_t n);

float q2_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q3_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q4_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q5_k_dot_q8_k(const void* weight, const void* activation, int64_t n);
float q6_k_dot_q8_k(const void* weight, const void* activation, int64_t n);

}  // namespace openbook::kernels::avx2
