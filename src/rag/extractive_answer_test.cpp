#include <gtest/gtest.h>

#include "openbook/answer.h"
#include "support/test_support.h"

namespace openbook {
namespace {

using openbook::testing::TempDir;

// The bundled example guide, English and Traditional Chinese.
const std::filesystem::path kExamples = std::filesystem::path(OPENBOOK_SOURCE_DIR) / "examples";

class ExtractiveAnswer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        auto c = Collection::open(dir_->path(), Collection::Mode::kWrite);
        ASSERT_TRUE(c.has_value()) << c.error().to_string();
        auto r = (*c)->ingest({kExamples.string()}, {});
        ASSERT_TRUE(r.has_value() && r->failed == 0);
    }
    static void TearDownTestSuite() { delete dir_; }

    Answer ask(const std::string& question) {
        auto c = Collection::open(dir_->path(), Collection::Mode::kRead);
        EXPECT_TRUE(c.has_value());
        auto a = answer_extractive(**c, question);
        EXPECT_TRUE(a.has_value()) << a.error().to_string();
        return a.has_value() ? *a : Answer{};
    }

    static TempDir* dir_;
};
TempDir* ExtractiveAnswer::dir_ = nullptr;

// Every quoted sentence is the document's text at the span it cites.
void expect_citations_exact(const Answer& a) {
    for (const auto& s : a.sentences) {
        ASSERT_GE(s.source, 1);
        ASSERT_LE(static_cast<size_t>(s.source), a.sources.size());
        const SearchHit& hit = a.sources[static_cast<size_t>(s.source - 1)].hit;
        EXPECT_GE(s.char_start, hit.char_start);
        EXPECT_LE(s.char_end, hit.char_end);
        // The sentence sits in the chunk at the same offset, counted in code points.
        const std::string& t = hit.text;
        int64_t cp = 0;
        size_t b = 0, start_b = std::string::npos;
        for (; b <= t.size(); ++b) {
            if (b < t.size() && (static_cast<unsigned char>(t[b]) & 0xC0) == 0x80) continue;
            if (cp == s.char_start - hit.char_start) start_b = b;
            ++cp;
        }
        ASSERT_NE(start_b, std::string::npos);
        EXPECT_EQ(t.compare(start_b, s.text.size(), s.text), 0) << s.text;
    }
}

TEST_F(ExtractiveAnswer, AnswersAnEnglishQuestionWithCitedSentences) {
    Answer a = ask("What happens when I ingest an encrypted PDF?");
    ASSERT_TRUE(a.found) << a.message;
    ASSERT_FALSE(a.sentences.empty());
    bool mentions = false;
    for (const auto& s : a.sentences) mentions |= s.text.find("password") != std::string::npos;
    EXPECT_TRUE(mentions);
    expect_citations_exact(a);
}

TEST_F(ExtractiveAnswer, AnswersATraditionalChineseQuestion) {
    Answer a = ask("加密的 PDF 會怎樣？");
    ASSERT_TRUE(a.found) << a.message;
    bool mentions = false;
    for (const auto& s : a.sentences) mentions |= s.text.find("密碼") != std::string::npos;
    EXPECT_TRUE(mentions);
    expect_citations_exact(a);
}

TEST_F(ExtractiveAnswer, SaysSoWhenTheDocumentsDoNotCoverTheQuestion) {
    for (const char* q : {"What is the capital of France?", "誰是台灣第一位總統？",
                          "今天晚餐吃什麼？"}) {
        Answer a = ask(q);
        EXPECT_FALSE(a.found) << q;
        EXPECT_TRUE(a.sentences.empty()) << q;
        EXPECT_FALSE(a.message.empty()) << q;
    }
    Answer nothing = ask("zzyzx qwfpgj");
    EXPECT_FALSE(nothing.found);
    EXPECT_TRUE(nothing.sources.empty());
}

}  // namespace
}  // namespace openbook
