#include "model/runtime/kv_cache.h"

#include <new>
#include <string>

namespace openbook::runtime {

Result<KvCache> KvCache::create(int64_t n_layer, int64_t n_head_kv, int64_t head_dim,
                                int64_t capacity, KvType type) {
    const size_t element = type == KvType::kF16 ? 2 : 4;
    // Every factor is below 2^31 (arch::kMaxCount); check the product in floating point first.
    const double want = 2.0 * static_cast<double>(n_layer) * static_cast<double>(n_head_kv) *
                        static_cast<double>(head_dim) * static_cast<double>(capacity) *
                        static_cast<double>(element);
    const std::string need = std::to_string(static_cast<long long>(want / (1 << 20))) + " MiB";
    if (n_layer < 1 || n_head_kv < 1 || head_dim < 1 || capacity < 1 || want > 1e15) {
        return Status::invalid_argument("a KV cache of " + std::to_string(capacity) +
                                        " positions is out of range (" + need + ")");
    }
    const size_t per_array = static_cast<size_t>(n_head_kv * head_dim * capacity) * element;
    KvCache cache;
    cache.bytes_ = 2 * static_cast<size_t>(n_layer) * per_array;
    // Default-initialized (not zeroed): pages are committed only when written.
    cache.memory_.reset(new (std::nothrow) unsigned char[cache.bytes_]);
    if (!cache.memory_) {
        return Status::invalid_argument("cannot allocate the KV cache for " +
                                        std::to_string(capacity) + " positions (" + need + ")");
    }
    cache.capacity_ = capacity;
    cache.type_ = type;
    for (int64_t il = 0; il < n_layer; ++il) {
        arch::KvLayer layer;
        layer.type = type == KvType::kF16 ? gguf::GgmlType::kF16 : gguf::GgmlType::kF32;
        layer.k = cache.memory_.get() + static_cast<size_t>(2 * il) * per_array;
        layer.v = cache.memory_.get() + static_cast<size_t>(2 * il + 1) * per_array;
        layer.capacity = capacity;
        cache.layers_.push_back(layer);
    }
    return cache;
}

}  // namespace openbook::runtime
