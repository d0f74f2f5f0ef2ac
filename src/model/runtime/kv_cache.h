// The KV cache of one sequence: per layer and KV head, `capacity` rows of head_dim keys and
// values, in F16 (llama.cpp's default, half the memory) or F32 (what the reference fixtures
// used; exact). The layout is arch::KvLayer's ([kv_head][position][head_dim]).
//
// The memory is reserved at creation but left untouched, so the operating system commits pages
// only as positions fill: a 4096-token cache that holds 300 tokens costs about 300 tokens' worth
// of resident memory.
//
// Thread-safety: the cache is written by one forward pass at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/arch/attention.h"
#include "openbook/status.h"

namespace openbook::runtime {

enum class KvType { kF16, kF32 };

// The K/V of positions 0..positions-1 of every layer and head, copied out of a cache.
struct KvSnapshot {
    int64_t positions = 0;
    std::vector<unsigned char> bytes;
};

class KvCache {
public:
    // kInvalidArgument when the cache cannot be allocated (message with the size it needs).
    static Result<KvCache> create(int64_t n_layer, int64_t n_head_kv, int64_t head_dim,
                                  int64_t capacity, KvType type);

    KvCache() = default;
    KvCache(KvCache&&) noexcept = default;
    KvCache& operator=(KvCache&&) noexcept = default;

    std::span<const arch::KvLayer> layers() const { return layers_; }
    int64_t capacity() const { return capacity_; }
    KvType type() const { return type_; }
    size_t bytes() const { return bytes_; }

    // Copies positions 0..n-1 (n clamped to 0..capacity) out of the cache; about
    // 2 × n_layer × n_head_kv × head_dim × element bytes per position.
    KvSnapshot copy_prefix(int64_t n) const;
    // Writes the first n positions of `snapshot` (n clamped to its size) back to positions
    // 0..n-1. The snapshot must come from a cache of the same shape and type.
    void restore_prefix(const KvSnapshot& snapshot, int64_t n);

private:
    size_t element_bytes() const { return type_ == KvType::kF16 ? 2 : 4; }
    // Calls f(cache_row_pointer, snapshot_offset, bytes) for each contiguous block of the first
    // n positions: one per layer, K/V and head.
    template <typename F>
    void for_each_prefix_block(int64_t n, F&& f) const;

    std::unique_ptr<unsigned char[]> memory_;
    std::vector<arch::KvLayer> layers_;
    int64_t capacity_ = 0;
    int64_t n_head_kv_ = 0;
    int64_t head_dim_ = 0;
    KvType type_ = KvType::kF16;
    size_t bytes_ = 0;
};

}  // namespace openbook::runtime
