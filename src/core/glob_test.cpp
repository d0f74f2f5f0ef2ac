#include "core/glob.h"

#include <gtest/gtest.h>

namespace openbook::core {
namespace {

TEST(Glob, StarStaysWithinAComponent) {
    EXPECT_TRUE(glob_match("docs/*.md", "docs/a.md"));
    EXPECT_FALSE(glob_match("docs/*.md", "docs/sub/a.md"));
    EXPECT_FALSE(glob_match("docs/*.md", "docs/a.txt"));
}

TEST(Glob, PatternWithoutSlashMatchesTheFileName) {
    EXPECT_TRUE(glob_match("*.md", "a.md"));
    EXPECT_TRUE(glob_match("*.md", "deep/er/a.md"));
    EXPECT_FALSE(glob_match("*.md", "deep/a.md/x.txt"));
    EXPECT_TRUE(glob_match("README*", "x/README.zh.md"));
}

TEST(Glob, DoubleStarCrossesDirectories) {
    EXPECT_TRUE(glob_match("drafts/**", "drafts/a/b/c.md"));
    EXPECT_TRUE(glob_match("**/*.pdf", "a/b/c.pdf"));
    EXPECT_TRUE(glob_match("**/*.pdf", "c.pdf"));
    EXPECT_TRUE(glob_match("a/**/b.md", "a/b.md"));
    EXPECT_TRUE(glob_match("a/**/b.md", "a/x/y/b.md"));
    EXPECT_FALSE(glob_match("a/**/b.md", "b/x/b.md"));
}

TEST(Glob, QuestionMarkAndSets) {
    EXPECT_TRUE(glob_match("ch?.md", "ch1.md"));
    EXPECT_FALSE(glob_match("ch?.md", "ch10.md"));
    EXPECT_TRUE(glob_match("ch[0-9].md", "ch7.md"));
    EXPECT_FALSE(glob_match("ch[!0-9].md", "ch7.md"));
    EXPECT_TRUE(glob_match("ch[!0-9].md", "chx.md"));
    EXPECT_FALSE(glob_match("a?b", "a/b"));
}

TEST(Glob, Utf8NamesAndAnchoredPatterns) {
    EXPECT_TRUE(glob_match("*.md", "使用指南/第一章.md"));
    EXPECT_TRUE(glob_match("使用*/*.md", "使用指南/第一章.md"));
    EXPECT_TRUE(glob_match("/docs/*.md", "docs/a.md"));
    EXPECT_FALSE(glob_match("/docs/*.md", "x/docs/a.md"));
}

TEST(Glob, PathologicalPatternIsFast) {
    std::string text(2000, 'a');
    EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*b", text));
    EXPECT_FALSE(glob_match("**a**a**a**a**a**b", text));
}

}  // namespace
}  // namespace openbook::core
