// Multi-head attention over a KV cache, with grouped-query heads (query head h reads KV head
// h / (n_head / n_head_kv)).
//
// The cache of one layer holds, per KV head, `capacity` rows of head_dim elements in F32 or F16
// ([kv_head][position][head_dim]), so one head's keys are contiguous for the scan over
// positions. llama.cpp's F16 cache (its default) also rounds what meets the cache: the query
// before Q·K and the softmax weights before P·V are converted to fp16; that is emulated here, so
// either cache type reproduces its reference.
//
// Scores are Q·K in fp32, then, as in ggml_soft_max_ext, multiplied by `scale`, shifted by their
// max, exponentiated and normalized (sum in double).
//
// Work is split over (query token, KV head) pairs; each pair handles its group of query heads
// together, so a key or value row is read (and converted) once per group.
//
// Thread-safety: one call at a time per AttentionScratch; different layers' caches are
// independent.
#pragma once

#include <cstdint>
#include <memory>

#include "core/thread_pool.h"
#include "model/gguf/ggml_type.h"

namespace openbook::arch {

struct AttentionShape {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;  // of queries, keys and values alike
    float scale = 1.0f;    // applied to Q·K before the softmax
};

// One layer's cache (memory owned by the caller).
struct KvLayer {
    gguf::GgmlType type = gguf::GgmlType::kF32;  // kF32 or kF16
    void* k = nullptr;
    void* v = nullptr;
    int64_t capacity = 0;  // positions
};

// Per-thread working memory for attention().
class AttentionScratch {
public:
    void reserve(const AttentionShape& shape, int64_t capacity, int threads);
    float* scores(int thread) { return data_.get() + static_cast<size_t>(thread) * per_thread_; }

private:
    std::unique_ptr<float[]> data_;
    size_t per_thread_ = 0;
    size_t size_ = 0;
};

// Writes the K and V rows of n_tokens tokens (each n_head_kv * head_dim floats) at positions
// pos0 .. pos0 + n_tokens - 1 (all < capacity).
void kv_store(const KvLayer& kv, const AttentionShape& shape, const float* k, const float* v,
              int64_t n_tokens, int64_t pos0);

// out[i] = attention of query row i (n_head * head_dim floats) over cache positions
// [0, n_kv) — or, when causal, [0, min(n_kv, q_pos0 + i + 1)). out rows are n_head * head_dim.
void attention(core::ThreadPool& pool, const KvLayer& kv, const AttentionShape& shape,
               const float* q, int64_t n_q, int64_t q_pos0, int64_t n_kv, bool causal, float* out,
               AttentionScratch& scratch);

}  // namespace openbook::arch
