#include "model/runtime/kv_cache.h"

#include <gtest/gtest.h>

namespace openbook::runtime {
namespace {

TEST(KvCache, LayoutAndSize) {
    auto cache = KvCache::create(3, 2, 8, 10, KvType::kF16);
    ASSERT_TRUE(cache.has_value()) << cache.error().to_string();
    EXPECT_EQ(cache->capacity(), 10);
    EXPECT_EQ(cache->type(), KvType::kF16);
    EXPECT_EQ(cache->bytes(), 3u * 2 * 2 * 8 * 10 * 2);
    ASSERT_EQ(cache->layers().size(), 3u);
    const auto& l = cache->layers();
    const size_t array = 2 * 8 * 10 * 2;  // one layer's K (or V)
    EXPECT_EQ(static_cast<char*>(l[0].v) - static_cast<char*>(l[0].k),
              static_cast<ptrdiff_t>(array));
    EXPECT_EQ(static_cast<char*>(l[1].k) - static_cast<char*>(l[0].k),
              static_cast<ptrdiff_t>(2 * array));
    EXPECT_EQ(l[2].type, gguf::GgmlType::kF16);
    EXPECT_EQ(l[2].capacity, 10);

    auto f32 = KvCache::create(1, 1, 4, 4, KvType::kF32);
    ASSERT_TRUE(f32.has_value());
    EXPECT_EQ(f32->bytes(), 2u * 4 * 4 * 4);
    EXPECT_EQ(f32->layers()[0].type, gguf::GgmlType::kF32);
}

TEST(KvCache, AbsurdSizesAreRefused) {
    EXPECT_EQ(KvCache::create(1000, 1000, 1000, int64_t{1} << 31, KvType::kF32).error().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(KvCache::create(1, 1, 1, 0, KvType::kF32).error().code(),
              StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openbook::runtime
