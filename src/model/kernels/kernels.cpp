#include "model/kernels/kernels.h"

#include <array>
#include <cstdlib>
#include <cstring>

namespace openbook::kernels {
namespace {

// One table per ISA, indexed by the raw type number (ggml numbers stay below 64).
constexpr size_t kMaxType = 64;
using Table = std::array<TypeOps, kMaxType>;

Table build(Isa isa) {
    Table table{};
    auto put = [&](const std::vector<TypeOps>& family) {
        for (const TypeOps& op : family) {
            const auto index = static_cast<size_t>(op.type);
            if (index < kMaxType) table[index] = op;
        }
    };
    put(legacy_type_ops(isa));
    put(k_quant_type_ops(isa));
    return table;
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
#else
    return false;
#endif
}

}  // namespace

Isa detected_isa() {
    static const Isa isa = [] {
        const char* forced = std::getenv("OPENBOOK_ISA");
        if (forced != nullptr && std::strcmp(forced, "scalar") == 0) return Isa::kScalar;
        return cpu_has_avx2() ? Isa::kAvx2 : Isa::kScalar;
    }();
    return isa;
}

const TypeOps* ops(GgmlType type, Isa isa) {
    static const Table scalar = build(Isa::kScalar);
    static const Table avx2 = cpu_has_avx2() ? build(Isa::kAvx2) : scalar;
    const auto index = static_cast<size_t>(type);
    if (index >= kMaxType) return nullptr;
    const TypeOps& op = (isa == Isa::kAvx2 ? avx2 : scalar)[index];
    return op.to_float != nullptr ? &op : nullptr;
}

const TypeOps* ops(GgmlType type) { return ops(type, detected_isa()); }

std::vector<GgmlType> weight_types() {
    std::vector<GgmlType> out;
    for (size_t i = 0; i < kMaxType; ++i) {
        const TypeOps* op = ops(static_cast<GgmlType>(i), Isa::kScalar);
        if (op != nullptr && op->dot != nullptr) out.push_back(op->type);
    }
    return out;
}

size_t row_bytes(GgmlType type, int64_t n) {
    const auto traits = gguf::ggml_type_traits(static_cast<uint32_t>(type));
    if (!traits) return 0;
    return static_cast<size_t>(n / traits->block_elements) * traits->block_bytes;
}

void matmul_rows(const TypeOps& ops, const void* w, size_t w_row_bytes, const void* x,
                 size_t x_row_bytes, int64_t k, int64_t n_tokens, float* y, int64_t ldy,
                 int64_t row_begin, int64_t row_end) {
    const auto* wb = static_cast<const unsigned char*>(w);
    const auto* xb = static_cast<const unsigned char*>(x);
    // Rows outside, tokens inside: a weight row is read from memory once and reused from L1 for
    // every token of the batch.
    for (int64_t r = row_begin; r < row_end; ++r) {
        const unsigned char* wr = wb + static_cast<size_t>(r) * w_row_bytes;
        for (int64_t t = 0; t < n_tokens; ++t) {
            y[t * ldy + r] = ops.dot(wr, xb + static_cast<size_t>(t) * x_row_bytes, k);
        }
    }
}

}  // namespace openbook::kernels
