// Row kernels for every supported tensor type: convert to/from float, and the dot product of a
// weight row with an activation row — the building blocks of every matrix multiplication.
//
// Numerics follow llama.cpp's CPU backend, because its outputs are the reference
// (../shared/data/llamacpp-fixtures/README.md): before a dot product the float activations are
// converted to the weight type's *activation type* — Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for
// Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16, BF16 for BF16, F32 for F32 — with exactly its
// rounding (round half to even), and the dot runs on the integers/halves with fp32 accumulation.
//
// Every type has a scalar reference implementation (kernels/ref/) and, where it pays, an
// AVX2+FMA one (kernels/x86/), chosen at run time from the CPU's features. Tests check each
// optimized kernel against the reference on random data.
//
// Contract for every function pointer: n is a multiple of the type's block size (callers check
// shapes when a model loads); src/dst do not overlap; no allocation; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/gguf/ggml_type.h"

namespace openbook::kernels {

using gguf::GgmlType;

struct TypeOps {
    GgmlType type = GgmlType::kF32;
    GgmlType activation_type = GgmlType::kF32;  // what the other operand of dot() is
    // n elements of this type → floats.
    void (*to_float)(const void* src, float* dst, int64_t n) = nullptr;
    // n floats → this type. For the activation types (Q8_0, Q8_1, Q8_K, F16, BF16, F32) the
    // exact rounding llama.cpp applies to activations; for weight-only types a reasonable
    // quantizer (used for synthetic models and tests, not required to equal llama-quantize).
    void (*from_float)(const float* src, void* dst, int64_t n) = nullptr;
    // dot(weight row of this type, activation row of activation_type), both n elements.
    // nullptr for types that are only ever activations (Q8_1, Q8_K).
    float (*dot)(const void* weight, const void* activation, int64_t n) = nullptr;
};

enum class Isa { kScalar, kAvx2 };

// The best ISA this CPU runs (AVX2 + FMA + F16C, else scalar). OPENBOOK_ISA=scalar forces scalar.
Isa detected_isa();

// Ops of `type` for `isa` (kAvx2 falls back to scalar per function where no AVX2 kernel exists);
// nullptr for a type with no kernels. ops(type) = ops(type, detected_isa()).
const TypeOps* ops(GgmlType type, Isa isa);
const TypeOps* ops(GgmlType type);

// Types that can be weights (have dot()).
std::vector<GgmlType> weight_types();

// Bytes of a row of n elements of `type` (n a multiple of its block size).
size_t row_bytes(GgmlType type, int64_t n);

// y[t * ldy + r] = dot(W[r], X[t]) for rows r in [row_begin, row_end) and tokens t in
// [0, n_tokens). W rows are `w_row_bytes` apart; X rows (already converted to
// ops.activation_type) are `x_row_bytes` apart; k is the row length. Single-threaded: callers
// split [0, rows) across threads.
void matmul_rows(const TypeOps& ops, const void* w, size_t w_row_bytes, const void* x,
                 size_t x_row_bytes, int64_t k, int64_t n_tokens, float* y, int64_t ldy,
                 int64_t row_begin, int64_t row_end);

// ---- registration (implemented per family; kernels.cpp assembles the table) ----

// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 (activation-only).
std::vector<TypeOps> legacy_type_ops(Isa isa);
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K (activation-only).
std::vector<TypeOps> k_quant_type_ops(Isa isa);

}  // namespace openbook::kernels
