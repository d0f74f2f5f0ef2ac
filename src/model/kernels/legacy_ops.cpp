// The F32/F16/BF16 and legacy-quant rows of the kernel table: the scalar references, with the
// AVX2 kernels swapped in per function for Isa::kAvx2 (kernels.cpp asks for that only after its
// CPU check).
#include "model/kernels/kernels.h"
#include "model/kernels/ref/legacy_ref.h"
#include "model/kernels/x86/legacy_avx2.h"

namespace openbook::kernels {

std::vector<TypeOps> legacy_type_ops(Isa isa) {
    using T = GgmlType;
    // clang-format off
    std::vector<TypeOps> table = {
        {T::kF32,  T::kF32,  ref::f32_to_float,  ref::f32_from_float,  ref::f32_dot},
        {T::kF16,  T::kF16,  ref::f16_to_float,  ref::f16_from_float,  ref::f16_dot},
        {T::kBF16, T::kBF16, ref::bf16_to_float, ref::bf16_from_float, ref::bf16_dot},
        {T::kQ4_0, T::kQ8_0, ref::q4_0_to_float, ref::q4_0_from_float, ref::q4_0_dot},
        {T::kQ4_1, T::kQ8_1, ref::q4_1_to_float, ref::q4_1_from_float, ref::q4_1_dot},
        {T::kQ5_0, T::kQ8_0, ref::q5_0_to_float, ref::q5_0_from_float, ref::q5_0_dot},
        {T::kQ5_1, T::kQ8_1, ref::q5_1_to_float, ref::q5_1_from_float, ref::q5_1_dot},
        {T::kQ8_0, T::kQ8_0, ref::q8_0_to_float, ref::q8_0_from_float, ref::q8_0_dot},
        // Activation-only: no dot; its activation type is itself (nothing converts to it).
        {T::kQ8_1, T::kQ8_1, ref::q8_1_to_float, ref::q8_1_from_float, nullptr},
    };
    // clang-format on
    if (isa != Isa::kAvx2) return table;

#if defined(__x86_64__) || defined(__i386__)
    for (TypeOps& op : table) {
        switch (op.type) {
            case T::kF32: op.dot = avx2::f32_dot; break;
            case T::kF16:
                op = {op.type, op.activation_type, avx2::f16_to_float, avx2::f16_from_float,
                      avx2::f16_dot};
                break;
            case T::kBF16:
                op = {op.type, op.activation_type, avx2::bf16_to_float, avx2::bf16_from_float,
                      avx2::bf16_dot};
                break;
            case T::kQ4_0:
                op.to_float = avx2::q4_0_to_float;
                op.dot = avx2::q4_0_dot;
                break;
            case T::kQ4_1:
                op.to_float = avx2::q4_1_to_float;
                op.dot = avx2::q4_1_dot;
                break;
            case T::kQ5_0:
                op.to_float = avx2::q5_0_to_float;
                op.dot = avx2::q5_0_dot;
                break;
            case T::kQ5_1:
                op.to_float = avx2::q5_1_to_float;
                op.dot = avx2::q5_1_dot;
                break;
            case T::kQ8_0:
                op = {op.type, op.activation_type, avx2::q8_0_to_float, avx2::q8_0_from_float,
                      avx2::q8_0_dot};
                break;
            case T::kQ8_1:
                op.to_float = avx2::q8_1_to_float;
                op.from_float = avx2::q8_1_from_float;
                break;
            default: break;
        }
    }
#endif
    return table;
}

}  // namespace openbook::kernels
