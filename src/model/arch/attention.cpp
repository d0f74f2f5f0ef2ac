#include "model/arch/attention.h"

#include <algorithm>
#include <cstring>

#include "model/arch/ops.h"
#include "model/kernels/fp16.h"
#include "model/kernels/kernels.h"

namespace openbook::arch {
namespace {

using gguf::GgmlType;

// Per-thread layout: scores (group × capacity), then the group's converted queries, then one
// value row converted to floats.
struct ThreadSpace {
    float* scores;
    void* queries;
    float* value_row;
};

ThreadSpace thread_space(float* base, int64_t group, int64_t capacity, int64_t head_dim) {
    ThreadSpace s;
    s.scores = base;
    s.queries = base + group * capacity;
    s.value_row = base + group * capacity + group * head_dim;
    return s;
}

size_t element_bytes(GgmlType type) { return type == GgmlType::kF16 ? 2 : 4; }

// o[d] += p * v[d]: the P·V accumulation, the hottest loop of attention over long contexts.
// Compiled twice: for the baseline ISA and for AVX2. Without FMA contraction (ISO C++ mode) both
// round identically, so results do not depend on the CPU.
void accumulate_generic(float* o, float p, const float* v, int64_t n) {
    for (int64_t d = 0; d < n; ++d) o[d] += p * v[d];
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void accumulate_avx2(float* o, float p, const float* v, int64_t n) {
    for (int64_t d = 0; d < n; ++d) o[d] += p * v[d];
}
#endif

using AccumulateFn = void (*)(float*, float, const float*, int64_t);

AccumulateFn accumulate_fn() {
#if defined(__x86_64__)
    if (kernels::detected_isa() == kernels::Isa::kAvx2) return accumulate_avx2;
#endif
    return accumulate_generic;
}

}  // namespace

void AttentionScratch::reserve(const AttentionShape& shape, int64_t capacity, int threads) {
    const int64_t group = shape.n_head / shape.n_head_kv;
    per_thread_ = static_cast<size_t>(group * capacity + group * shape.head_dim + shape.head_dim);
    per_thread_ = (per_thread_ + 15) / 16 * 16;  // keep each thread's block on its own lines
    const size_t need = per_thread_ * static_cast<size_t>(threads);
    if (need > size_) {
        data_ = std::make_unique<float[]>(need);
        size_ = need;
    }
}

void kv_store(const KvLayer& kv, const AttentionShape& shape, const float* k, const float* v,
              int64_t n_tokens, int64_t pos0) {
    const int64_t hd = shape.head_dim;
    const int64_t row = shape.n_head_kv * hd;
    const size_t eb = element_bytes(kv.type);
    const kernels::TypeOps* f16 = kernels::ops(GgmlType::kF16);
    for (int64_t t = 0; t < n_tokens; ++t) {
        for (int64_t h = 0; h < shape.n_head_kv; ++h) {
            const size_t offset = static_cast<size_t>((h * kv.capacity + pos0 + t) * hd) * eb;
            const float* ks = k + t * row + h * hd;
            const float* vs = v + t * row + h * hd;
            auto* kd = static_cast<unsigned char*>(kv.k) + offset;
            auto* vd = static_cast<unsigned char*>(kv.v) + offset;
            if (kv.type == GgmlType::kF16) {
                f16->from_float(ks, kd, hd);
                f16->from_float(vs, vd, hd);
            } else {
                std::memcpy(kd, ks, static_cast<size_t>(hd) * sizeof(float));
                std::memcpy(vd, vs, static_cast<size_t>(hd) * sizeof(float));
            }
        }
    }
}

void attention(core::ThreadPool& pool, const KvLayer& kv, const AttentionShape& shape,
               const float* q, int64_t n_q, int64_t q_pos0, int64_t n_kv, bool causal, float* out,
               AttentionScratch& scratch) {
    const int64_t hd = shape.head_dim;
    const int64_t group = shape.n_head / shape.n_head_kv;
    const int64_t q_row = shape.n_head * hd;
    const int64_t cap = kv.capacity;
    const bool half = kv.type == GgmlType::kF16;
    const kernels::TypeOps* ops = kernels::ops(half ? GgmlType::kF16 : GgmlType::kF32);
    const size_t eb = element_bytes(kv.type);
    const size_t k_row_bytes = static_cast<size_t>(hd) * eb;
    static const AccumulateFn accumulate = accumulate_fn();

    pool.parallel_for(n_q * shape.n_head_kv, [&](int64_t begin, int64_t end) {
        const ThreadSpace space = thread_space(scratch.scores(pool.thread_index()), group, cap, hd);
        for (int64_t item = begin; item < end; ++item) {
            const int64_t i = item / shape.n_head_kv;
            const int64_t g = item % shape.n_head_kv;
            const int64_t len = causal ? std::min(n_kv, q_pos0 + i + 1) : n_kv;
            const float* qi = q + i * q_row + g * group * hd;
            float* oi = out + i * q_row + g * group * hd;
            const auto* keys = static_cast<const unsigned char*>(kv.k) +
                               static_cast<size_t>(g * cap) * k_row_bytes;
            const auto* values = static_cast<const unsigned char*>(kv.v) +
                                 static_cast<size_t>(g * cap) * k_row_bytes;

            // The query as the cache type's dot operand: fp16 for an F16 cache.
            const void* query = qi;
            size_t query_stride = static_cast<size_t>(hd) * sizeof(float);
            if (half) {
                ops->from_float(qi, space.queries, group * hd);
                query = space.queries;
                query_stride = static_cast<size_t>(hd) * 2;
            }
            for (int64_t j = 0; j < len; ++j) {
                const unsigned char* key = keys + static_cast<size_t>(j) * k_row_bytes;
                for (int64_t h = 0; h < group; ++h) {
                    space.scores[h * cap + j] = ops->dot(
                        key, static_cast<const unsigned char*>(query) + h * query_stride, hd);
                }
            }
            for (int64_t h = 0; h < group; ++h) {
                float* p = space.scores + h * cap;
                softmax_scaled(p, len, shape.scale);
                if (half) {
                    for (int64_t j = 0; j < len; ++j) {
                        p[j] = kernels::f16_to_f32(kernels::f32_to_f16(p[j]));
                    }
                }
                std::fill(oi + h * hd, oi + (h + 1) * hd, 0.0f);
            }
            for (int64_t j = 0; j < len; ++j) {
                const unsigned char* value = values + static_cast<size_t>(j) * k_row_bytes;
                const float* vr = reinterpret_cast<const float*>(value);
                if (half) {
                    ops->to_float(value, space.value_row, hd);
                    vr = space.value_row;
                }
                for (int64_t h = 0; h < group; ++h) {
                    accumulate(oi + h * hd, space.scores[h * cap + j], vr, hd);
                }
            }
        }
    });
}

}  // namespace openbook::arch
