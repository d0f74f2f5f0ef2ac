#include "model/runtime/kv_cache.h"

#include <algorithm>
#include <cstring>
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
    cache.n_head_kv_ = n_head_kv;
    cache.head_dim_ = head_dim;
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

template <typename F>
void KvCache::for_each_prefix_block(int64_t n, F&& f) const {
    const size_t row = static_cast<size_t>(head_dim_) * element_bytes();
    const size_t block = static_cast<size_t>(n) * row;
    const size_t head_stride = static_cast<size_t>(capacity_) * row;
    size_t offset = 0;
    for (const arch::KvLayer& layer : layers_) {
        for (void* base : {layer.k, layer.v}) {
            for (int64_t h = 0; h < n_head_kv_; ++h) {
                f(static_cast<unsigned char*>(base) + static_cast<size_t>(h) * head_stride, offset,
                  block);
                offset += block;
            }
        }
    }
}

KvSnapshot KvCache::copy_prefix(int64_t n) const {
    KvSnapshot out;
    out.positions = std::clamp<int64_t>(n, 0, capacity_);
    const size_t per_position =
        2 * layers_.size() * static_cast<size_t>(n_head_kv_ * head_dim_) * element_bytes();
    out.bytes.resize(static_cast<size_t>(out.positions) * per_position);
    for_each_prefix_block(out.positions, [&](const unsigned char* row, size_t offset, size_t bytes) {
        std::memcpy(out.bytes.data() + offset, row, bytes);
    });
    return out;
}

void KvCache::restore_prefix(const KvSnapshot& snapshot, int64_t n) {
    n = std::clamp<int64_t>(n, 0, std::min(snapshot.positions, capacity_));
    // The snapshot is laid out in blocks of snapshot.positions rows; copy the first n of each.
    const size_t row = static_cast<size_t>(head_dim_) * element_bytes();
    const size_t snapshot_block = static_cast<size_t>(snapshot.positions) * row;
    size_t index = 0;
    for_each_prefix_block(n, [&](unsigned char* cache_rows, size_t, size_t bytes) {
        std::memcpy(cache_rows, snapshot.bytes.data() + index * snapshot_block, bytes);
        ++index;
    });
}

}  // namespace openbook::runtime
