#include "index/lexical/manifest.h"

#include <gtest/gtest.h>

#include <cstring>

#include "index/lexical/deletions.h"
#include "support/test_support.h"

namespace openbook::index {
namespace {

using openbook::testing::TempDir;

Manifest sample_manifest() {
    Manifest m;
    m.generation = 7;
    m.catalog_generation = 42;
    m.next_segment_id = 10;
    m.next_deletion_generation = 5;
    m.segments.push_back({3, 4096, 100, 2, 4, 1234, 999});
    m.segments.push_back({9, 8192, 50, 0, 0, 700, 300});
    return m;
}

TEST(ManifestFormat, RoundTrips) {
    TempDir dir;
    Manifest m = sample_manifest();
    ASSERT_TRUE(write_manifest(dir.path(), m).ok());
    auto back = read_manifest(dir.path());
    ASSERT_TRUE(back.has_value()) << back.error().to_string();
    EXPECT_TRUE(*back == m);
    Manifest empty;
    auto decoded = decode_manifest(encode_manifest(empty), "M");
    ASSERT_TRUE(decoded.has_value());
    EXPECT_TRUE(*decoded == empty);
    // No temporary file is left behind.
    size_t files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
    EXPECT_EQ(files, 1u);
}

TEST(ManifestFormat, MissingIsNotFound) {
    TempDir dir;
    auto m = read_manifest(dir.path());
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code(), StatusCode::kNotFound);
}

TEST(ManifestFormat, GarbageTruncationAndFlipsAreCorruptNamingTheFile) {
    std::string bytes = encode_manifest(sample_manifest());
    std::vector<std::string> bad = {"", "garbage", std::string(200, 'x'),
                                    bytes.substr(0, bytes.size() - 1), bytes + "x"};
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i >= 8 && i < 12) continue;  // version: reported as kUnsupported or corrupt
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ 1);
        bad.push_back(flipped);
    }
    for (const std::string& b : bad) {
        auto m = decode_manifest(b, "/x/MANIFEST");
        ASSERT_FALSE(m.has_value());
        EXPECT_EQ(m.error().code(), StatusCode::kCorrupt);
        EXPECT_NE(m.error().message().find("MANIFEST"), std::string::npos);
    }
}

TEST(ManifestFormat, LyingSegmentCountDoesNotAllocate) {
    std::string bytes = encode_manifest(sample_manifest());
    uint32_t huge = 0xffffffffu;
    std::memcpy(bytes.data() + 12, &huge, 4);  // n_segments
    auto m = decode_manifest(bytes, "MANIFEST");
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code(), StatusCode::kCorrupt);
}

TEST(ManifestFormat, InconsistentEntriesAreCorrupt) {
    Manifest m = sample_manifest();
    m.segments[1].id = 3;  // listed twice
    EXPECT_FALSE(decode_manifest(encode_manifest(m), "M").has_value());
    m = sample_manifest();
    m.segments[0].n_deleted = 101;  // more deleted than docs
    EXPECT_FALSE(decode_manifest(encode_manifest(m), "M").has_value());
    m = sample_manifest();
    m.segments[0].id = 10;  // not below next_segment_id
    EXPECT_FALSE(decode_manifest(encode_manifest(m), "M").has_value());
}

TEST(ManifestDeletions, BitmapRoundTripsAndDetectsDamage) {
    TempDir dir;
    for (uint32_t n_docs : {1u, 63u, 64u, 65u, 1000u}) {
        DeletionBitmap bm(n_docs);
        EXPECT_TRUE(bm.set(0));
        EXPECT_FALSE(bm.set(0));
        bm.set(n_docs - 1);
        if (n_docs > 10) bm.set(10);
        auto path = dir / ("seg-1.del-" + std::to_string(n_docs));
        ASSERT_TRUE(write_deletions(path, bm, 1).ok());
        auto back = read_deletions(path, 1, n_docs);
        ASSERT_TRUE(back.has_value()) << back.error().to_string();
        EXPECT_EQ((*back)->count(), bm.count());
        for (uint32_t d = 0; d < n_docs; ++d) EXPECT_EQ((*back)->test(d), bm.test(d));
        // Another segment, another size, damage, missing file: kCorrupt naming the file.
        EXPECT_EQ(read_deletions(path, 2, n_docs).error().code(), StatusCode::kCorrupt);
        EXPECT_EQ(read_deletions(path, 1, n_docs + 1).error().code(), StatusCode::kCorrupt);
        std::string bytes = openbook::testing::read_file(path);
        for (size_t i = 0; i < bytes.size(); i += 3) {
            std::string bad = bytes;
            bad[i] = static_cast<char>(bad[i] ^ 4);
            openbook::testing::write_file(path, bad);
            auto r = read_deletions(path, 1, n_docs);
            ASSERT_FALSE(r.has_value()) << i;
            EXPECT_EQ(r.error().code(), StatusCode::kCorrupt);
            EXPECT_NE(r.error().message().find(path.filename().string()), std::string::npos);
        }
        std::filesystem::remove(path);
        EXPECT_EQ(read_deletions(path, 1, n_docs).error().code(), StatusCode::kCorrupt);
    }
}

}  // namespace
}  // namespace openbook::index
