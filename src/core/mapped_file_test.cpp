#include "core/mapped_file.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "support/test_support.h"

namespace openbook::core {
namespace {

TEST(MappedFile, MapsTheWholeFile) {
    testing::TempDir dir;
    std::string content("hello\0mapped world", 18);  // a NUL in the middle
    content += std::string(10000, 'x');              // more than one page
    testing::write_file(dir / "a.bin", content);

    auto file = MappedFile::open(dir / "a.bin");
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    EXPECT_EQ(file->size(), content.size());
    EXPECT_EQ(file->view(), content);
    EXPECT_EQ(file->bytes().size(), content.size());
    EXPECT_EQ(file->path(), dir / "a.bin");
}

TEST(MappedFile, EmptyFileMapsNothing) {
    testing::TempDir dir;
    testing::write_file(dir / "empty", "");
    auto file = MappedFile::open(dir / "empty");
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    EXPECT_EQ(file->size(), 0u);
    EXPECT_EQ(file->data(), nullptr);
    EXPECT_TRUE(file->view().empty());
}

TEST(MappedFile, MissingFileIsNotFoundAndNamesThePath) {
    testing::TempDir dir;
    auto file = MappedFile::open(dir / "missing.gguf");
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(file.error().code(), StatusCode::kNotFound);
    EXPECT_NE(file.error().message().find("missing.gguf"), std::string::npos);
    EXPECT_NE(file.error().message().find("No such file"), std::string::npos);
}

TEST(MappedFile, DirectoryIsRefused) {
    testing::TempDir dir;
    auto file = MappedFile::open(dir.path());
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(file.error().code(), StatusCode::kIoError);
    EXPECT_NE(file.error().message().find("not a regular file"), std::string::npos);
}

TEST(MappedFile, MovesOwnership) {
    testing::TempDir dir;
    testing::write_file(dir / "a", "abc");
    testing::write_file(dir / "b", "defgh");
    auto a = MappedFile::open(dir / "a");
    auto b = MappedFile::open(dir / "b");
    ASSERT_TRUE(a.has_value() && b.has_value());

    MappedFile moved(std::move(*a));
    EXPECT_EQ(moved.view(), "abc");
    EXPECT_EQ(a->data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(a->size(), 0u);

    moved = std::move(*b);  // releases "abc", takes "defgh"
    EXPECT_EQ(moved.view(), "defgh");
    EXPECT_EQ(b->size(), 0u);
}

TEST(MappedFile, SurvivesUnlinkOfTheFile) {
    testing::TempDir dir;
    testing::write_file(dir / "gone", "still here");
    auto file = MappedFile::open(dir / "gone");
    ASSERT_TRUE(file.has_value());
    std::filesystem::remove(dir / "gone");
    EXPECT_EQ(file->view(), "still here");
}

}  // namespace
}  // namespace openbook::core
