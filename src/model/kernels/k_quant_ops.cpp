// The K-quant rows of the kernel table: scalar reference everywhere, AVX2 dot products and the
// AVX2 Q8_K quantizer when the ISA allows. Decoding to float and the weight quantizers stay
// scalar: they run when a model loads or a test builds one, never per token.
#include "model/kernels/kernels.h"
#include "model/kernels/ref/k_quants_ref.h"

#if defined(__x86_64__) || defined(__i386__)
#include "model/kernels/x86/k_quants_avx2.h"
#define OPENBOOK_HAVE_AVX2_K_QUANTS 1
#endif

namespace openbook::kernels {

std::vector<TypeOps> k_quant_type_ops(Isa isa) {
    using Dot = float (*)(const void*, const void*, int64_t);
    using FromFloat = void (*)(const float*, void*, int64_t);
    Dot q2 = ref::q2_k_dot_q8_k;
    Dot q3 = ref::q3_k_dot_q8_k;
    Dot q4 = ref::q4_k_dot_q8_k;
    Dot q5 = ref::q5_k_dot_q8_k;
    Dot q6 = ref::q6_k_dot_q8_k;
    FromFloat q8_k_from_float = ref::q8_k_from_float;
#ifdef OPENBOOK_HAVE_AVX2_K_QUANTS
    if (isa == Isa::kAvx2) {
        q2 = avx2::q2_k_dot_q8_k;
        q3 = avx2::q3_k_dot_q8_k;
        q4 = avx2::q4_k_dot_q8_k;
        q5 = avx2::q5_k_dot_q8_k;
        q6 = avx2::q6_k_dot_q8_k;
        q8_k_from_float = avx2::q8_k_from_float;
    }
#else
    (void)isa;
#endif
    const GgmlType act = GgmlType::kQ8_K;
    return {
        {GgmlType::kQ2_K, act, ref::q2_k_to_float, ref::q2_k_from_float, q2},
        {GgmlType::kQ3_K, act, ref::q3_k_to_float, ref::q3_k_from_float, q3},
        {GgmlType::kQ4_K, act, ref::q4_k_to_float, ref::q4_k_from_float, q4},
        {GgmlType::kQ5_K, act, ref::q5_k_to_float, ref::q5_k_from_float, q5},
        {GgmlType::kQ6_K, act, ref::q6_k_to_float, ref::q6_k_from_float, q6},
        // Activation only: no dot of its own.
        {GgmlType::kQ8_K, act, ref::q8_k_to_float, q8_k_from_float, nullptr},
    };
}

}  // namespace openbook::kernels
