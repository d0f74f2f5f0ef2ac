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

private:
    std::unique_ptr<unsigned char[]> memory_;
    std::vector<arch::KvLayer> layers_;
    int64_t capacity_ = 0;
    KvType type_ = KvType::kF16;
    size_t bytes_ = 0;
};

}  // namespace openbook::runtime
